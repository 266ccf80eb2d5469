"""The periodic job that makes sessions go live at their start and end after their end.

Run every minute by Celery beat (agenda.tasks.sessions_tick_task, registered under its old name sessions_app.tasks.sessions_tick_task) or by cron
(``manage.py sessions_tick``). Each change goes through session_set_status, so it locks
the row, is idempotent and broadcasts exactly like an organiser's button.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Session
from .selectors import sessions_due
from .services import session_set_status

log = logging.getLogger("rakor.sessions")

def end_grace_minutes() -> int:
    """Minutes a live session may run over its planned end before the job ends it (SESSIONS_END_GRACE_MINUTES)."""
    return settings.SESSIONS_END_GRACE_MINUTES


@dataclass
class TickResult:
    went_live: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def sessions_tick(*, now: dt.datetime | None = None, grace_minutes: int | None = None) -> TickResult:
    """Set live the due scheduled sessions and end the overdue live ones (see selectors.sessions_due).

    Safe to run twice at once: the service locks each row and a session already in the
    target status is left alone.
    """
    now = now or timezone.now()
    grace = end_grace_minutes() if grace_minutes is None else grace_minutes
    result = TickResult()
    to_live, to_end = sessions_due(now=now, grace_minutes=grace)
    for sessions, status, done in ((to_live, Session.Status.LIVE, result.went_live),
                                   (to_end, Session.Status.ENDED, result.ended)):
        for session in sessions:
            try:
                session_set_status(session=session, status=status, by=None)
            except ValidationError as exc:  # changed by hand meanwhile: theirs wins
                result.refused.append((session.pk, " ".join(exc.messages)))
                continue
            done.append(session.pk)
    if result.went_live or result.ended:
        log.info("sessions_tick: live %s, ended %s", result.went_live, result.ended)
    return result
