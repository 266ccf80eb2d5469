"""The scanner page's API: offline bundle, batch sync of offline queues, desk search, today's count."""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from attendance.models import CheckIn, CheckInWindow, ScannerDevice
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UserFactory, scanner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]  # the server decides scan times
BATCH = "/api/v1/checkins/batch/"


def at(event, day_index=0, hour=8, minute=0):
    return dt.datetime.combine(event.days[day_index], dt.time(hour, minute), tzinfo=event.tz)


def scan(reg, when, **over):
    data = {"ticket": reg.ticket, "event": reg.event.slug, "nonce": str(uuid.uuid4()),
            "scanned_at": when.isoformat(), "offline": True, "method": "camera"}
    data.update(over)
    return data


def device_client(event, name="Pintu Utara"):
    token = uuid.uuid4().hex
    ScannerDevice.objects.create(event=event, name=name, token_hash=ScannerDevice.hash_token(token), token_prefix=token[:8])
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return c


def jakarta_today():
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Asia/Jakarta")).date()


def open_all_day(event):
    """Tests that scan 'now' must not depend on the hour they run at."""
    for day in event.days:
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0), closes=dt.time(23, 59, 59))


@pytest.fixture
def client():
    c = APIClient()
    c.force_authenticate(scanner())
    return c


# --- bundle -----------------------------------------------------------------------------------

def test_bundle_lists_in_person_registrations_with_their_days(client):
    event = EventFactory()
    present = RegistrationFactory(event=event, modes=["in_person", "online", "in_person"])
    RegistrationFactory(event=event, modes=["online", "online", "online"])
    pending = RegistrationFactory(event=event, status="pending")
    revoked = RegistrationFactory(event=event, ticket_revoked_at=timezone.now())
    bundle = client.get(f"/api/v1/events/{event.slug}/scanner-bundle/").json()
    days = [d.isoformat() for d in event.days]
    assert bundle["event"] == {"slug": event.slug, "name": event.name, "days": days, "time_zone": "Asia/Jakarta"}
    assert bundle["public_key"] == event.public_key
    assert bundle["revoked"] == [revoked.public_id]
    assert bundle["windows"] == {d: ["06:00:00", "22:00:00"] for d in days}
    assert bundle["registrations"] == [
        {"id": present.public_id, "name": present.participant.full_name, "unit": present.participant.unit.name,
         "status": "approved", "in_person_days": [days[0], days[2]], "code": present.short_code},
        {"id": pending.public_id, "name": pending.participant.full_name, "unit": pending.participant.unit.name,
         "status": "pending", "in_person_days": days, "code": pending.short_code},
        {"id": revoked.public_id, "name": revoked.participant.full_name, "unit": revoked.participant.unit.name,
         "status": "approved", "in_person_days": days, "code": revoked.short_code},
    ]
    assert "generated_at" in bundle


def test_bundle_etag_answers_304_when_nothing_changed(client):
    event = EventFactory()
    RegistrationFactory(event=event)
    url = f"/api/v1/events/{event.slug}/scanner-bundle/"
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again["ETag"]) == (304, first["ETag"])
    RegistrationFactory(event=event)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_bundle_query_count_does_not_grow_with_registrations(client, django_assert_num_queries, n):
    event = EventFactory()
    for _ in range(n):
        RegistrationFactory(event=event)
    client.get(f"/api/v1/events/{event.slug}/scanner-bundle/")  # warm the user's group cache
    with django_assert_num_queries(5):  # event, days, registrations, revoked, windows
        response = client.get(f"/api/v1/events/{event.slug}/scanner-bundle/")
    assert len(response.json()["registrations"]) == n


def test_device_of_another_event_is_refused_everywhere():
    event, other = EventFactory(), EventFactory()
    reg = RegistrationFactory(event=event)
    c = device_client(other)
    for url in (f"/api/v1/events/{event.slug}/scanner-bundle/",
                f"/api/v1/events/{event.slug}/registrations/search/?q=Peserta",
                f"/api/v1/events/{event.slug}/checkins/today/"):
        response = c.get(url)
        assert (response.status_code, response.json()) == (403, {"detail": "Perangkat ini terdaftar untuk acara lain."})
    response = c.post(BATCH, {"event": event.slug, "scans": [scan(reg, at(event))]}, format="json")
    assert response.status_code == 403
    assert CheckIn.objects.count() == 0


