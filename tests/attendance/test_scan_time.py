"""The server decides time (issue 19): a check-in's day and time come from the server's clock.

A scanner's own ``scanned_at`` counts only for an offline-queued scan sent within the event's window
(``Event.offline_scan_hours``, else CHECKIN_OFFLINE_MAX_HOURS) and not ahead of the server by more
than CHECKIN_CLOCK_SKEW_SECONDS; a device expires with its event (plus SCANNER_DEVICE_GRACE_HOURS).
Refusals have their own results, ``stale_scan`` and ``device_expired``, and are recorded.

Before: a live scan dated two days ahead was admitted for that day, and a 2022 device posting a
2022 scan for an absent person in 2026 was admitted, sealed and counted for certificates.
"""

import datetime as dt
import uuid
import zoneinfo

import pytest
import time_machine
from rest_framework.test import APIClient

from attendance.chain import seal_event, verify_event
from attendance.checkin import checkin_perform, scan_time
from attendance.models import CheckIn, ScannerDevice
from certificates.eligibility import registration_eligibility
from tests.certificates.factories_certificates import past_event, templates
from tests.factories import EventFactory, RegistrationFactory, scanner

pytestmark = pytest.mark.django_db
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
CHECKIN, BATCH = "/api/v1/checkins/", "/api/v1/checkins/batch/"


def wib(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=WIB)


def device_client(event, name="Pintu Utara"):
    token = uuid.uuid4().hex
    device = ScannerDevice.objects.create(event=event, name=name, token_hash=ScannerDevice.hash_token(token),
                                          token_prefix=token[:8])
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return c, device


def operator_client():
    c = APIClient()
    c.force_authenticate(scanner())
    return c


def body(reg, when, **over):
    data = {"ticket": reg.ticket, "event": reg.event.slug, "kind": "entry", "nonce": str(uuid.uuid4()),
            "scanned_at": when.isoformat()}
    data.update(over)
    return data


def batch(c, reg, *items):
    response = c.post(BATCH, {"event": reg.event.slug, "scans": [body(reg, when, offline=True) for when in items]},
                      format="json")
    return response


@pytest.fixture
def today():
    """An event whose first day is today, the server's clock at 10:00 WIB of it."""
    day = dt.date.today()
    with time_machine.travel(wib(day, 10), tick=False) as traveller:
        event = EventFactory(start_date=day, end_date=day + dt.timedelta(days=2))
        yield event, traveller


# ---------------------------------------------------------------- live scans: the server's clock


def test_a_live_scan_dated_two_days_ahead_counts_for_today_at_the_servers_time(today):
    """Regression: the scanner's two-days-ahead time made the check-in count for that later day."""
    event, _ = today
    reg = RegistrationFactory(event=event)
    answer = operator_client().post(CHECKIN, body(reg, wib(event.days[2], 9)), format="json").json()
    assert answer["result"] == "ok"
    row = CheckIn.objects.get()
    assert (row.day, row.scanned_at, row.received_at, row.offline) == (event.days[0], wib(event.days[0], 10),
                                                                       wib(event.days[0], 10), False)


def test_a_live_scan_dated_in_the_past_counts_now_too(today):
    event, _ = today
    reg = RegistrationFactory(event=event)
    operator_client().post(CHECKIN, body(reg, wib(event.days[0] - dt.timedelta(days=400), 9)), format="json")
    row = CheckIn.objects.get()
    assert (row.result, row.day, row.scanned_at) == ("ok", event.days[0], wib(event.days[0], 10))


# ---------------------------------------------------------------- offline scans: their own time, bounded


def test_an_offline_scan_within_the_window_keeps_its_time_and_day_under_the_servers_rules(today):
    """Scanned yesterday evening while the hall's network was down, sent this morning: it counts for yesterday
    at its own time; the same night's scan after the door closed is still outside the door's hours."""
    event, traveller = today
    traveller.move_to(wib(event.days[1], 7))  # next morning, 07:00
    reg, late = RegistrationFactory(event=event), RegistrationFactory(event=event)
    c = operator_client()
    results = batch(c, reg, wib(event.days[0], 20)).json()["results"]  # 11 hours before receipt
    assert results[0]["result"] == "ok"
    assert dt.datetime.fromisoformat(results[0]["first_checkin_at"]) == wib(event.days[0], 20)
    row = CheckIn.objects.get(registration=reg)
    assert (row.day, row.scanned_at, row.received_at, row.offline) == (
        event.days[0], wib(event.days[0], 20), wib(event.days[1], 7), True)
    assert batch(c, late, wib(event.days[0], 23)).json()["results"][0]["result"] == "outside_window"


