"""Reads about sessions that the portal, the join redirect, the API and consumers share."""

from __future__ import annotations

import copy
import datetime as dt
import time

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
    return join_refusal(registration, session) is None


# ---------------------------------------------------------------- agenda (event page, portal, iCal)


def event_sessions(event):
    """The event's sessions in agenda order, with what the agenda shows (one query, plus one for units)."""
    return list(Session.objects.filter(event=event).prefetch_related("allowed_units").order_by("start", "title", "pk"))


def youtube_embed_url(url: str) -> str:
    """The privacy-enhanced embed URL of a YouTube watch/live/youtu.be link; "" for anything else."""
    from urllib.parse import parse_qs, urlsplit

    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video = ""
    if host == "youtu.be":
        video = parts.path.strip("/").split("/")[0]
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parts.path == "/watch":
            video = (parse_qs(parts.query).get("v") or [""])[0]
        elif parts.path.startswith(("/live/", "/embed/")):
            video = parts.path.split("/")[2] if len(parts.path.split("/")) > 2 else ""
    if not video or not all(c.isalnum() or c in "-_" for c in video):
        return ""
    return f"https://www.youtube-nocookie.com/embed/{video}"


def personal_join_path(registration: Registration, session: Session) -> str:
    """The participant's own join link (DESIGN.md): records attendance, then redirects."""
    return f"/t/{registration.portal_secret}/join/{session.pk}/"


def _may_join_preloaded(registration: Registration, session: Session, day_modes: dict, unit_path: str) -> bool:
    """may_join_online with the registration's days and the session's units already loaded (no query)."""
    return join_refusal(registration, session, day_mode=day_modes.get(session.day), unit_path=unit_path,
                        unit_paths=[u.path for u in session.allowed_units.all()]) is None


def agenda_context(event, *, registration: Registration | None = None, now: dt.datetime | None = None) -> dict:
    """Everything templates/sessions_app/agenda.html needs, as ``{"agenda": {...}}``.

    Days in the event's time zone, each with its sessions; the current day (today if
    the event runs today, else its first day) is the open tab; ``now_before`` marks the
    session the "now" line is drawn above, ``is_now`` the sessions under way. With a
    registration, each session says whether this person may join online, their
    personal join path, whether joining is open, and (for a stream-only session they
    may join) the stream's embed URL. Never the meeting URL or passcode.
    A constant number of queries: sessions, their units, and the registration's days.
    """
    now = now or timezone.now()
    tz = event.tz
    today = now.astimezone(tz).date()
    sessions = event_sessions(event)
    day_modes, unit_path = {}, ""
    if registration is not None:
        day_modes = dict(RegistrationDay.objects.filter(registration=registration).values_list("date", "mode"))
        unit_path = registration.participant.unit.path
    dates = list(event.days)
    for s in sessions:
        if s.day not in dates:
            dates.append(s.day)
    dates.sort()
    by_day: dict = {d: [] for d in dates}
    for s in sessions:
        may = registration is not None and _may_join_preloaded(registration, s, day_modes, unit_path)
        by_day[s.day].append({
            "session": s, "id": s.pk, "title": s.title, "description": s.description,
            "start": s.start.astimezone(tz), "end": s.end.astimezone(tz), "status": s.status,
            "room": s.room, "kind": s.get_kind_display(), "kind_code": s.kind,
            "mode": s.get_mode_display(), "mode_code": s.mode,
            "guest_speakers": [line.strip() for line in s.guest_speakers.splitlines() if line.strip()],
            "moderator": s.moderator_name,
            "is_now": s.start <= now < s.end and s.status != Session.Status.ENDED,
            "is_past": s.end <= now or s.status == Session.Status.ENDED,
            "now_before": False,
            "join_opens_at": join_opens_at(s).astimezone(tz),
            "may_join": may,
            "join_open": may and join_is_open(s, now),
            "join_url": personal_join_path(registration, s) if may else "",
            "stream_embed_url": youtube_embed_url(s.stream_url) if may and s.stream_url and not s.meeting_url else "",
        })
    current = today if today in by_day else (dates[0] if dates else None)
    if current is not None and current == today and not any(i["is_now"] for i in by_day[today]):
        upcoming = [i for i in by_day[today] if i["session"].start > now]
        if upcoming:
            upcoming[0]["now_before"] = True
    days = [{"date": d, "sessions": by_day[d], "is_current": d == current, "is_today": d == today} for d in dates]
    slug = event.slug
    return {"agenda": {
        "event": event, "time_zone": event.time_zone, "now": now.astimezone(tz), "today": today,
        "days": days, "current_day": current, "registration": registration,
        "ws_path": f"/ws/events/{slug}/sessions/", "poll_url": f"/api/v1/events/{slug}/sessions/",
        "ical_url": (f"/t/{registration.portal_secret}/agenda.ics" if registration is not None
                     else f"/e/{slug}/agenda.ics"),
    }}


