"""Writes of online attendance: the personal join, heartbeats, meeting-platform reports, erasure. Each is atomic.

The join's statement is attendance's own: ``checkin_admit_online`` (attendance.checkin) inserts the
check-in and upserts the OnlineAttendance row (``_online_attendance_upsert_sql``) in one statement.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from agenda.selectors import cached_session, session_running
from rakor.redaction import scrub_rows

from ..checkin import checkin_join_online, checkin_perform
from ..models import (
    CheckIn,
    MeetingReport,
    MeetingReportRow,
    OnlineAttendance,
    Participant,
    Registration,
)
from . import reports
from .selectors import join_gate_state, join_refusal

log = logging.getLogger("rakor.sessions")


# ---------------------------------------------------------------- personal join, heartbeats, meeting reports (issue 4)


_upsert_sql: dict[tuple[str, bool], str] = {}


def _online_attendance_upsert_sql(connection, *, from_inserted: bool = False) -> str:
    """INSERT … ON CONFLICT DO UPDATE of the (registration, session) OnlineAttendance row, ``first_joined_at`` set once.

    With ``from_inserted``, its values are read from the check-in just inserted (``ins``
    in attendance.checkin.checkin_admit_online's statement) instead of parameters.
    """
    key = (connection.vendor, from_inserted)
    if key not in _upsert_sql:
        _upsert_sql[key] = _build_upsert_sql(connection, from_inserted)
    return _upsert_sql[key]


def _build_upsert_sql(connection, from_inserted: bool) -> str:
    qn = connection.ops.quote_name
    table = qn(OnlineAttendance._meta.db_table)
    columns = "registration_id, session_id, first_joined_at, last_heartbeat_at, heartbeat_minutes, report_minutes"
    values = ("SELECT registration_id, session_id, scanned_at, NULL, 0, 0 FROM ins" if from_inserted
              else "VALUES (%s, %s, %s, NULL, 0, 0)")
    return (
        f"INSERT INTO {table} ({columns}) {values} ON CONFLICT (registration_id, session_id) "
        f"DO UPDATE SET first_joined_at = COALESCE({table}.first_joined_at, EXCLUDED.first_joined_at)"
    )


def session_join(*, registration, session: Session, now=None):
    """Record one online join of a session; returns attendance.checkin's CheckInOutcome.

    The caller has checked that the registration may join and that joining is open
    (``selectors.join_refusal``, ``selectors.join_is_open``). The CheckIn is method
    online, decided by attendance.checkin with a fresh nonce; the OnlineAttendance row
    (one per registration and session, ``first_joined_at`` set once) is upserted with it.
    A second join of the same session is answered ``already_checked_in`` (one accepted
    row per registration per session, held by the partial unique index
    ``one_entry_per_session``).

    On PostgreSQL, outside a transaction, a first join is one statement
    (``checkin_admit_online``: the check-in INSERT and the OnlineAttendance upsert as a
    data-modifying CTE, one commit) and a second join two (``checkin_join_online``: that
    statement, which writes nothing, and the ``already_checked_in`` row). Otherwise, and
    for a refusal, ``checkin_perform`` decides and records, then the upsert runs.
    """
    now = now or timezone.now()
    event = registration.event
    ticket = f"online:{registration.public_id}"
    if connection.vendor == "postgresql":
        outcome = checkin_join_online(
            event=event, registration=registration, session=session, scanned_at=now,
            ticket=ticket, then=("oa", _online_attendance_upsert_sql(connection, from_inserted=True), []))
        if outcome is not None:
            return outcome
    # Not one transaction: the check-in is the attendance fact and commits on its own;
    # the OnlineAttendance upsert after it is repeatable (the next join or heartbeat
    # writes it again), and a join storm saves a savepoint pair per request.
    outcome = checkin_perform(event=event, registration=registration, session=session,
                              kind=CheckIn.Kind.ENTRY, method=CheckIn.Method.ONLINE, nonce=uuid.uuid4(),
                              scanned_at=now, ticket=ticket)
    if outcome.result in (CheckIn.Result.OK, CheckIn.Result.ALREADY):
        field = OnlineAttendance._meta.get_field("first_joined_at")
        with connection.cursor() as cursor:
            cursor.execute(_online_attendance_upsert_sql(connection),
                           [registration.pk, session.pk, field.get_db_prep_save(now, connection)])
    return outcome


JOINED = (CheckIn.Result.OK, CheckIn.Result.ALREADY)


def session_join_quick(secret: str, session_id: int):
    """The common case of a join storm, with as little work as the rules allow: ``(registration, session, outcome)``
    of a recorded join (accepted or ``already_checked_in``), else None and nothing recorded.

    One read finds the registration by its secret (with its event, person, unit path and
    mode on the session's day: attendance.checkin.registration_by_portal_secret), the
    session comes from this process's cache (agenda.selectors.cached_session), the rules
    are ``selectors.join_refusal``, ``selectors.join_gate_state`` and the check-in's
    ``admission``, and ``session_join`` records the join (on PostgreSQL one statement for
    a first tap, two for a repeat). An unknown secret, another event's session, a
    refusal, a session not open: None, and the caller answers through the portal's full
    path (attendance.portal.portal_view: the guess counter, the waiting pages). Used by
    the join view (attendance.views.portal) and by the ASGI route in front of Django
    (attendance.online.fastpath).
    """
    from ..checkin import admission, registration_by_portal_secret

    if not secret or len(secret) > 64:
        return None
    session = cached_session(session_id)
    if session is None:
        return None
    registration = registration_by_portal_secret(secret, session.day)
    if (registration is None or registration.event_id != session.event_id
            or not hmac.compare_digest(registration.portal_secret.encode(), secret.encode())):
        return None
    refusal = join_refusal(registration, session, day_mode=registration.day_mode,
                           unit_path=registration.participant.unit.path, unit_paths=session.allowed_unit_paths)
    now = timezone.now()
    if join_gate_state(session, refusal, now) is not None:
        return None
    day = timezone.localtime(now, registration.event.tz).date()
    if admission(event=registration.event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day,
                 session=session, scanned_at=now, method=CheckIn.Method.ONLINE) != CheckIn.Result.OK:
        return None  # the full path records the refusal and says why
    outcome = session_join(registration=registration, session=session, now=now)
    if outcome.result not in JOINED:
        return None
    return registration, session, outcome


HEARTBEAT_MAX_MINUTES = 2


def online_attendance_heartbeat(*, registration, session: Session, now=None) -> int:
    """Count the minutes since the last heartbeat of a participant who has the session open; returns the total.

    Only for a registration with an accepted online join of this session, and only
    while the session runs (live, or scheduled between its start and end); otherwise
    ValidationError with code ``not_joined`` or ``not_running``. Locks the
    OnlineAttendance row. Adds whole minutes since the last beat (or the join), at most
    HEARTBEAT_MAX_MINUTES per beat (a laptop that slept does not earn the hour), and
    carries the leftover seconds; a second beat within the same minute changes nothing.
    """
    now = now or timezone.now()
    if not session_running(session, now):
        raise ValidationError(_("Sesi tidak sedang berlangsung."), code="not_running")
    with transaction.atomic():
        joined = (CheckIn.objects.filter(registration=registration, session=session, kind=CheckIn.Kind.ENTRY,
                                         result=CheckIn.Result.OK, method=CheckIn.Method.ONLINE)
                  .values_list("scanned_at", flat=True).first())
        if joined is None:
            raise ValidationError(_("Anda belum bergabung ke sesi ini."), code="not_joined")
        row = OnlineAttendance.objects.select_for_update().filter(registration=registration, session=session).first()
        if row is None:
            row = OnlineAttendance.objects.create(registration=registration, session=session, first_joined_at=joined)
        step = heartbeat_advance(row.last_heartbeat_at or row.first_joined_at or joined, now)
        if step is None:
            return row.heartbeat_minutes
        row.heartbeat_minutes += step[0]
        row.last_heartbeat_at = step[1]
        row.save(update_fields=["heartbeat_minutes", "last_heartbeat_at"])
        return row.heartbeat_minutes


def heartbeat_advance(since: dt.datetime, now: dt.datetime) -> tuple[int, dt.datetime] | None:
    """The heartbeat rule: (minutes to add, the new last beat) for a beat at ``now`` after the last one (or the
    join) at ``since``; None when it adds nothing. Whole minutes, at most HEARTBEAT_MAX_MINUTES, the leftover
    seconds carried. Written through here, and replayed by the fold of beats collected in Redis (.beats):
    replaying a beat already counted adds nothing."""
    elapsed = int((now - since).total_seconds() // 60)
    if elapsed < 1:
        return None
    if elapsed <= HEARTBEAT_MAX_MINUTES:
        return elapsed, since + dt.timedelta(minutes=elapsed)
    return HEARTBEAT_MAX_MINUTES, now


def meeting_report_import(*, session: Session, filename: str, data: bytes, by=None):
    """Store a meeting platform's participant report (Zoom, Google Meet or Teams) for a session and apply it.

    Atomic: either the whole report (a MeetingReport and one MeetingReportRow per
    participant line: matched, unmatched or invalid with its problem) is stored and
    applied, or nothing (an unreadable file raises ValidationError with the reason).
    Rows resolved or ignored by hand in the session's previous report, for the same
    name and e-mail, keep that decision. The newest report of a session is the one that
    counts: applying it replaces the session's report minutes (see _meeting_report_apply).
    """
    event = session.event
    try:
        parsed = reports.read_report(data, event.tz, start=session.start, end=session.end)
    except reports.ReportFormatError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    lines = parsed.lines
    if not lines:
        raise ValidationError({"file": _("Laporan tidak memuat satu pun baris peserta.")})
    matcher = reports.Matcher(event)
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()
        previous = MeetingReport.objects.filter(session=session).order_by("-uploaded_at", "-pk").first()
        decided = {}
        if previous is not None:
            for old in previous.rows.filter(status__in=(MeetingReportRow.Status.RESOLVED, MeetingReportRow.Status.IGNORED)):
                decided[(old.name, old.email.casefold())] = (old.status, old.registration_id)
        report = MeetingReport.objects.create(session=session, uploaded_by=by if getattr(by, "pk", None) else None,
                                              filename=(filename or "laporan.csv")[:200], rows_total=len(lines))
        rows = []
        for item in lines:
            row = MeetingReportRow(report=report, line=item.line, name=item.name, email=item.email,
                                   joined_at=item.joined_at, left_at=item.left_at)
            if item.problem:
                row.status, row.problem = MeetingReportRow.Status.INVALID, item.problem[:300]
                rows.append(row)
                continue
            span = reports.clipped(item.joined_at, item.left_at, session.start, session.end)
            row.minutes = reports.union_minutes([span])
            earlier = decided.get((item.name, item.email.casefold()))
            if earlier is not None:
                row.status, row.registration_id = earlier
            else:
                found = matcher.match(item.name, item.email)
                if found.registration is not None:
                    row.status, row.registration = MeetingReportRow.Status.MATCHED, found.registration
                else:
                    row.status, row.problem = MeetingReportRow.Status.UNMATCHED, found.problem[:300]
            rows.append(row)
        MeetingReportRow.objects.bulk_create(rows, batch_size=1000)
        _meeting_report_apply(report)
    log.info("meeting report %s for session %s: %s lines", report.pk, session.pk, len(lines))
    report.notes = parsed.notes  # how the file was read (format, separator, date order): shown once, not stored
    return report


def meeting_report_row_resolve(*, row, registration, by=None):
    """An organiser says who an unmatched (or ignored) line is; the session's minutes are recomputed. Atomic."""
    with transaction.atomic():
        row = MeetingReportRow.objects.select_for_update().select_related("report__session__event").get(pk=row.pk)
        if row.status == MeetingReportRow.Status.INVALID:
            raise ValidationError(_("Baris rusak tidak dapat dicocokkan: waktunya tidak terbaca."))
        if registration.event_id != row.report.session.event_id:
            raise ValidationError(_("Pendaftar itu bukan peserta acara ini."))
        row.registration, row.status, row.problem = registration, MeetingReportRow.Status.RESOLVED, ""
        row.save(update_fields=["registration", "status", "problem"])
        _meeting_report_apply(row.report)
        log.info("meeting report row %s resolved to registration %s by %s", row.pk, registration.pk,
                 getattr(by, "pk", None))
    return row


def meeting_report_row_ignore(*, row, by=None):
    """An organiser sets a line aside (a projector, a guest not registered); minutes are recomputed. Atomic."""
    with transaction.atomic():
        row = MeetingReportRow.objects.select_for_update().select_related("report__session__event").get(pk=row.pk)
        row.registration, row.status = None, MeetingReportRow.Status.IGNORED
        row.save(update_fields=["registration", "status"])
        _meeting_report_apply(row.report)
        log.info("meeting report row %s ignored by %s", row.pk, getattr(by, "pk", None))
    return row


def _meeting_report_apply(report) -> None:
    """Set the session's OnlineAttendance.report_minutes from its newest report (inside the caller's transaction).

    Report minutes of the session are replaced, not added: a re-imported file never
    counts twice, and an older report changes nothing once a newer one exists. Per
    registration, the lines' times (clipped to the session's start and end) are joined,
    so overlapping lines (two devices) count once. A matched person without an accepted
    entry for the session gets one CheckIn (method import) through checkin_perform,
    with a nonce derived from (report, registration): re-applying writes nothing new.
    """
    session = Session.objects.select_related("event").get(pk=report.session_id)
    newest = MeetingReport.objects.filter(session=session).order_by("-uploaded_at", "-pk").values_list("pk", flat=True).first()
    if newest != report.pk:
        return
    spans: dict[int, list] = {}
    for row in report.rows.filter(status__in=(MeetingReportRow.Status.MATCHED, MeetingReportRow.Status.RESOLVED),
                                  registration__isnull=False):
        if row.joined_at and row.left_at:
            spans.setdefault(row.registration_id, []).append(
                reports.clipped(row.joined_at, row.left_at, session.start, session.end))
    OnlineAttendance.objects.filter(session=session).exclude(registration_id__in=spans).update(report_minutes=0)
    existing = {oa.registration_id: oa for oa in OnlineAttendance.objects.select_for_update().filter(session=session)}
    entered = set(CheckIn.objects.filter(session=session, kind=CheckIn.Kind.ENTRY, result=CheckIn.Result.OK)
                  .values_list("registration_id", flat=True))
    registrations = Registration.objects.select_related("event").in_bulk(list(spans))
    namespace = uuid.UUID("6f0c8a52-3c1e-4d55-9a51-7e6b1d3a2f10")
    for registration_id, items in spans.items():
        minutes = reports.union_minutes(items)
        oa = existing.get(registration_id)
        if oa is None:
            OnlineAttendance.objects.create(registration_id=registration_id, session=session, report_minutes=minutes)
        elif oa.report_minutes != minutes:
            oa.report_minutes = minutes
            oa.save(update_fields=["report_minutes"])
        present = [i for i in items if i is not None]
        if registration_id not in entered and present:
            checkin_perform(event=session.event, registration=registrations[registration_id], session=session,
                            kind=CheckIn.Kind.ENTRY, method=CheckIn.Method.IMPORT,
                            nonce=uuid.uuid5(namespace, f"{report.pk}:{registration_id}"),
                            scanned_at=min(a for a, _b in present))


# ---------------------------------------------------------------- erasure on request (UU PDP)


def sessions_erase_person(erasure) -> None:
    """Erase a person from the agenda's records (UU PDP), inside ``attendance.services.participant_erase``.

    Their lines in meeting-platform reports lose the name and e-mail the platform gave:
    the lines matched to their registrations, and unmatched lines of their events that
    carry their e-mail, or their name when no other registrant of that event has it. The
    lines keep their times and minutes, so online attendance and certificates do not
    change. Their name, e-mail or phone in a session's text (speakers, moderator) becomes
    "(dihapus)". Online attendance rows hold no personal data and stay.
    """
    participant = erasure.participant
    event_ids = {r.event_id for r in erasure.registrations}
    emails = {erasure.former["email"].casefold()} - {""}
    normalise = reports.normalise_name
    own_name = normalise(erasure.former["full_name"])
    others_with_name = set()
    if own_name:
        for name, event_id in (Registration.objects.filter(event_id__in=event_ids)
                               .exclude(participant=participant).filter(participant__anonymised_at__isnull=True)
                               .values_list("participant__full_name", "event_id")):
            if normalise(name) == own_name:
                others_with_name.add(event_id)
    rows = []
    candidates = MeetingReportRow.objects.select_for_update(of=("self",)).filter(
        Q(registration_id__in=erasure.registration_ids)
        | Q(registration__isnull=True, report__session__event_id__in=event_ids)
    ).select_related("report__session")
    for row in candidates:
        mine = row.registration_id in erasure.registration_ids
        if not mine and row.email and row.email.casefold() in emails:
            mine = True
        if not mine and own_name and row.report.session.event_id not in others_with_name:
            mine = any(normalise(candidate) == own_name for candidate, _hint in reports.name_candidates(row.name))
        if mine and (row.name, row.email) != (Participant.ERASED_NAME, ""):
            row.name, row.email = Participant.ERASED_NAME, ""
            rows.append(row)
    if rows:
        MeetingReportRow.objects.bulk_update(rows, ["name", "email"], batch_size=500)
    erasure.owned.add(MeetingReportRow, [r.pk for r in rows], ["name", "email"])
    erasure.count("meeting_report_rows", len(rows))
    erasure.count("free_text", scrub_rows(MeetingReportRow.objects.all(), ["name", "email", "problem"], erasure.marks))
    erasure.count("free_text", scrub_rows(Session.objects.all(), ["title", "description", "guest_speakers",
                                                                   "moderator_name"], erasure.marks))
