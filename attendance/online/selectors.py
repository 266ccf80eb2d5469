"""Reads about a participant's online attendance: may they join a session, their agenda, their minutes.

The one place the join rules live (``join_refusal``); the portal's agenda and calendar
ask it through ``PersonalAgenda``, the join link through ``session_for_join``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hmac

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.listeners import CLOSE_FORBIDDEN, CLOSE_TOO_MANY_GUESSES
from agenda.models import Session
from agenda.selectors import agenda_context, cached_session, join_is_open

from ..models import MeetingReportRow, OnlineAttendance, Registration, RegistrationDay
from ..personal_data import Section
from ..ratelimit import portal_guess_record_miss


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


def may_join_online(registration: Registration, session: Session) -> bool:
    """An approved registration, online that day (or a hybrid/online session), allowed by the session's scope."""
    return join_refusal(registration, session) is None


def personal_join_path(registration: Registration, session: Session) -> str:
    """The participant's own join link (DESIGN.md): records attendance, then redirects."""
    return f"/t/{registration.portal_secret}/join/{session.pk}/"


def _may_join_preloaded(registration: Registration, session: Session, day_modes: dict, unit_path: str) -> bool:
    """may_join_online with the registration's days and the session's units already loaded (no query)."""
    return join_refusal(registration, session, day_mode=day_modes.get(session.day), unit_path=unit_path,
                        unit_paths=[u.path for u in session.allowed_units.all()]) is None


class PersonalAgenda:
    """A participant's view of the agenda (agenda.selectors.agenda_context, agenda.ical.event_calendar).

    Reads the registration's days and unit once; then says per session whether they may
    join online (``join_path``: their personal join link, "" when they may not).
    """

    def __init__(self, registration: Registration):
        self.registration = registration
        self.ical_url = f"/t/{registration.portal_secret}/agenda.ics"
        self._day_modes = dict(RegistrationDay.objects.filter(registration=registration).values_list("date", "mode"))
        self._unit_path = registration.participant.unit.path

    def join_path(self, session: Session) -> str:
        if _may_join_preloaded(self.registration, session, self._day_modes, self._unit_path):
            return personal_join_path(self.registration, session)
        return ""


def portal_agenda_context(event, *, registration: Registration, now: dt.datetime | None = None) -> dict:
    """The agenda as this participant sees it on their portal (agenda.selectors.agenda_context)."""
    return agenda_context(event, personal=PersonalAgenda(registration), now=now)


def session_socket_check(event, secret: str, address: str) -> int | None:
    """May the holder of portal ``secret`` listen to ``event``'s session socket? None if so, else a close code.

    Registered with agenda.listeners (attendance's AppConfig.ready). An unknown secret counts
    as a guess for the client's address, as on the portal's pages (attendance.ratelimit);
    past the limit it is refused with 4429. A correct secret is never refused for its
    address's misses.
    """
    row = _socket_secret_row(secret)
    if row is None:
        return CLOSE_TOO_MANY_GUESSES if portal_guess_record_miss(address) else CLOSE_FORBIDDEN
    event_id, status, revoked_at = row
    if event_id == event.pk and status == Registration.Status.APPROVED and revoked_at is None:
        return None
    return CLOSE_FORBIDDEN


def _socket_secret_row(secret: str) -> tuple | None:
    """(event id, status, revoked at) of the registration holding portal ``secret``; else None.

    The socket's connect is the herd's most frequent request after a node restart (thousands of
    portals reconnecting): one indexed statement and no joins, where ``registration_for_ticket_secret``
    loads the event, the person and their unit for pages that show them. Same final word: a
    constant-time comparison of the secret.
    """
    from django.db import connection

    if not secret or len(secret) > 64:
        return None
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT portal_secret, event_id, status, ticket_revoked_at FROM {qn(Registration._meta.db_table)} "
                       "WHERE portal_secret = %s", [secret])
        found = cursor.fetchone()
    if found is None or not hmac.compare_digest(found[0].encode(), secret.encode()):
        return None
    return found[1], found[2], found[3]


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