def sessions_due(*, now: dt.datetime, grace_minutes: int) -> tuple[list[Session], list[Session]]:
    """What the periodic job changes: (to set live, to end).

    To go live: scheduled, its start has come, its end not yet, and nobody changed its
    status by hand since its start (an organiser who put it back to "scheduled" wins).
    To end: live, its end passed by ``grace_minutes``, and not set live by hand after
    its end (a session that runs over stays live until an organiser ends it).
    """
    from django.db.models import F, Q

    grace = dt.timedelta(minutes=grace_minutes)
    to_live = list(Session.objects.filter(status=Session.Status.SCHEDULED, start__lte=now, end__gt=now)
                   .filter(Q(status_changed_at__isnull=True) | Q(status_changed_at__lt=F("start")))
                   .select_related("event").order_by("start", "pk"))
    to_end = list(Session.objects.filter(status=Session.Status.LIVE, end__lte=now - grace)
                  .filter(Q(status_changed_at__isnull=True) | Q(status_changed_at__lt=F("end")))
                  .select_related("event").order_by("end", "pk"))
    return to_live, to_end


# ---------------------------------------------------------------- personal join, minutes attended online (issue 4, items 4 and 6)


class JoinRefusal:
    """Why a registration may not join a session online (the waiting page says it in words)."""

    REVOKED = "revoked"
    NOT_APPROVED = "not_approved"
    PENDING = "pending"
    IN_PERSON_SESSION = "in_person_session"
    NO_LINK = "no_link"
    NOT_THAT_DAY = "not_that_day"
    IN_PERSON_DAY = "in_person_day"
    UNIT_NOT_ALLOWED = "unit_not_allowed"


SESSION_CACHE_SECONDS = 300
# Each server process keeps the sessions it read this long (seconds) before asking the
# shared cache again: a join storm reads the same session thousands of times a minute.
# A status change made in another process is seen by this one at most this much later
# (the process that saves the session forgets its copy at once).
SESSION_LOCAL_SECONDS = 2.0

_local_sessions: dict[int, tuple[float, Session]] = {}
_process_cache = None


def process_cache():
    """The default cache, as one instance per server process (shared by its threads).

    ``django.core.cache.cache`` is one instance per thread or async context, and under
    ASGI every request runs in a new one. With Redis, ``rakor.cache.ProcessRedisCache``
    already shares the connections; this also saves building the backend object on the
    join's hot path. Same backend, location, key prefix and version as ``cache``.
    """
    global _process_cache
    if _process_cache is None:
        from django.core.cache import DEFAULT_CACHE_ALIAS, caches

        _process_cache = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _process_cache


def _session_key(session_id: int) -> str:
    return f"rakor:session:{session_id}"


def forget_session(session_id: int) -> None:
    _local_sessions.pop(session_id, None)
    process_cache().delete(_session_key(session_id))


def cached_session(session_id: int) -> Session | None:
    """A session with its allowed units' paths: this process's copy, else the shared cache.

    Every join reads its session; a join storm would otherwise rebuild the same query
    thousands of times a minute. Any save of the session (status included) or of its
    units clears the shared entry on commit (sessions_app/signals.py), so every server
    process sees a change within SESSION_LOCAL_SECONDS. The instance returned is shared
    by this process's threads: read it, never change it (``session_for_join`` copies).
    """
    now = time.monotonic()
    local = _local_sessions.get(session_id)
    if local is not None and local[0] > now:
        return local[1]
    key = _session_key(session_id)
    session = process_cache().get(key)
    if session is None:
        session = Session.objects.filter(pk=session_id).first()
        if session is None:
            return None
        session.allowed_unit_paths = [u.path for u in session.allowed_units.all()] \
            if session.join_scope == Session.JoinScope.UNITS else []
        process_cache().set(key, session, SESSION_CACHE_SECONDS)
    _local_sessions[session_id] = (now + SESSION_LOCAL_SECONDS, session)
    return session


