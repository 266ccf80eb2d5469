"""The dashboard snapshot, the attendance summary and the summary API: exact numbers and who sees what."""

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.test.utils import CaptureQueriesContext
from django.db import connection
from rest_framework.authtoken.models import Token

from attendance import selectors
from attendance.models import CheckIn
from agenda.models import Session
from attendance.models import OnlineAttendance
from tests.attendance.factories_dashboard import DAY1, DAY2, DAY3, at, attendance_world, checkin
from tests.factories import RegistrationFactory, UnitFactory, UserFactory, coordinator, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return attendance_world()


def test_snapshot_day_one_exact_numbers(world):
    snap = selectors.dashboard_snapshot(world.event, DAY1, now=at(world.event, DAY1, 9, 10))
    assert snap["totals"] == {"expected_in_person_today": 3, "present_today": 2}
    assert snap["per_unit"] == [
        {"unit": "Kanwil Kemenag Provinsi Aceh", "province": "Aceh", "expected": 1, "present": 1},
        {"unit": "Kanwil Kemenag Provinsi Jawa Barat", "province": "Jawa Barat", "expected": 2, "present": 1},
    ]
    assert snap["per_province"] == [
        {"province": "Aceh", "expected": 1, "present": 1},
        {"province": "Jawa Barat", "expected": 2, "present": 1},
    ]
    # Bogor C's heartbeat was at 09:03: watching at 09:04, not at 09:10 (the session had ended).
    assert snap["online"] == {"now": 0, "joined_today": 1}
    assert selectors.dashboard_snapshot(world.event, DAY1, now=at(world.event, DAY1, 9, 4))["online"] == {
        "now": 1, "joined_today": 1}
    # Quarter hours 07:30 (07:40) and 07:45 (07:55), then empty quarters up to "now" (09:10, same day).
    assert snap["arrivals"] == [
        {"t": "07:30", "n": 1, "total": 1}, {"t": "07:45", "n": 1, "total": 2}, {"t": "08:00", "n": 0, "total": 2},
        {"t": "08:15", "n": 0, "total": 2}, {"t": "08:30", "n": 0, "total": 2}, {"t": "08:45", "n": 0, "total": 2},
        {"t": "09:00", "n": 0, "total": 2},
    ]
    assert [c["name"] for c in snap["latest"]] == ["Aceh D Hadir", "Jabar A Hadir"]


def test_snapshot_of_a_past_day_does_not_run_to_now_and_live_session_counts_online_now(world):
    world.opening.status = Session.Status.LIVE
    world.opening.save()
    snap = selectors.dashboard_snapshot(world.event, DAY1, now=at(world.event, DAY3, 12))
    assert snap["arrivals"][-1] == {"t": "07:45", "n": 1, "total": 2}
    assert snap["online"] == {"now": 1, "joined_today": 1}  # joined a session that is live now
    day2 = selectors.dashboard_snapshot(world.event, DAY2, now=at(world.event, DAY3, 12))
    assert day2["totals"] == {"expected_in_person_today": 3, "present_today": 1}
    assert day2["online"] == {"now": 0, "joined_today": 0}


def test_snapshot_limited_to_a_unit_subtree(world):
    snap = selectors.dashboard_snapshot(world.event, DAY1, units=world.jabar, now=at(world.event, DAY1, 9, 4))
    assert snap["totals"] == {"expected_in_person_today": 2, "present_today": 1}
    assert [r["unit"] for r in snap["per_unit"]] == ["Kanwil Kemenag Provinsi Jawa Barat"]
    assert [c["name"] for c in snap["latest"]] == ["Jabar A Hadir"]
    assert snap["online"] == {"now": 1, "joined_today": 1}
    aceh = selectors.dashboard_snapshot(world.event, DAY1, units=world.aceh, now=at(world.event, DAY1, 9, 4))
    assert aceh["online"] == {"now": 0, "joined_today": 0}


COUNTS = ("expected_in_person", "present_in_person", "expected_online", "joined_online")


def nums(row):
    return tuple(row[k] for k in COUNTS)


def test_summary_exact_numbers_per_day_unit_province_session(world):
    s = selectors.attendance_summary(world.event)
    assert [(d["day"], nums(d)) for d in s["per_day"]] == [
        ("2022-11-21", (3, 2, 1, 1)), ("2022-11-22", (3, 1, 1, 0)), ("2022-11-23", (3, 0, 1, 0))]
    assert nums(s["totals"]) == (9, 3, 3, 1)
    assert [(u["unit"], nums(u)) for u in s["per_unit"]] == [
        ("Kanwil Kemenag Provinsi Aceh", (3, 1, 0, 0)),
        ("Kanwil Kemenag Provinsi Jawa Barat", (6, 2, 0, 0)),
        ("Kankemenag Kabupaten Bogor", (0, 0, 3, 1)),
    ]
    jabar = s["per_unit"][1]
    assert [(d["day"], nums(d)) for d in jabar["days"]] == [
        ("2022-11-21", (2, 1, 0, 0)), ("2022-11-22", (2, 1, 0, 0)), ("2022-11-23", (2, 0, 0, 0))]
    # Bogor inherits the province of its Kanwil when saved without one.
    assert [(p["province"], nums(p)) for p in s["per_province"]] == [
        ("Aceh", (3, 1, 0, 0)), ("Jawa Barat", (6, 2, 3, 1))]
    assert s["per_session"] == [{
        "id": world.opening.pk, "title": "Pembukaan <b>Rakorwas</b>", "day": "2022-11-21",
        "start": world.opening.start.isoformat(), "end": world.opening.end.isoformat(), "mode": "hybrid",
        "kind": "plenary", "in_room": 1, "online": 1,
    }]


