"""The join link's quick path (attendance.views.portal._join_quick) and what the join storm relies on.

On PostgreSQL, outside a test transaction (``transaction=True``), a first join is one
lean read and one statement (attendance.checkin.checkin_admit_online); these tests
run that path for real and check the rows behind every redirect. Elsewhere (SQLite,
or inside a transaction) the same view takes the generic path: the tests still hold.
"""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from attendance.models import CheckIn, RegistrationDay
from attendance.ratelimit import portal_guess_record_miss
from rakor.models import AuditEntry
from agenda import selectors
from agenda.models import Session
from attendance.models import OnlineAttendance
from agenda.services import session_set_status
from tests.factories import UnitFactory, organiser
from tests.attendance.test_join import (MEETING_URL, ONLINE, join_url, make_event, make_session,
                                          ok_online_rows, online_registration)

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL's row locking")


def _joined_rows(reg, session):
    return (ok_online_rows(reg, session), OnlineAttendance.objects.filter(registration=reg, session=session).count())


@pytest.mark.django_db(transaction=True)
def test_first_join_writes_the_check_in_and_the_online_attendance_together(client, monkeypatch):
    import attendance.online.services

    generic = []
    original = attendance.online.services.checkin_perform
    monkeypatch.setattr(attendance.online.services, "checkin_perform", lambda **kw: generic.append(1) or original(**kw))
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    response = client.get(join_url(reg, session))
    # PostgreSQL: the one-statement path; elsewhere the check-in service's usual path.
    assert generic == ([] if connection.vendor == "postgresql" else [1])
    assert response.status_code == 302
    assert response["Location"] == MEETING_URL
    assert response.content == b""
    assert (response["Cache-Control"], response["Referrer-Policy"], response["X-Robots-Tag"]) == (
        "private, no-store", "no-referrer", "noindex")
    checkin = CheckIn.objects.get()
    assert (checkin.event_id, checkin.registration_id, checkin.session_id, checkin.day) == (
        event.pk, reg.pk, session.pk, session.day)
    assert (checkin.kind, checkin.method, checkin.result, checkin.conflict, checkin.offline) == (
        CheckIn.Kind.ENTRY, CheckIn.Method.ONLINE, CheckIn.Result.OK, False, False)
    assert checkin.ticket_text == f"online:{reg.public_id}"
    oa = OnlineAttendance.objects.get()
    assert (oa.registration_id, oa.session_id, oa.first_joined_at) == (reg.pk, session.pk, checkin.scanned_at)
    assert (oa.heartbeat_minutes, oa.report_minutes, oa.last_heartbeat_at) == (0, 0, None)


@pytest.mark.django_db(transaction=True)
def test_double_join_keeps_one_accepted_row_and_one_attendance(client):
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    first = client.get(join_url(reg, session))
    joined_at = OnlineAttendance.objects.get().first_joined_at
    second = client.get(join_url(reg, session))
    assert (first["Location"], second["Location"]) == (MEETING_URL, MEETING_URL)
    assert list(CheckIn.objects.order_by("pk").values_list("result", flat=True)) == ["ok", "already_checked_in"]
    assert _joined_rows(reg, session) == (1, 1)
    assert OnlineAttendance.objects.get().first_joined_at == joined_at


@pytest.mark.django_db(transaction=True)
def test_an_attendance_row_from_a_meeting_report_keeps_its_minutes_and_gets_the_join_time(client):
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    OnlineAttendance.objects.create(registration=reg, session=session, report_minutes=42)
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL
    oa = OnlineAttendance.objects.get()
    assert (oa.report_minutes, oa.first_joined_at) == (42, CheckIn.objects.get().scanned_at)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["before", "ended", "unit", "revoked"])