def test_an_offline_scan_older_than_the_window_is_refused_and_recorded(today):
    event, traveller = today
    traveller.move_to(wib(event.days[1], 9))
    reg = RegistrationFactory(event=event)
    answer = batch(operator_client(), reg, wib(event.days[0], 8, 30)).json()["results"][0]  # 24.5 hours old
    assert (answer["result"], answer["message"]) == ("stale_scan", "Waktu pindaian tidak diterima")
    assert answer["participant"]["name"] == reg.participant.full_name  # the desk may know whose ticket it was
    row = CheckIn.objects.get()
    assert (row.result, row.registration, row.scanned_at, row.day, row.offline) == (
        "stale_scan", reg, wib(event.days[0], 8, 30), event.days[1], True)
    assert not CheckIn.objects.filter(result="ok").exists()


def test_the_window_is_set_per_event(today, settings):
    event, traveller = today
    settings.CHECKIN_OFFLINE_MAX_HOURS = 12
    traveller.move_to(wib(event.days[0], 14))
    a, b, c3 = (RegistrationFactory(event=event) for _ in range(3))
    c = operator_client()
    assert batch(c, a, wib(event.days[0], 8)).json()["results"][0]["result"] == "ok"  # 6 h, default 12 h
    event.offline_scan_hours = 4
    event.save()
    assert batch(c, b, wib(event.days[0], 9)).json()["results"][0]["result"] == "stale_scan"  # 5 h > 4 h
    assert batch(c, c3, wib(event.days[0], 11)).json()["results"][0]["result"] == "ok"  # 3 h


def test_an_offline_scan_dated_ahead_of_the_server_is_refused_beyond_the_skew_and_clamped_within(today):
    event, _ = today
    ahead, slightly = RegistrationFactory(event=event), RegistrationFactory(event=event)
    c = operator_client()
    refused = batch(c, ahead, wib(event.days[1], 10)).json()["results"][0]  # a device clock a day ahead
    assert refused["result"] == "stale_scan"
    row = CheckIn.objects.get(registration=ahead)
    assert (row.result, row.day, row.scanned_at) == ("stale_scan", event.days[0], wib(event.days[1], 10))
    # 90 seconds ahead is a clock's drift: accepted at the time the server received it.
    assert batch(c, slightly, wib(event.days[0], 10, 1) + dt.timedelta(seconds=30)).json()["results"][0]["result"] == "ok"
    row = CheckIn.objects.get(registration=slightly)
    assert (row.result, row.scanned_at) == ("ok", wib(event.days[0], 10))


def test_the_offline_flag_on_the_single_endpoint_follows_the_same_rule(today):
    event, _ = today
    reg = RegistrationFactory(event=event)
    answer = operator_client().post(CHECKIN, body(reg, wib(event.days[2], 9), offline=True), format="json").json()
    assert answer["result"] == "stale_scan"
    assert CheckIn.objects.get().result == "stale_scan"


def test_scan_time_rule_table(today, settings):
    event, _ = today
    settings.CHECKIN_CLOCK_SKEW_SECONDS = 120
    now = wib(event.days[0], 10)
    h = dt.timedelta(hours=1)
    assert scan_time(event=event, received_at=now) == (now, None)
    assert scan_time(event=event, received_at=now, scanned_at=now - h) == (now - h, None)  # the server vouches
    assert scan_time(event=event, received_at=now, device_scanned_at=now - h) == (now, None)  # live: ignored
    assert scan_time(event=event, received_at=now, device_scanned_at=now - h, offline=True) == (now - h, None)
    assert scan_time(event=event, received_at=now, device_scanned_at=now - 13 * h, offline=True) == (
        now - 13 * h, "stale_scan")
    assert scan_time(event=event, received_at=now, device_scanned_at=now + dt.timedelta(seconds=120),
                     offline=True) == (now, None)
    assert scan_time(event=event, received_at=now, device_scanned_at=now + dt.timedelta(seconds=121),
                     offline=True) == (now + dt.timedelta(seconds=121), "stale_scan")


def test_a_stale_scan_replayed_gives_the_same_answer_and_writes_nothing(today):
    event, traveller = today
    traveller.move_to(wib(event.days[1], 9))
    reg = RegistrationFactory(event=event)
    item = body(reg, wib(event.days[0], 8), offline=True)
    c = operator_client()
    first = c.post(BATCH, {"event": event.slug, "scans": [item]}, format="json").json()["results"][0]
    again = c.post(BATCH, {"event": event.slug, "scans": [item]}, format="json").json()["results"][0]
    assert (first["result"], again["result"], again["replayed"]) == ("stale_scan", "stale_scan", True)
    assert CheckIn.objects.count() == 1