def test_summary_for_a_coordinator_subtree_counts_their_people_only(world):
    s = selectors.attendance_summary(world.event, units=world.jabar)
    assert s["scope"] == "Kanwil Kemenag Provinsi Jawa Barat"
    assert nums(s["totals"]) == (6, 2, 3, 1)
    assert [u["unit"] for u in s["per_unit"]] == ["Kanwil Kemenag Provinsi Jawa Barat", "Kankemenag Kabupaten Bogor"]
    assert [p["province"] for p in s["per_province"]] == ["Jawa Barat"]
    assert (s["per_session"][0]["in_room"], s["per_session"][0]["online"]) == (0, 1)  # Aceh D's room scan is not theirs


def test_cached_summary_follows_new_checkins(world):
    first = selectors.attendance_summary_cached(world.event)
    assert nums(first["totals"]) == (9, 3, 3, 1)
    checkin(world.jabar_b, at(world.event, DAY3, 7, 10))
    assert nums(selectors.attendance_summary_cached(world.event)["totals"]) == (9, 4, 3, 1)


def test_cached_summary_follows_registration_and_unit_edits(world, monkeypatch):
    monkeypatch.setattr(selectors, "SUMMARY_GRACE_SECONDS", 0)
    assert nums(selectors.attendance_summary_cached(world.event)["totals"]) == (9, 3, 3, 1)
    world.aceh_e.status = "approved"  # Aceh E approved: three more in-person days expected
    world.aceh_e.save()
    assert nums(selectors.attendance_summary_cached(world.event)["totals"]) == (12, 3, 3, 1)
    world.aceh.name = "Kanwil Kemenag Provinsi Aceh (baru)"
    world.aceh.save()
    assert selectors.attendance_summary_cached(world.event)["per_unit"][0]["unit"] == "Kanwil Kemenag Provinsi Aceh (baru)"


def test_a_summary_counted_right_after_a_save_is_not_trusted(world, django_assert_num_queries):
    selectors.attendance_summary_cached(world.event)
    # The world was saved within the grace period: the copy may predate a commit, so it is counted again.
    with django_assert_num_queries(6):  # newest check-in, planned, door/online, session rows, units, sessions
        selectors.attendance_summary_cached(world.event)


# ---------------------------------------------------------------- the summary API


def url(event):
    return f"/api/v1/events/{event.slug}/attendance/summary/"


def test_api_organiser_gets_every_unit(client, world):
    client.force_login(organiser())
    data = client.get(url(world.event)).json()
    assert data["scope"] is None
    assert nums(data["totals"]) == (9, 3, 3, 1)
    assert [u["unit"] for u in data["per_unit"]] == [
        "Kanwil Kemenag Provinsi Aceh", "Kanwil Kemenag Provinsi Jawa Barat", "Kankemenag Kabupaten Bogor"]


def test_api_coordinator_gets_their_subtree_only(client, world):
    client.force_login(coordinator(world.jabar))
    data = client.get(url(world.event)).json()
    assert nums(data["totals"]) == (6, 2, 3, 1)
    assert "Aceh" not in str(data)
    client.force_login(coordinator(world.bogor))
    data = client.get(url(world.event)).json()
    assert nums(data["totals"]) == (0, 0, 3, 1)
    assert [u["unit"] for u in data["per_unit"]] == ["Kankemenag Kabupaten Bogor"]


