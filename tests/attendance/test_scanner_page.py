"""/e/<event>/scan/: who gets the page and what the script is told."""

import json
import re

import pytest
from django.test import Client

from tests.factories import EventFactory, UserFactory, organiser, scanner

pytestmark = pytest.mark.django_db


def config_of(response):
    match = re.search(r'<script id="scanner-config" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


def test_operator_gets_the_page_with_session_credentials():
    event = EventFactory(name="Rakorwas 2022")
    c = Client()
    c.force_login(scanner())
    response = c.get(f"/e/{event.slug}/scan/")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"]
    config = config_of(response)
    assert (config["event"], config["eventName"], config["timeZone"], config["operator"]) == (
        event.slug, "Rakorwas 2022", "Asia/Jakarta", True)
    assert config["csrfToken"]
    assert config["urls"] == {
        "checkin": "/api/v1/checkins/", "batch": "/api/v1/checkins/batch/",
        "bundle": f"/api/v1/events/{event.slug}/scanner-bundle/",
        "search": f"/api/v1/events/{event.slug}/registrations/search/",
        "today": f"/api/v1/events/{event.slug}/checkins/today/",
        "jsqr": "/static/rakor/scanner/vendor/jsQR.js",
    }
    assert config["messages"]["ok_offline"] == "Diterima (luring)"
    html = response.content.decode()
    assert 'id="wedge"' in html and "Cari peserta tanpa ponsel" in html and "Hadir hari ini" in html


def test_organiser_gets_the_page():
    event = EventFactory()
    c = Client()
    c.force_login(organiser())
    assert config_of(c.get(f"/e/{event.slug}/scan/"))["operator"] is True


def test_visitor_without_login_gets_only_the_shell_for_a_device_set_up():
    event = EventFactory()
    response = Client().get(f"/e/{event.slug}/scan/?setup=1")
    config = config_of(response)
    assert (response.status_code, config["operator"], config["csrfToken"]) == (200, False, "")
    assert config["loginUrl"].endswith(f"?next=%2Fe%2F{event.slug}%2Fscan%2F")
    assert config["messages"]["need_login"].startswith("Perangkat ini belum dipasang.")


def test_logged_in_user_without_scanner_role_is_refused():
    event = EventFactory()
    c = Client()
    c.force_login(UserFactory())
    assert c.get(f"/e/{event.slug}/scan/").status_code == 403


def test_unknown_event_is_404():
    c = Client()
    c.force_login(scanner())
    assert c.get("/e/tidak-ada/scan/").status_code == 404


def test_vendored_libraries_ship_with_their_licences():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static/rakor/scanner/vendor"
    readme = (vendor / "README.txt").read_text()
    assert "jsQR 1.4.0" in readme and "Apache License 2.0" in readme
    assert "@noble/ed25519 3.2.0" in readme and "MIT License" in readme
    assert "Apache License" in (vendor / "jsQR.LICENSE").read_text()
    assert "MIT License" in (vendor / "noble-ed25519.LICENSE").read_text()