# ---------------------------------------------------------------- devices end with their event


def test_the_2022_device_attack_is_refused_recorded_and_never_counts():
    """Regression: a device of an event that ended posts a scan of its days for a person who was absent."""
    event, sessions = past_event()  # ended a week ago
    templates(event)
    absent = RegistrationFactory(event=event)
    c, device = device_client(event)
    when = wib(event.days[0], 8, 30)  # the event's first morning, as the attacker's device claims
    live = c.post(CHECKIN, body(absent, when), format="json")
    offline = c.post(BATCH, {"event": event.slug, "scans": [body(absent, when, offline=True)]}, format="json")
    assert live.status_code == 401 and offline.status_code == 401
    assert live["WWW-Authenticate"] == "Device"
    assert live.json()["result"] == "device_expired"
    assert live.json()["participant"] is None  # an expired device learns nobody's name
    assert live.json()["detail"].startswith(f"Perangkat pemindai ini hanya berlaku untuk {event.name} sampai ")
    assert [r["result"] for r in offline.json()["results"]] == ["device_expired"]
    rows = list(CheckIn.objects.order_by("pk").values_list("result", "registration", "device", "offline"))
    assert rows == [("device_expired", absent.pk, device.pk, False), ("device_expired", absent.pk, device.pk, True)]
    seal_event(event.pk)
    report = verify_event(event)
    assert (report.ok, report.sealed_ok, report.unsealed) == (True, 2, 0)  # recorded and sealed, as refusals are
    eligibility = registration_eligibility(absent)
    assert (eligibility.eligible, eligibility.sessions_attended, eligibility.minutes_attended) == (False, 0, 0)


def test_an_expired_device_reads_nothing_else(settings):
    event, _ = past_event()
    c, _device = device_client(event)
    for url in (f"/api/v1/events/{event.slug}/scanner-bundle/", f"/api/v1/events/{event.slug}/registrations/search/?q=abc",
                f"/api/v1/events/{event.slug}/checkins/today/"):
        response = c.get(url)
        assert response.status_code == 401, url
        assert response.json()["result"] == "device_expired", url
        assert "sudah kedaluwarsa" in response.json()["detail"], url


def test_a_device_works_through_the_grace_period_after_the_last_day(settings):
    settings.SCANNER_DEVICE_GRACE_HOURS = 24
    day = dt.date.today()
    event = EventFactory(start_date=day, end_date=day)
    reg = RegistrationFactory(event=event)
    _c, device = device_client(event)
    assert device.expires_at == wib(day + dt.timedelta(days=2), 0)
    with time_machine.travel(wib(day + dt.timedelta(days=1), 23, 59), tick=False):
        c, _ = device_client(event, name="Meja 2")
        # The day after the event: the device still syncs its queue (a scan of the last evening, within 12 h).
        response = c.post(BATCH, {"event": event.slug, "scans": [body(reg, wib(day, 21), offline=True)]}, format="json")
        assert response.status_code == 200
        assert response.json()["results"][0]["result"] == "stale_scan"  # 27 hours old: outside the window
    with time_machine.travel(wib(day + dt.timedelta(days=2), 0), tick=False):
        assert c.get(f"/api/v1/events/{event.slug}/checkins/today/").status_code == 401


def test_checkin_perform_refuses_an_expired_device_before_anything_else():
    event, _ = past_event()
    reg = RegistrationFactory(event=event, ticket_revoked_at=None)
    device = ScannerDevice.objects.create(event=event, name="Lama", token_hash="x" * 64, token_prefix="x")
    outcome = checkin_perform(event=event, ticket="BUKAN-TIKET", nonce=uuid.uuid4(), device=device)
    assert (outcome.result, outcome.checkin.registration) == ("device_expired", None)
    outcome = checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(), device=device)
    assert (outcome.result, outcome.checkin.registration_id) == ("device_expired", reg.pk)


def test_an_operator_posting_an_old_events_days_offline_is_refused_stale():
    """Without a device: an account that may scan posts an 'offline' scan dated in the event's days, long after."""
    event, _ = past_event()
    absent = RegistrationFactory(event=event)
    answer = batch(operator_client(), absent, wib(event.days[0], 8, 30)).json()["results"][0]
    assert answer["result"] == "stale_scan"
    assert registration_eligibility(absent).sessions_attended == 0