def test_api_with_a_token(client, world):
    token = Token.objects.create(user=coordinator(world.aceh))
    data = client.get(url(world.event), HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert nums(data["totals"]) == (3, 1, 0, 0)


def test_api_refuses_anonymous_participants_and_other_staff(client, world):
    response = client.get(url(world.event))
    assert response.status_code == 401
    # A participant has a portal link, not an account: the link opens nothing here.
    response = client.get(url(world.event), HTTP_AUTHORIZATION=f"Token {world.jabar_a.portal_secret}")
    assert response.status_code == 401
    client.force_login(UserFactory())
    assert client.get(url(world.event)).status_code == 403
    client.force_login(UserFactory(groups=["scanner"]))
    assert client.get(url(world.event)).status_code == 403


def test_api_unknown_event_is_404(client):
    client.force_login(organiser())
    assert client.get("/api/v1/events/tidak-ada/attendance/summary/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_api_query_count_does_not_grow_with_units_or_checkins(client, django_assert_num_queries, n):
    first = RegistrationFactory()
    event = first.event
    regs = [first] + [RegistrationFactory(event=event) for _ in range(n - 1)]
    for i, reg in enumerate(regs):
        checkin(reg, at(event, event.days[0], 8, i))
        Session.objects.create(event=event, title=f"Sesi {i}", day=event.days[0], start=at(event, event.days[0], 9 + i),
                               end=at(event, event.days[0], 10 + i))
    user = organiser()
    client.force_login(user)
    # session, user, groups, the event, the fingerprint, then the five summary queries (cold cache).
    with django_assert_num_queries(10):
        data = client.get(url(event)).json()
    assert len(data["per_unit"]) == n and len(data["per_session"]) == n
    assert data["totals"]["present_in_person"] == n


def test_online_counts_are_shared_for_fifteen_seconds(world):
    now = at(world.event, DAY1, 9, 4)
    assert selectors.dashboard_snapshot(world.event, DAY1, now=now)["online"] == {"now": 1, "joined_today": 1}
    OnlineAttendance.objects.filter(registration=world.bogor_c).update(last_heartbeat_at=at(world.event, DAY1, 8, 0))
    same_slot = now.replace(second=10)
    assert selectors.dashboard_snapshot(world.event, DAY1, now=same_slot)["online"] == {"now": 1, "joined_today": 1}
    next_slot = now.replace(second=20)
    assert selectors.dashboard_snapshot(world.event, DAY1, now=next_slot)["online"] == {"now": 0, "joined_today": 1}


def test_cached_summary_counts_again_only_the_days_with_new_checkins(world, django_assert_num_queries, monkeypatch):
    # The world was saved a moment ago: without this, its fresh version keeps the cache untrusted for 2 s.
    monkeypatch.setattr(selectors, "SUMMARY_GRACE_SECONDS", 0)
    selectors.attendance_summary_cached(world.event)
    selectors.attendance_summary_cached(world.event, units=world.jabar)
    version = cache.get(selectors.SUMMARY_VERSION_KEY)
    second = Session.objects.create(event=world.event, title="Laporan", day=DAY1, start=at(world.event, DAY1, 10),
                                    end=at(world.event, DAY1, 11), meeting_url="https://zoom.us/j/3")
    closing = Session.objects.create(event=world.event, title="Penutupan", day=DAY3, start=at(world.event, DAY3, 8),
                                     end=at(world.event, DAY3, 9), meeting_url="https://zoom.us/j/2")
    cache.set(selectors.SUMMARY_VERSION_KEY, version, None)  # as if the sessions had been there all along
    checkin(world.jabar_b, at(world.event, DAY2, 7, 10))
    checkin(world.bogor_c, at(world.event, DAY3, 8, 30), session=closing, method=CheckIn.Method.ONLINE)
    # Bogor C's second session of day 1: one more in that session, still one person joined that day.
    checkin(world.bogor_c, at(world.event, DAY1, 10, 5), session=second, method=CheckIn.Method.ONLINE)
    # Newest id, the days changed since, what the new rows add (people, sessions), units, sessions.
    with django_assert_num_queries(6):
        s = selectors.attendance_summary_cached(world.event)
    assert [(d["day"], nums(d)) for d in s["per_day"]] == [
        ("2022-11-21", (3, 2, 1, 1)), ("2022-11-22", (3, 2, 1, 0)), ("2022-11-23", (3, 0, 1, 1))]
    assert [(x["title"], x["in_room"], x["online"]) for x in s["per_session"]] == [
        ("Pembukaan <b>Rakorwas</b>", 1, 1), ("Laporan", 0, 1), ("Penutupan", 0, 1)]
    assert s == selectors.attendance_summary(world.event)
    assert selectors.attendance_summary_cached(world.event, units=world.jabar) == selectors.attendance_summary(
        world.event, units=world.jabar)


def test_a_day_counted_in_full_again_gives_the_same_numbers(world, monkeypatch):
    monkeypatch.setattr(selectors, "SUMMARY_GRACE_SECONDS", 0)
    monkeypatch.setattr(selectors, "SUMMARY_RECOUNT_SECONDS", -1)  # every changed day counted in full
    selectors.attendance_summary_cached(world.event, units=world.jabar)
    checkin(world.jabar_b, at(world.event, DAY1, 9, 30))
    checkin(world.jabar_b, at(world.event, DAY2, 7, 30))
    s = selectors.attendance_summary_cached(world.event, units=world.jabar)
    assert [(d["day"], nums(d)) for d in s["per_day"]] == [
        ("2022-11-21", (2, 2, 1, 1)), ("2022-11-22", (2, 2, 1, 0)), ("2022-11-23", (2, 0, 1, 0))]
    assert s == selectors.attendance_summary(world.event, units=world.jabar)