def test_device_of_its_own_event_gets_the_bundle():
    event = EventFactory()
    RegistrationFactory(event=event)
    assert len(device_client(event).get(f"/api/v1/events/{event.slug}/scanner-bundle/").json()["registrations"]) == 1


def test_anonymous_401_and_user_without_scanner_role_403():
    event = EventFactory()
    url = f"/api/v1/events/{event.slug}/scanner-bundle/"
    assert APIClient().get(url).status_code == 401
    c = APIClient()
    c.force_authenticate(UserFactory())
    assert c.get(url).status_code == 403


# --- batch ------------------------------------------------------------------------------------

def test_batch_applies_in_scanned_at_order_even_when_sent_out_of_order(client):
    reg = RegistrationFactory()
    event = reg.event
    late = scan(reg, at(event, 0, 9, 0))
    early = scan(reg, at(event, 0, 8, 0))
    answer = client.post(BATCH, {"event": event.slug, "scans": [late, early]}, format="json").json()
    results = answer["results"]
    assert [(r["index"], r["nonce"], r["result"]) for r in results] == [
        (0, late["nonce"], "already_checked_in"), (1, early["nonce"], "ok")]
    assert dt.datetime.fromisoformat(results[0]["first_checkin_at"]) == at(event, 0, 8, 0)
    assert results[1]["participant"]["name"] == reg.participant.full_name
    ok = CheckIn.objects.get(result="ok")
    assert (str(ok.nonce), ok.offline) == (early["nonce"], True)


def test_batch_resend_is_idempotent(client):
    reg = RegistrationFactory()
    other = RegistrationFactory(event=reg.event)
    body = {"event": reg.event.slug, "scans": [scan(reg, at(reg.event)), scan(other, at(reg.event, 0, 8, 5))]}
    first = client.post(BATCH, body, format="json").json()["results"]
    again = client.post(BATCH, body, format="json").json()["results"]
    assert [r["result"] for r in first] == [r["result"] for r in again] == ["ok", "ok"]
    assert [r["replayed"] for r in again] == [True, True]
    assert CheckIn.objects.count() == 2


def test_two_gates_offline_admitting_the_same_ticket_is_a_visible_conflict_counted_once():
    reg = RegistrationFactory()
    event = reg.event
    north, south = device_client(event, "Pintu Utara"), device_client(event, "Pintu Selatan")
    a = north.post(BATCH, {"event": event.slug, "scans": [scan(reg, at(event, 0, 8, 0))]}, format="json").json()
    b = south.post(BATCH, {"event": event.slug, "scans": [scan(reg, at(event, 0, 8, 2))]}, format="json").json()
    assert (a["results"][0]["result"], a["results"][0]["conflict"]) == ("ok", False)
    second = b["results"][0]
    assert (second["result"], second["conflict"], second["first_gate"]) == ("already_checked_in", True, "Pintu Utara")
    rows = list(CheckIn.objects.order_by("scanned_at").values_list("gate", "result", "conflict", "offline"))
    assert rows == [("Pintu Utara", "ok", False, True), ("Pintu Selatan", "already_checked_in", True, True)]
    today = south.get(f"/api/v1/events/{event.slug}/checkins/today/").json()
    assert today == {"date": event.days[0].isoformat(), "count": 1}


def test_batch_bad_items_get_their_own_error_and_the_rest_is_applied(client):
    reg = RegistrationFactory()
    good = scan(reg, at(reg.event))
    no_time = scan(reg, at(reg.event))
    del no_time["scanned_at"]
    foreign = scan(reg, at(reg.event), event="acara-lain")
    body = {"event": reg.event.slug, "scans": [{"nonce": "x"}, good, no_time, foreign, "teks"]}
    results = client.post(BATCH, body, format="json").json()["results"]
    assert [r.get("result") for r in results] == [None, "ok", None, None, None]
    assert set(results[0]["error"]) == {"nonce", "scanned_at"}
    assert results[2]["error"] == {"scanned_at": ["Bidang ini harus diisi."]}
    assert results[3]["error"] == {"event": ["Pindaian untuk acara lain tidak boleh dikirim di sini."]}
    assert results[4]["error"] == {"non_field_errors": ["Harus berupa objek."]}
    assert CheckIn.objects.count() == 1


