"""Reads about sessions that the portal, the join redirect, the API and consumers share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from attendance.models import Registration, RegistrationDay

from .models import Session


def sessions_group(event_slug: str) -> str:
    """The Channels group that carries an event's session status changes."""
    return f"sessions.{event_slug}"


def session_public_data(session: Session) -> dict:
    """What anyone may know about a session: never its meeting URL or passcode."""
    return {
        "id": session.pk, "title": session.title, "day": session.day.isoformat(),
        "start": session.start.isoformat(), "end": session.end.isoformat(), "room": session.room,
        "kind": session.kind, "mode": session.mode, "status": session.status,
        "has_stream": bool(session.stream_url),
    }


def join_opens_at(session: Session) -> dt.datetime:
    return session.start - dt.timedelta(minutes=session.join_opens_minutes_before)


def join_is_open(session: Session, now: dt.datetime | None = None) -> bool:
    """Live, or scheduled and within its opening minutes; never once ended."""
    now = now or timezone.now()
    if session.status == Session.Status.LIVE:
        return True
    if session.status == Session.Status.ENDED:
        return False
    return join_opens_at(session) <= now < session.end


def may_join_online(registration: Registration, session: Session) -> bool:
    """An approved registration, online that day (or a hybrid/online session), allowed by the session's scope."""
    if registration.status != Registration.Status.APPROVED or registration.ticket_revoked_at is not None:
        return False
    if session.event_id != registration.event_id or session.mode == Session.Mode.IN_PERSON:
        return False
    if not (session.meeting_url or session.stream_url):
        return False
    mode = RegistrationDay.objects.filter(registration=registration, date=session.day).values_list("mode", flat=True).first()
    if mode is None:
        return False
    if mode == RegistrationDay.Mode.IN_PERSON and session.mode != Session.Mode.ONLINE:
        # Sitting in the room: the door check-in records them, not the online link.
        return False
    if session.join_scope == Session.JoinScope.UNITS:
        unit_path = registration.participant.unit.path
        return any(unit_path.startswith(u.path) for u in session.allowed_units.all())
    return True
