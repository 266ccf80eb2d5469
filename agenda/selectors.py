"""Reads about sessions: the agenda (event page, portal, iCal), live status, the cached session of a join.

Nothing here knows a participant: the portal's personal view of the agenda (who may join
what) is attendance.online.selectors, which passes itself in as ``personal``.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from rakor.security_headers import STREAM_EMBED_ORIGIN

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
    return f"{STREAM_EMBED_ORIGIN}/embed/{video}"


def agenda_context(event, *, personal=None, now: dt.datetime | None = None, sessions: list | None = None) -> dict:
    """Everything templates/agenda/agenda.html needs, as ``{"agenda": {...}}``.

    Days in the event's time zone, each with its sessions; the current day (today if
    the event runs today, else its first day) is the open tab; ``now_before`` marks the
    session the "now" line is drawn above, ``is_now`` the sessions under way. With
    ``personal`` (a participant's view: attendance.online.selectors.PersonalAgenda, which
    has ``registration``, ``ical_url`` and ``join_path(session)``, "" when they may not join),
    each session says whether this person may join online, their personal join path,
    whether joining is open, and (for a stream-only session they may join) the stream's
    embed URL. Never the meeting URL or passcode.
    A constant number of queries: sessions, their units, and what ``personal`` reads; none for
    the sessions when they are passed in (``cached_event_sessions``).
    """
    now = now or timezone.now()
    tz = event.tz
    today = now.astimezone(tz).date()
    sessions = event_sessions(event) if sessions is None else sessions
    dates = list(event.days)
    for s in sessions:
        if s.day not in dates:
            dates.append(s.day)
    dates.sort()
    by_day: dict = {d: [] for d in dates}
    for s in sessions:
        join_path = personal.join_path(s) if personal is not None else ""
        may = bool(join_path)
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
            "join_url": join_path,
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
        "days": days, "current_day": current, "registration": personal.registration if personal else None,
        "ws_path": f"/ws/events/{slug}/sessions/", "poll_url": f"/api/v1/events/{slug}/sessions/",
        "ical_url": personal.ical_url if personal is not None else f"/e/{slug}/agenda.ics",
    }}


def agenda_state(event, sessions: list, *, now: dt.datetime, may_join=None) -> tuple:
    """What of ``agenda_context``'s output changes with time and person, cheaply (no translation, no HTML).

    The same rules as ``agenda_context``: today and the open day, per session whether it is
    under way, past, joinable by this person (``may_join(session)``) and open for joining, which
    session the "now" line is drawn above and the minute it says. Two calls that give the same
    state (for the same sessions, event and language) give the same agenda HTML: the portal's
    shared agenda (attendance.portal_cache) is keyed by it.
    """
    tz = event.tz
    today = now.astimezone(tz).date()
    dates = set(event.days) | {s.day for s in sessions}
    current = today if today in dates else (min(dates) if dates else None)
    flags, first_upcoming, any_now_today = [], None, False
    for s in sessions:
        is_now = s.start <= now < s.end and s.status != Session.Status.ENDED
        may = bool(may_join(s)) if may_join is not None else False
        flags.append((s.pk, is_now, s.end <= now or s.status == Session.Status.ENDED, may, may and join_is_open(s, now)))
        if s.day == today:
            any_now_today = any_now_today or is_now
            if first_upcoming is None and s.start > now:
                first_upcoming = s.pk
    now_before = first_upcoming if current is not None and current == today and not any_now_today else None
    return (today, current, tuple(flags), now_before, now.astimezone(tz).strftime("%H:%M") if now_before else "")


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


# ---------------------------------------------------------------- the cached session (a join storm reads it)


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


# ---------------------------------------------------------------- the event of a socket's connect

# Every session socket's connect names its event by slug; a node restart reconnects thousands at once.
# A save or delete of an event forgets this process's copy (signals); other processes see a change of
# the join spread within EVENT_LOCAL_SECONDS (the push carries the current one anyway).
EVENT_LOCAL_SECONDS = 30.0
_local_events: dict[str, tuple[float, object]] = {}


def event_by_slug(slug: str):
    """The event (pk, slug, join spread only): this process's copy, else one query. Unknown slugs are not kept."""
    from rakor.models import Event

    now = time.monotonic()
    local = _local_events.get(slug)
    if local is not None and local[0] > now:
        return local[1]
    event = Event.objects.filter(slug=slug).only("pk", "slug", "join_spread_seconds").first()
    if event is not None:
        if len(_local_events) > 1000:  # events are few; never let anything grow it
            _local_events.clear()
        _local_events[slug] = (now + EVENT_LOCAL_SECONDS, event)
    return event