def join_gate_state(session: Session, refusal: str | None, now: dt.datetime | None = None) -> str | None:
    """Why the join link shows the waiting page instead of the meeting: "refused" (``refusal``, from
    ``join_refusal``), "ended", "before"; None when they may join now."""
    now = now or timezone.now()
    if refusal is not None:
        return "refused"
    if session.status == Session.Status.ENDED or now >= session.end and session.status != Session.Status.LIVE:
        return "ended"
    if not join_is_open(session, now):
        return "before"
    return None


def join_destination(registration: Registration, session: Session, *, stream: bool = False) -> str:
    """Where a recorded join redirects: the meeting, or (a stream-only session, or ``stream``: the portal's
    "watch" for a session with both) the stream page."""
    if session.meeting_url and not (session.stream_url and stream):
        return session.meeting_url
    return reverse("sessions_join:watch", kwargs={"secret": registration.portal_secret, "session_id": session.pk})


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


def online_minutes(registration: Registration, session: Session) -> int:
    """Minutes this registration attended this session online (heartbeats or the platform report, the larger)."""
    row = (OnlineAttendance.objects.filter(registration=registration, session=session)
           .values_list("heartbeat_minutes", "report_minutes").first())
    return max(row) if row else 0


def online_attendance_for_session(session: Session) -> list:
    """Who joined a session online and for how long, by name: OnlineAttendance rows with person and unit.

    One query; each row has ``minutes`` (the larger of the two sources).
    """
    return list(OnlineAttendance.objects.filter(session=session)
                .select_related("registration__participant__unit")
                .order_by("registration__participant__full_name", "pk"))


# ---------------------------------------------------------------- "my data" (UU PDP)


def personal_sections(participant, registrations) -> list:
    """What the online attendance records hold about a person, for their "my data": online attendance per
    session, and the meeting-platform report lines matched to them (attendance.personal_data)."""
    online = [
        {"event": oa.session.event.name, "session": oa.session.title, "day": oa.session.day,
         "first_joined_at": oa.first_joined_at, "last_heartbeat_at": oa.last_heartbeat_at,
         "heartbeat_minutes": oa.heartbeat_minutes, "report_minutes": oa.report_minutes, "minutes": oa.minutes}
        for oa in (OnlineAttendance.objects.filter(registration__in=registrations)
                   .select_related("session__event").order_by("session__start", "pk"))
    ]
    lines = [
        {"event": row.report.session.event.name, "session": row.report.session.title,
         "report": row.report.filename, "report_uploaded_at": row.report.uploaded_at, "line": row.line,
         "name": row.name, "email": row.email, "joined_at": row.joined_at, "left_at": row.left_at,
         "minutes": row.minutes, "status": row.status, "status_display": row.get_status_display()}
        for row in (MeetingReportRow.objects.filter(registration__in=registrations)
                    .select_related("report__session__event").order_by("report__session__start", "report_id", "line"))
    ]
    return [
        Section(key="online_attendance", title=_("Kehadiran daring"),
                columns=[("session", _("Sesi")), ("day", _("Hari")), ("first_joined_at", _("Pertama bergabung")),
                         ("heartbeat_minutes", _("Menit (detak portal)")),
                         ("report_minutes", _("Menit (laporan platform rapat)")), ("minutes", _("Menit dihitung"))],
                rows=online, empty=_("Belum ada kehadiran daring.")),
        Section(key="meeting_report_rows", title=_("Laporan platform rapat (Zoom) yang dicocokkan dengan Anda"),
                columns=[("session", _("Sesi")), ("name", _("Nama di platform")), ("email", _("E-mail di platform")),
                         ("joined_at", _("Waktu bergabung")), ("left_at", _("Waktu keluar")), ("minutes", _("Menit")),
                         ("status_display", _("Status"))],
                rows=lines, empty=_("Tidak ada baris laporan platform rapat atas nama Anda.")),
    ]
