"""Writes for sessions. Every function here is atomic."""

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
        before = audit.snapshot(session, ["status", "status_changed_at"])
        session.status = status
        session.status_changed_at = timezone.now()
        session.save(update_fields=["status", "status_changed_at"])
        if getattr(by, "is_authenticated", False):
            # An organiser's change (the periodic job passes no user and is not audited).
            audit.audit_record(actor=by, action="status", obj=session, before=before,
                               after=audit.snapshot(session, ["status", "status_changed_at"]), event=session.event)
        log.info("session %s of %s set %s by %s", session.pk, session.event.slug, status, getattr(by, "pk", None))
        payload = session_public_data(session)
        group = sessions_group(session.event.slug)
        transaction.on_commit(lambda: group_send(group, {"type": "session.status", "session": payload}))
    return session


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
    from .models import OnlineAttendance

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
    data-modifying CTE, one commit). Otherwise, and for every other case (a second
    join, a refusal), ``checkin_perform`` decides and records, then the upsert runs.
    """
    import uuid

    from django.db import connection

    from attendance.checkin import checkin_admit_online, checkin_perform
    from attendance.models import CheckIn

    from .models import OnlineAttendance

    now = now or timezone.now()
    event = registration.event
    ticket = f"online:{registration.public_id}"
    if connection.vendor == "postgresql":
        outcome = checkin_admit_online(
            event=event, registration=registration, session=session, nonce=uuid.uuid4(), scanned_at=now,
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
    import datetime as dt

    from attendance.models import CheckIn

    from .models import OnlineAttendance
    from .selectors import session_running

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
        since = row.last_heartbeat_at or row.first_joined_at or joined
        elapsed = int((now - since).total_seconds() // 60)
        if elapsed < 1:
            return row.heartbeat_minutes
        if elapsed <= HEARTBEAT_MAX_MINUTES:
            row.heartbeat_minutes += elapsed
            row.last_heartbeat_at = since + dt.timedelta(minutes=elapsed)
        else:
            row.heartbeat_minutes += HEARTBEAT_MAX_MINUTES
            row.last_heartbeat_at = now
        row.save(update_fields=["heartbeat_minutes", "last_heartbeat_at"])
        return row.heartbeat_minutes


def meeting_report_import(*, session: Session, filename: str, data: bytes, by=None):
    """Store a meeting platform's participant report (Zoom CSV) for a session and apply it.

    Atomic: either the whole report (a MeetingReport and one MeetingReportRow per
    participant line: matched, unmatched or invalid with its problem) is stored and
    applied, or nothing (an unreadable file raises ValidationError with the reason).
    Rows resolved or ignored by hand in the session's previous report, for the same
    name and e-mail, keep that decision. The newest report of a session is the one that
    counts: applying it replaces the session's report minutes (see _meeting_report_apply).
    """
    from . import reports
    from .models import MeetingReport, MeetingReportRow

    event = session.event
    try:
        lines = reports.parse_report(data, event.tz)
    except reports.ReportFormatError as exc:
        raise ValidationError({"file": str(exc)}) from exc
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
    return report


def meeting_report_row_resolve(*, row, registration, by=None):
    """An organiser says who an unmatched (or ignored) line is; the session's minutes are recomputed. Atomic."""
    from .models import MeetingReportRow

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
    from .models import MeetingReportRow

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
    import uuid

    from attendance.checkin import checkin_perform
    from attendance.models import CheckIn, Registration

    from . import reports
    from .models import MeetingReport, MeetingReportRow, OnlineAttendance

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
