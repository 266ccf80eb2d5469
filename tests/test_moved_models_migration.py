"""sessions_app's models moved to agenda, attendance and minutes with their tables and rows (issue 16, step 2).

Builds the schema main had before the move (its migrations: sessions_app 0004 and the others' of then),
writes rows through the models as they were then (sessions_app.Session, .OnlineAttendance, .Minutes …),
migrates forward, and finds the same rows through the new models, with their content types (and so
their permissions) renamed, not recreated. Runs wherever the suite runs: SQLite and PostgreSQL.
The way Django's own migration tests do it (MigrationExecutor in a transactional test).
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from agenda.models import Session
from attendance.models import CheckIn, MeetingReport, MeetingReportRow, OnlineAttendance
from minutes.models import ActionItem, Minutes, MinutesRevision
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, organiser

pytestmark = pytest.mark.django_db(transaction=True)

# The leaves of main's migrations before the move (sessions_app still held the models).
BEFORE_MOVE = [
    ("sessions_app", "0004_minutes_attendance_snapshot"),
    ("attendance", "0006_audit_trail_reason_redactable"),
    ("rakor", "0005_event_offline_scan_hours"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_rows_written_before_the_move_are_found_through_the_new_models():
    # Rows of the tables nobody moved (events, people, registrations): made the usual way.
    unit = UnitFactory()
    event = EventFactory()
    registration = RegistrationFactory(event=event, participant__unit=unit)
    taker = organiser(username="notulis-lama")
    permission_ids = set(Permission.objects.filter(content_type__app_label="agenda", content_type__model="session")
                         .values_list("pk", flat=True))
    session_type = ContentType.objects.get(app_label="agenda", model="session").pk
    assert permission_ids  # add/change/delete/view_session
    try:
        old = _migrate(BEFORE_MOVE)
        assert ContentType.objects.get(pk=session_type).app_label == "sessions_app"

        # The sessions_app rows, written through sessions_app's models as they were.
        start = timezone.make_aware(dt.datetime.combine(event.start_date, dt.time(9)))
        session = old.get_model("sessions_app", "Session").objects.create(
            event_id=event.pk, title="Pleno sebelum pindah", day=event.start_date, start=start,
            end=start + dt.timedelta(hours=2), mode="hybrid", meeting_url="https://zoom.us/j/1")
        session.allowed_units.add(unit.pk)
        old.get_model("sessions_app", "OnlineAttendance").objects.create(
            registration_id=registration.pk, session_id=session.pk, first_joined_at=start, heartbeat_minutes=42)
        report = old.get_model("sessions_app", "MeetingReport").objects.create(
            session_id=session.pk, filename="zoom.csv", rows_total=1)
        old.get_model("sessions_app", "MeetingReportRow").objects.create(
            report_id=report.pk, line=2, name="Peserta Zoom", minutes=50, registration_id=registration.pk,
            status="matched")
        minutes = old.get_model("sessions_app", "Minutes").objects.create(
            session_id=session.pk, status="final", decisions="Disepakati bersama.", revision_number=1)
        minutes.minute_takers.add(taker.pk)
        old.get_model("sessions_app", "MinutesRevision").objects.create(
            minutes_id=minutes.pk, number=1, kind="finalise", status="final", content={"decisions": "Disepakati."})
        old.get_model("sessions_app", "ActionItem").objects.create(
            event_id=event.pk, minutes_id=minutes.pk, what="Tindak lanjut lama", unit_id=unit.pk)
        old.get_model("attendance", "CheckIn").objects.create(
            registration_id=registration.pk, event_id=event.pk, session_id=session.pk, kind="entry",
            method="online", result="ok", scanned_at=start, nonce="6f0c8a52-3c1e-4d55-9a51-7e6b1d3a2f11",
            ticket_text="online:x", day=event.start_date)
    finally:
        _migrate(_latest())

    moved = Session.objects.get(pk=session.pk)
    assert (moved.title, list(moved.allowed_units.values_list("pk", flat=True))) == ("Pleno sebelum pindah", [unit.pk])
    assert list(OnlineAttendance.objects.values_list("registration_id", "session_id", "heartbeat_minutes")) == [
        (registration.pk, session.pk, 42)]
    assert list(MeetingReport.objects.values_list("session__title", "filename")) == [("Pleno sebelum pindah", "zoom.csv")]
    assert list(MeetingReportRow.objects.values_list("name", "minutes", "registration_id")) == [
        ("Peserta Zoom", 50, registration.pk)]
    final = Minutes.objects.get(session=moved)
    assert (final.decisions, list(final.minute_takers.values_list("username", flat=True))) == (
        "Disepakati bersama.", ["notulis-lama"])
    assert list(MinutesRevision.objects.filter(minutes=final).values_list("number", "content")) == [
        (1, {"decisions": "Disepakati."})]
    assert list(ActionItem.objects.values_list("what", "minutes__session__title")) == [
        ("Tindak lanjut lama", "Pleno sebelum pindah")]
    assert list(CheckIn.objects.filter(session=moved).values_list("registration_id", flat=True)) == [registration.pk]
    # The content type moved with the model (same row), so its permissions did too.
    assert ContentType.objects.get(pk=session_type).app_label == "agenda"
    assert set(Permission.objects.filter(content_type_id=session_type).values_list("pk", flat=True)) == permission_ids
    assert ContentType.objects.filter(app_label="sessions_app").count() == 0