def session_for_join(registration: Registration, session_id: int) -> Session | None:
    """The session of the registration's event (a copy of the cached one), with the registration's mode on its day."""
    from django.db import connection

    cached = cached_session(session_id)
    if cached is None or cached.event_id != registration.event_id:
        return None
    session = copy.copy(cached)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT mode FROM {qn(RegistrationDay._meta.db_table)} WHERE registration_id = %s AND date = %s",
                       [registration.pk, connection.ops.adapt_datefield_value(session.day)])
        row = cursor.fetchone()
    session.registration_day_mode = row[0] if row else None
    return session


_UNKNOWN = object()


def join_refusal(registration: Registration, session: Session, *, day_mode=_UNKNOWN, unit_path: str | None = None,
                 unit_paths: list[str] | None = None) -> str | None:
    """The reason (a JoinRefusal code) this registration may not join online, or None when it may.

    The one place the rules live: ``may_join_online`` and the agenda ask it too. What
    a caller already has loaded (the day's mode, the unit paths) saves a query: passed
    in, or as ``session_for_join``'s ``registration_day_mode`` / ``allowed_unit_paths``.
    """
    if registration.ticket_revoked_at is not None:
        return JoinRefusal.REVOKED
    if registration.status == Registration.Status.PENDING:
        return JoinRefusal.PENDING
    if registration.status != Registration.Status.APPROVED:
        return JoinRefusal.NOT_APPROVED
    if session.event_id != registration.event_id or session.mode == Session.Mode.IN_PERSON:
        return JoinRefusal.IN_PERSON_SESSION
    if not (session.meeting_url or session.stream_url):
        return JoinRefusal.NO_LINK
    mode = day_mode if day_mode is not _UNKNOWN else getattr(session, "registration_day_mode", _UNKNOWN)
    if mode is _UNKNOWN:
        mode = (RegistrationDay.objects.filter(registration=registration, date=session.day)
                .values_list("mode", flat=True).first())
    if mode is None:
        return JoinRefusal.NOT_THAT_DAY
    if mode == RegistrationDay.Mode.IN_PERSON and session.mode != Session.Mode.ONLINE:
        # Sitting in the room: the door check-in records them, not the online link.
        return JoinRefusal.IN_PERSON_DAY
    if session.join_scope == Session.JoinScope.UNITS:
        unit_path = unit_path or registration.participant.unit.path
        paths = unit_paths if unit_paths is not None else getattr(session, "allowed_unit_paths", None)
        if paths is None:
            paths = [u.path for u in session.allowed_units.all()]
        if not any(unit_path.startswith(path) for path in paths):
            return JoinRefusal.UNIT_NOT_ALLOWED
    return None


def session_running(session: Session, now: dt.datetime | None = None) -> bool:
    """Live, or scheduled and between its start and end: when attendance minutes accrue."""
    now = now or timezone.now()
    if session.status == Session.Status.LIVE:
        return True
    return session.status == Session.Status.SCHEDULED and session.start <= now < session.end


def online_minutes(registration: Registration, session: Session) -> int:
    """Minutes this registration attended this session online (heartbeats or the platform report, the larger)."""
    from .models import OnlineAttendance

    row = (OnlineAttendance.objects.filter(registration=registration, session=session)
           .values_list("heartbeat_minutes", "report_minutes").first())
    return max(row) if row else 0


def online_attendance_for_session(session: Session) -> list:
    """Who joined a session online and for how long, by name: OnlineAttendance rows with person and unit.

    One query; each row has ``minutes`` (the larger of the two sources).
    """
    from .models import OnlineAttendance

    return list(OnlineAttendance.objects.filter(session=session)
                .select_related("registration__participant__unit")
                .order_by("registration__participant__full_name", "pk"))
