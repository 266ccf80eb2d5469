"""Writes for sessions. Every function here is atomic."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rakor.broadcast import group_send

from .models import Session
from .selectors import session_public_data, sessions_group

log = logging.getLogger("rakor.sessions")

_ALLOWED = {
    Session.Status.SCHEDULED: {Session.Status.LIVE, Session.Status.ENDED},
    Session.Status.LIVE: {Session.Status.ENDED, Session.Status.SCHEDULED},
    Session.Status.ENDED: {Session.Status.LIVE},
}


def session_set_status(*, session: Session, status: str, by=None) -> Session:
    """Set a session scheduled → live → ended (or back, to correct a mistake).

    Locks the session row; idempotent (setting the same status changes nothing and
    sends nothing). On commit, every portal subscribed to the event's sessions group
    receives ``{"type": "session.status", "session": {...}}`` (no meeting URL).
    """
    if status not in Session.Status.values:
        raise ValidationError({"status": _("Status sesi tidak dikenal.")})
    with transaction.atomic():
        session = Session.objects.select_for_update().select_related("event").get(pk=session.pk)
        if session.status == status:
            return session
        if status not in _ALLOWED[session.status]:
            raise ValidationError({"status": _("Sesi berstatus %(now)s tidak dapat diubah menjadi %(new)s.") % {
                "now": session.get_status_display(), "new": Session.Status(status).label}})
        session.status = status
        session.status_changed_at = timezone.now()
        session.save(update_fields=["status", "status_changed_at"])
        log.info("session %s of %s set %s by %s", session.pk, session.event.slug, status, getattr(by, "pk", None))
        payload = session_public_data(session)
        group = sessions_group(session.event.slug)
        transaction.on_commit(lambda: group_send(group, {"type": "session.status", "session": payload}))
    return session
