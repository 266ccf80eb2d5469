"""Writes of the agenda: a session's live status. Atomic; the broadcast goes on commit."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rakor import audit
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
    receives ``{"type": "session.status", "session": {...}}`` (no meeting URL), with the event's
    ``spread`` (Event.join_spread_seconds) by which portals jitter their Join buttons.
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
        before = audit.snapshot(session, ["status", "status_changed_at"])
        session.status = status
        session.status_changed_at = timezone.now()
        session.save(update_fields=["status", "status_changed_at"])
        if getattr(by, "is_authenticated", False):
            # An organiser's change (the periodic job passes no user and is not audited).
            audit.audit_record(actor=by, action="status", obj=session, before=before,
                               after=audit.snapshot(session, ["status", "status_changed_at"]), event=session.event)
        log.info("session %s of %s set %s by %s", session.pk, session.event.slug, status, getattr(by, "pk", None))
        # "spread": each portal lights its Join button 0..spread seconds after hearing "live" (static/rakor/live.js).
        payload = {**session_public_data(session), "spread": session.event.join_spread_seconds}
        group = sessions_group(session.event.slug)
        transaction.on_commit(lambda: group_send(group, {"type": "session.status", "session": payload}))
    return session