def test_refusals_show_the_waiting_page_and_record_nothing(client, case):
    event = make_event()
    if case == "before":
        session, reg, text = make_session(event, starts_in=120), online_registration(event), "Sesi dimulai pukul"
    elif case == "ended":
        session = make_session(event, starts_in=-10, status=Session.Status.ENDED)
        reg, text = online_registration(event), "Sesi telah berakhir"
    elif case == "unit":
        session = make_session(event, starts_in=-5, join_scope=Session.JoinScope.UNITS)
        session.allowed_units.add(UnitFactory())
        reg, text = online_registration(event), "Unit Anda tidak termasuk peserta daring sesi ini."
    else:
        session = make_session(event, starts_in=-5)
        reg = online_registration(event, ticket_revoked_at=timezone.now())
        text = "Tiket Anda telah dicabut oleh panitia"
    response = client.get(join_url(reg, session))
    body = response.content.decode()
    assert response.status_code == 200
    assert text in body
    assert MEETING_URL not in body and "81234567890" not in body
    assert response["Cache-Control"] == "private, no-store"
    assert (CheckIn.objects.count(), OnlineAttendance.objects.count()) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_check_in_refused_by_the_service_is_recorded_once_and_explained(client):
    """A session on a day outside the event: the rules let the person in, the check-in service does not."""
    event = make_event()
    # The day before yesterday only: the session's day (today, or yesterday in the first minutes
    # after midnight WIB, as the session started 5 minutes ago) is not an event day.
    event.start_date = event.end_date = event.start_date - dt.timedelta(days=1)
    event.save()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    RegistrationDay.objects.create(registration=reg, date=session.day, mode=ONLINE)
    response = client.get(join_url(reg, session))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Kehadiran daring tidak dapat dicatat: Di luar jam registrasi." in body
    assert list(CheckIn.objects.values_list("result", flat=True)) == [CheckIn.Result.OUTSIDE_WINDOW]
    assert OnlineAttendance.objects.count() == 0
    assert MEETING_URL not in body


@pytest.mark.django_db(transaction=True)
def test_a_correct_join_link_is_served_while_its_address_is_blocked(client):
    """One guesser behind a venue's shared address must not keep everyone there out of the session."""
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    for _ in range(settings.PORTAL_GUESS_LIMIT + 1):
        portal_guess_record_miss("127.0.0.1")
    unknown = client.get(f"/t/{'z' * 32}/join/{session.pk}/")
    assert unknown.status_code == 429
    assert "Location" not in unknown
    response = client.get(join_url(reg, session))
    assert response.status_code == 302
    assert response["Location"] == MEETING_URL
    assert response["Cache-Control"] == "private, no-store"
    assert _joined_rows(reg, session) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_a_status_change_in_this_process_is_seen_by_the_next_join_at_once(client):
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    first, second = online_registration(event), online_registration(event)
    assert client.get(join_url(first, session))["Location"] == MEETING_URL
    session_set_status(session=session, status=Session.Status.ENDED)
    response = client.get(join_url(second, session))
    assert response.status_code == 200
    assert "Sesi telah berakhir" in response.content.decode()
    assert _joined_rows(second, session) == (0, 0)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_of_one_person_leave_one_accepted_check_in_and_one_attendance():
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    others = [online_registration(event) for _ in range(4)]
    paths = [join_url(reg, session)] * 8 + [join_url(o, session) for o in others]
    barrier = threading.Barrier(len(paths))
    answers = []

    def tap(path):
        try:
            barrier.wait(timeout=10)
            response = Client().get(path)
            answers.append((response.status_code, response.get("Location")))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert answers == [(302, MEETING_URL)] * len(paths)
    assert _joined_rows(reg, session) == (1, 1)
    assert CheckIn.objects.filter(registration=reg, result=CheckIn.Result.ALREADY).count() == 7
    for other in others:
        assert _joined_rows(other, session) == (1, 1)
    assert CheckIn.objects.filter(result=CheckIn.Result.OK).count() == OnlineAttendance.objects.count() == 5


def test_process_cache_shares_the_default_cache():
    from django.core.cache import cache

    cache.set("rakor:test:shared", 7, 30)
    assert selectors.process_cache().get("rakor:test:shared") == 7
    selectors.process_cache().delete("rakor:test:shared")
    assert cache.get("rakor:test:shared") is None


@pytest.mark.django_db
def test_an_organisers_status_change_is_audited_and_the_periodic_jobs_is_not():
    event = make_event()
    session = make_session(event, starts_in=-5)
    user = organiser()
    session_set_status(session=session, status=Session.Status.LIVE, by=user)
    session_set_status(session=session, status=Session.Status.LIVE, by=user)  # no change, no entry
    session_set_status(session=session, status=Session.Status.ENDED, by=None)  # the periodic job
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.model, entry.object_id, entry.event) == (
        user, "status", "agenda.session", str(session.pk), event)
    assert entry.before["status"] == "scheduled" and entry.before["status_changed_at"] is None
    assert entry.after["status"] == "live"
    assert set(entry.before) == set(entry.after) == {"status", "status_changed_at"}
