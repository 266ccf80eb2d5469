"""POST /api/v1/checkins/ as DESIGN.md fixes it."""

import datetime as dt
import json
import uuid

import pytest
from rest_framework.test import APIClient

from attendance.models import CheckIn, ScannerDevice
from tests.factories import RegistrationFactory, UserFactory, organiser, scanner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]  # the server decides scan times
URL = "/api/v1/checkins/"


def body(reg, **over):
    when = dt.datetime.combine(reg.event.days[0], dt.time(8), tzinfo=reg.event.tz)
    data = {"ticket": reg.ticket, "event": reg.event.slug, "session": None, "kind": "entry",
            "nonce": str(uuid.uuid4()), "scanned_at": when.isoformat()}
    data.update(over)
    return data


@pytest.fixture
def client():
    c = APIClient()
    c.force_authenticate(scanner())
    return c


def test_ok_answer_names_the_participant(client):
    reg = RegistrationFactory()
    answer = client.post(URL, body(reg), format="json").json()
    p = reg.participant
    assert answer["result"] == "ok"
    assert answer["participant"] == {"name": p.full_name, "unit": p.unit.name, "province": p.unit.province,
                                     "position": p.position, "role": "Peserta"}
    # The server's clock (door_clock: noon), not the 08:00 the scanner sent: a live scan's own time does not count.
    assert dt.datetime.fromisoformat(answer["first_checkin_at"]) == dt.datetime.combine(
        reg.event.days[0], dt.time(12), tzinfo=reg.event.tz)


def test_refusals_are_200_with_their_result(client):
    reg = RegistrationFactory(modes=["online", "online", "online"])
    response = client.post(URL, body(reg), format="json")
    assert (response.status_code, response.json()["result"]) == (200, "not_in_person")
    forged = client.post(URL, body(reg, ticket=reg.ticket[:-2] + "xx"), format="json").json()
    assert (forged["result"], forged["participant"]) == ("invalid_ticket", None)
    assert list(CheckIn.objects.values_list("result", flat=True).order_by("pk")) == ["not_in_person", "invalid_ticket"]


def test_replay_same_nonce_same_answer_no_new_row(client):
    reg = RegistrationFactory()
    data = body(reg)
    first = client.post(URL, data, format="json").json()
    second = client.post(URL, data, format="json").json()
    assert (first["result"], second["result"], second["replayed"]) == ("ok", "ok", True)
    assert CheckIn.objects.count() == 1


def test_malformed_body_is_400_with_field_errors(client):
    reg = RegistrationFactory()
    response = client.post(URL, body(reg, nonce="not-a-uuid", kind="sideways"), format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"nonce", "kind"}


def test_malformed_json_is_400(client):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert CheckIn.objects.count() == 0


def test_unknown_event_is_400(client):
    reg = RegistrationFactory()
    response = client.post(URL, body(reg, event="tidak-ada"), format="json")
    assert (response.status_code, response.json()) == (400, {"event": ["Acara tidak dikenal."]})


def test_oversized_body_is_413_not_500(client):
    reg = RegistrationFactory()
    response = client.post(URL, body(reg, ticket="A" * 100_000), format="json")
    assert response.status_code == 413
    assert CheckIn.objects.count() == 0


def test_long_ticket_under_size_limit_is_400(client):
    reg = RegistrationFactory()
    response = client.post(URL, body(reg, ticket="A" * 500), format="json")
    assert response.status_code == 400
    assert "ticket" in response.json()


def test_no_credentials_401_and_wrong_role_403():
    reg = RegistrationFactory()
    assert APIClient().post(URL, body(reg), format="json").status_code == 401
    c = APIClient()
    c.force_authenticate(UserFactory())
    assert c.post(URL, body(reg), format="json").status_code == 403
    assert CheckIn.objects.count() == 0


def test_device_token_works_for_its_event_only():
    reg = RegistrationFactory()
    other = RegistrationFactory()
    token = "rahasia-perangkat-uji"
    ScannerDevice.objects.create(event=reg.event, name="Meja 1", token_hash=ScannerDevice.hash_token(token),
                                 token_prefix=token[:8])
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    answer = c.post(URL, body(reg), format="json").json()
    assert (answer["result"], answer["first_gate"]) == ("ok", "Meja 1")
    assert CheckIn.objects.get().gate == "Meja 1"
    assert c.post(URL, body(other), format="json").status_code == 403


def test_revoked_device_token_is_401():
    from django.utils import timezone

    reg = RegistrationFactory()
    ScannerDevice.objects.create(event=reg.event, name="Meja 2", token_hash=ScannerDevice.hash_token("x" * 20),
                                 token_prefix="x" * 8, revoked_at=timezone.now())
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Device " + "x" * 20)
    assert c.post(URL, body(reg), format="json").status_code == 401


def test_session_login_operator_is_recorded():
    reg = RegistrationFactory()
    user = organiser()
    c = APIClient()
    c.force_authenticate(user)
    assert c.post(URL, body(reg), format="json").json()["result"] == "ok"
    assert CheckIn.objects.get().operator == user
