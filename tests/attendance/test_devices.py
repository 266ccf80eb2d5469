"""Scanner devices: an organiser creates one, its token works once shown, revoking it stops it."""

import datetime as dt
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from attendance import services
from attendance.models import CheckIn, ScannerDevice
from tests.factories import RegistrationFactory, UnitFactory, coordinator, organiser, scanner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]  # the server decides scan times
API = "/api/v1/checkins/"


def scan(token, reg):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    when = dt.datetime.combine(reg.event.days[0], dt.time(8, 5), tzinfo=reg.event.tz)
    return client.post(API, {"ticket": reg.ticket, "event": reg.event.slug, "kind": "entry",
                             "nonce": str(uuid.uuid4()), "scanned_at": when.isoformat()}, format="json")


def devices_url(event):
    return f"/e/{event.slug}/devices/"


def test_device_create_stores_only_hash_and_prefix():
    reg = RegistrationFactory()
    user = organiser()
    device, token = services.device_create(event=reg.event, name="  Meja 1 Ballroom ", by=user)
    device.refresh_from_db()
    assert (device.name, device.token_prefix, device.token_hash, device.created_by) == (
        "Meja 1 Ballroom", token[:8], ScannerDevice.hash_token(token), user)
    assert token not in {device.token_hash, device.token_prefix}
    assert len(token) >= 40


def test_device_create_refuses_blank_name_and_writes_nothing():
    reg = RegistrationFactory()
    with pytest.raises(ValidationError) as exc:
        services.device_create(event=reg.event, name="   ", by=organiser())
    assert exc.value.message_dict == {"name": ['Tuliskan nama perangkat atau gerbang, misalnya "Meja 1 Ballroom".']}
    assert ScannerDevice.objects.count() == 0


def test_created_token_checks_in_and_revoked_token_is_401():
    reg = RegistrationFactory()
    other = RegistrationFactory(event=reg.event)
    device, token = services.device_create(event=reg.event, name="Pintu Utara", by=organiser())
    answer = scan(token, reg)
    assert (answer.status_code, answer.json()["result"]) == (200, "ok")
    checkin = CheckIn.objects.get()
    assert (checkin.device, checkin.gate, checkin.operator) == (device, "Pintu Utara", None)

    services.device_revoke(device=device, by=organiser())
    refused = scan(token, other)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Token perangkat tidak dikenal atau sudah dicabut."}
    assert CheckIn.objects.count() == 1


def test_revoke_is_idempotent_and_keeps_first_time():
    reg = RegistrationFactory()
    device, _ = services.device_create(event=reg.event, name="Meja 2", by=None)
    first = services.device_revoke(device=device).revoked_at
    assert services.device_revoke(device=device).revoked_at == first is not None


def test_organiser_page_creates_device_shows_token_once_with_setup_qr(client, settings):
    settings.SITE_URL = "https://rakor.example.go.id"
    reg = RegistrationFactory()
    client.force_login(organiser())
    response = client.post(devices_url(reg.event), {"name": "Meja 3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    token = re.search(r'data-testid="device-token">([^<]+)<', html).group(1)
    device = ScannerDevice.objects.get()
    assert device.token_hash == ScannerDevice.hash_token(token)
    assert f"https://rakor.example.go.id/e/{reg.event.slug}/scan/?setup=1#token={token}" in html
    assert "<svg" in html
    assert scan(token, reg).json()["result"] == "ok"
    # The list page afterwards shows the prefix, never the token.
    listing = client.get(devices_url(reg.event)).content.decode()
    assert "Meja 3" in listing and f"{token[:8]}…" in listing
    assert token not in listing


def test_organiser_page_blank_name_is_a_clear_error(client):
    reg = RegistrationFactory()
    client.force_login(organiser())
    response = client.post(devices_url(reg.event), {"name": ""})
    assert response.status_code == 400
    assert "Tuliskan nama perangkat atau gerbang" in response.content.decode()
    assert ScannerDevice.objects.count() == 0


def test_revoke_button_revokes(client):
    reg = RegistrationFactory()
    device, token = services.device_create(event=reg.event, name="Meja 4", by=None)
    client.force_login(organiser())
    response = client.post(f"/e/{reg.event.slug}/devices/{device.pk}/revoke/", follow=True)
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert 'Token perangkat “Meja 4” sudah dicabut' in response.content.decode()
    assert scan(token, reg).status_code == 401


def test_revoke_needs_post(client):
    reg = RegistrationFactory()
    device, _ = services.device_create(event=reg.event, name="Meja 5", by=None)
    client.force_login(organiser())
    assert client.get(f"/e/{reg.event.slug}/devices/{device.pk}/revoke/").status_code == 405
    device.refresh_from_db()
    assert device.revoked_at is None


def test_device_of_other_event_cannot_be_revoked_here(client):
    reg = RegistrationFactory()
    other = RegistrationFactory()
    device, _ = services.device_create(event=other.event, name="Meja lain", by=None)
    client.force_login(organiser())
    assert client.post(f"/e/{reg.event.slug}/devices/{device.pk}/revoke/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "coordinator", "scanner"])
def test_devices_page_is_for_organisers_only(client, who):
    reg = RegistrationFactory()
    services.device_create(event=reg.event, name="Meja Rahasia", by=None)
    if who == "coordinator":
        client.force_login(coordinator(UnitFactory()))
    elif who == "scanner":
        client.force_login(scanner())
    response = client.get(devices_url(reg.event))
    if who == "anonymous":
        assert response.status_code == 302 and "next=" in response["Location"]
    else:
        assert response.status_code == 403
    assert "Meja Rahasia" not in response.content.decode()
    assert client.post(devices_url(reg.event), {"name": "Sisipan"}).status_code in (302, 403)
    assert ScannerDevice.objects.filter(name="Sisipan").count() == 0