def forget_events() -> None:
    _local_events.clear()


def cached_session(session_id: int) -> Session | None:
    """A session with its allowed units' paths: this process's copy, else the shared cache.

    Every join reads its session; a join storm would otherwise rebuild the same query
    thousands of times a minute. Any save of the session (status included) or of its
    units clears the shared entry on commit (agenda/signals.py), so every server
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


def session_running(session: Session, now: dt.datetime | None = None) -> bool:
    """Live, or scheduled and between its start and end: when attendance minutes accrue."""
    now = now or timezone.now()
    if session.status == Session.Status.LIVE:
        return True
    return session.status == Session.Status.SCHEDULED and session.start <= now < session.end


def session_status_counts(event) -> dict:
    """{"live": n, "scheduled": n, "ended": n, "total": n} for the organisers' event console; one query."""
    from django.db.models import Count, Q

    return Session.objects.filter(event=event).aggregate(
        total=Count("pk"), live=Count("pk", filter=Q(status=Session.Status.LIVE)),
        scheduled=Count("pk", filter=Q(status=Session.Status.SCHEDULED)),
        ended=Count("pk", filter=Q(status=Session.Status.ENDED)))


# ---------------------------------------------------------------- the agenda's version (the portal's shared agenda fragment)


def _agenda_version_key(event_id: int) -> str:
    return f"rakor:agenda-version:{event_id}"


_local_versions: dict[int, tuple[float, str]] = {}
_local_event_sessions: dict[int, tuple[str, list]] = {}


def agenda_version(event_id: int) -> str:
    """A token that changes whenever any of the event's sessions (or their units) changes.

    Bumped by agenda/signals.py on every save or delete of a session, on commit; each server
    process keeps it SESSION_LOCAL_SECONDS, as the cached session. What is cached under it
    (the sessions, the portal's rendered agenda) is never stale for longer than that.
    """
    now = time.monotonic()
    local = _local_versions.get(event_id)
    if local is not None and local[0] > now:
        return local[1]
    key = _agenda_version_key(event_id)
    version = process_cache().get(key)
    if version is None:
        import uuid

        process_cache().add(key, uuid.uuid4().hex, None)
        version = process_cache().get(key) or "0"
    _local_versions[event_id] = (now + SESSION_LOCAL_SECONDS, version)
    return version


def forget_local_agendas() -> None:
    """Drop this process's copies of agenda versions and sessions (tests: a rolled-back event's id is reused)."""
    _local_versions.clear()
    _local_event_sessions.clear()


def bump_agenda_version(event_id: int) -> None:
    import uuid

    _local_versions.pop(event_id, None)
    _local_event_sessions.pop(event_id, None)
    process_cache().set(_agenda_version_key(event_id), uuid.uuid4().hex, None)


def cached_event_sessions(event) -> tuple[str, list]:
    """(agenda_version, event_sessions(event)) from this process or the shared cache: no query when warm.

    Each session carries ``allowed_unit_paths`` (as ``cached_session``'s). Shared by the
    process's threads: read them, never change them.
    """
    version = agenda_version(event.pk)
    local = _local_event_sessions.get(event.pk)
    if local is not None and local[0] == version:
        return local
    key = f"rakor:agenda-sessions:{event.pk}:{version}"
    sessions = process_cache().get(key)
    if sessions is None:
        sessions = event_sessions(event)
        for s in sessions:
            s.allowed_unit_paths = [u.path for u in s.allowed_units.all()]
        process_cache().set(key, sessions, SESSION_CACHE_SECONDS)
    _local_event_sessions[event.pk] = (version, sessions)
    return version, sessions
