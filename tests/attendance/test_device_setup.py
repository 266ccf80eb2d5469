"""The scanner device's set-up token never travels in a logged URL (issue 19, item 9).

It used to be ``/e/<event>/scan/?device=<token>``: every access log, proxy log and browser
history on the way kept the device's credential. Now the set-up link (and its QR) is
``/e/<event>/scan/?setup=1#token=<token>``; the fragment is never sent to the server.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from attendance.models import ScannerDevice
from attendance.views.organiser import scan_setup_url
from tests.factories import EventFactory, UserFactory, coordinator, organiser

pytestmark = pytest.mark.django_db


def in_a_query_string(text: str, token: str) -> list[str]:
    """Every URL-like run of `text` that carries `token` before any '#'."""
    return [m.group(0) for m in re.finditer(r"[^\s\"'<>]*" + re.escape(token), text)
            if "?" in m.group(0) and "#" not in m.group(0).split("?", 1)[1]]


def test_the_set_up_url_holds_the_token_in_its_fragment_only(settings):
    settings.SITE_URL = "https://rakor.example.go.id"
    event = EventFactory(slug="rakorwas-demo")
    url = scan_setup_url(event, "tok_EN-123")
    parts = urlsplit(url)
    assert (parts.path, parse_qs(parts.query), parts.fragment) == (
        "/e/rakorwas-demo/scan/", {"setup": ["1"]}, "token=tok_EN-123")


def test_creating_a_device_never_puts_its_token_in_a_query_string_or_a_redirect(client, settings, monkeypatch):
    settings.SITE_URL = "https://rakor.example.go.id"
    event = EventFactory()
    qr_payloads = []
    import attendance.views.organiser as views

    original = views.qr_svg
    monkeypatch.setattr(views, "qr_svg", lambda payload, **kw: qr_payloads.append(payload) or original(payload, **kw))
    client.force_login(organiser())
    response = client.post(f"/e/{event.slug}/devices/", {"name": "Meja 1 Ballroom"})
    html = response.content.decode()
    token = re.search(r'data-testid="device-token">([^<]+)<', html).group(1)
    assert ScannerDevice.objects.get().token_hash == ScannerDevice.hash_token(token)
    assert response.status_code == 200 and "Location" not in response
    assert in_a_query_string(html, token) == []
    assert qr_payloads == [f"https://rakor.example.go.id/e/{event.slug}/scan/?setup=1#token={token}"]
    assert all(token not in value for value in response.headers.values())


@pytest.mark.parametrize("who", ["anonymous", "coordinator", "organiser", "other staff"])
def test_the_set_up_link_opens_the_scanner_shell_for_whoever_holds_the_phone(who):
    event = EventFactory()
    client = Client()
    if who == "coordinator":
        from tests.factories import UnitFactory

        client.force_login(coordinator(UnitFactory()))
    elif who == "organiser":
        client.force_login(organiser())
    elif who == "other staff":
        client.force_login(UserFactory())
    response = client.get(f"/e/{event.slug}/scan/?setup=1")
    assert response.status_code == 200
    assert 'id="scanner-config"' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