def test_batch_malformed_envelope_is_400(client):
    assert client.post(BATCH, {"event": "x", "scans": []}, format="json").status_code == 400
    assert client.post(BATCH, {"scans": "no"}, format="json").status_code == 400
    too_many = {"event": "x", "scans": [{}] * 501}
    assert client.post(BATCH, too_many, format="json").status_code == 400
    unknown = client.post(BATCH, {"event": "tidak-ada", "scans": [{}]}, format="json")
    assert (unknown.status_code, unknown.json()) == (400, {"event": ["Acara tidak dikenal."]})


def test_batch_manual_check_in_by_registration_id_for_an_offline_desk(client):
    reg = RegistrationFactory()
    item = scan(reg, at(reg.event), ticket="", registration=reg.public_id, method="manual")
    result = client.post(BATCH, {"event": reg.event.slug, "scans": [item]}, format="json").json()["results"][0]
    assert result["result"] == "ok"
    assert CheckIn.objects.get().method == "manual"
    camera = scan(reg, at(reg.event), ticket="", registration=reg.public_id)
    refused = client.post(BATCH, {"event": reg.event.slug, "scans": [camera]}, format="json").json()["results"][0]
    assert refused["error"] == {"registration": ["Hanya untuk pencatatan manual."]}


# --- search and count -------------------------------------------------------------------------

def test_search_by_name_masks_the_nip_and_gives_a_ticket(client):
    event = EventFactory(start_date=jakarta_today())
    reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Dr. Siti Aminah, M.Pd."))
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Siti Daring"), modes=["online"] * 3)
    answer = client.get(f"/api/v1/events/{event.slug}/registrations/search/", {"q": "siti"}).json()
    nip = reg.participant.id_number
    assert answer["results"] == [{
        "id": reg.public_id, "name": "Dr. Siti Aminah, M.Pd.", "unit": reg.participant.unit.name,
        "nip_masked": "•" * 14 + nip[-4:], "status": "approved", "status_label": "Disetujui", "revoked": False,
        "today_mode": "in_person", "checked_in_today": False, "ticket": reg.ticket,
    }]
    assert nip not in str(answer)


def test_search_by_nip_and_checked_in_flag(client):
    event = EventFactory(start_date=jakarta_today())
    open_all_day(event)
    reg = RegistrationFactory(event=event)
    RegistrationFactory(event=event)
    client.post("/api/v1/checkins/", {"ticket": reg.ticket, "event": event.slug, "nonce": str(uuid.uuid4()),
                                      "method": "manual"}, format="json")
    nip = reg.participant.id_number
    results = client.get(f"/api/v1/events/{event.slug}/registrations/search/", {"q": nip}).json()["results"]
    assert [(r["id"], r["checked_in_today"]) for r in results] == [(reg.public_id, True)]


def test_search_needs_three_characters(client):
    event = EventFactory()
    response = client.get(f"/api/v1/events/{event.slug}/registrations/search/", {"q": "ab"})
    assert (response.status_code, response.json()) == (400, {"q": ["Ketik minimal 3 huruf atau angka."]})


def test_search_returns_at_most_twenty(client):
    event = EventFactory()
    for _ in range(22):
        RegistrationFactory(event=event)
    results = client.get(f"/api/v1/events/{event.slug}/registrations/search/", {"q": "Peserta Uji"}).json()["results"]
    assert len(results) == 20


def test_today_count_counts_accepted_entries_of_today_only(client):
    event = EventFactory(start_date=jakarta_today() - dt.timedelta(days=1))
    open_all_day(event)
    a, b, c = (RegistrationFactory(event=event) for _ in range(3))
    now = timezone.now()
    body = {"event": event.slug, "scans": [
        scan(a, now), scan(b, now), scan(a, now + dt.timedelta(seconds=5)),  # a twice: counted once
        scan(c, now - dt.timedelta(days=1)),  # yesterday
    ]}
    client.post(BATCH, body, format="json")
    today = timezone.localtime(now, event.tz).date()
    assert client.get(f"/api/v1/events/{event.slug}/checkins/today/").json() == {"date": today.isoformat(), "count": 2}
