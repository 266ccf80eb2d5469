"""Throttling: anonymous and signed-in callers have a rate; the scanner endpoints never wait."""

import datetime as dt
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIClient

from attendance.services import device_create
from rakor.api_throttling import AnonThrottle, UserThrottle
from tests.factories import EventFactory, RegistrationFactory, organiser, scanner

from .factories_api import token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]  # the server decides scan times


@pytest.fixture
def low_rates(monkeypatch):
    # A cache of this test's own: with REDIS_URL the default cache is shared with parallel test processes.
    own = LocMemCache("throttle-test", {})
    own.clear()  # LocMemCache instances of one name share their entries
    for throttle in (AnonThrottle, UserThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
        monkeypatch.setattr(throttle, "cache", own)


def statuses(client, url, n, **kwargs):
    return [client.get(url, **kwargs).status_code for _ in range(n)]


def test_anonymous_callers_are_throttled(low_rates):
    EventFactory(slug="rakorwas-uji")
    client = APIClient()

    assert statuses(client, "/api/v1/events/", 4) == [200, 200, 200, 429]
    response = client.get("/api/v1/units/")
    assert (response.status_code, int(response["Retry-After"]) > 0) == (429, True)


def test_a_made_up_forwarded_for_does_not_get_a_fresh_rate(low_rates, settings):
    """DRF believed any X-Forwarded-For: a new made-up address per request escaped the anonymous rate."""
    settings.TRUSTED_PROXIES = []
    EventFactory(slug="rakorwas-uji")
    client = APIClient()
    answers = [client.get("/api/v1/events/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(4)]
    assert answers == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_rate(low_rates, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    EventFactory(slug="rakorwas-uji")
    client = APIClient(REMOTE_ADDR="10.0.0.3")
    first = statuses(client, "/api/v1/events/", 4, HTTP_X_FORWARDED_FOR="203.0.113.1, 10.0.0.2")
    second = statuses(client, "/api/v1/events/", 1, HTTP_X_FORWARDED_FOR="203.0.113.2, 10.0.0.2")
    assert (first, second) == ([200, 200, 200, 429], [200])


def test_signed_in_callers_have_their_own_rate(low_rates):
    EventFactory(slug="rakorwas-uji")
    first, second = token_client(organiser()), token_client(organiser())

    assert statuses(first, "/api/v1/events/rakorwas-uji/registrations/", 4) == [200, 200, 200, 429]
    assert statuses(second, "/api/v1/events/rakorwas-uji/registrations/", 1) == [200]


def scan_body(reg):
    when = dt.datetime.combine(reg.event.days[0], dt.time(8), tzinfo=reg.event.tz)
    return {"ticket": reg.ticket, "event": reg.event.slug, "kind": "entry", "nonce": str(uuid.uuid4()),
            "scanned_at": when.isoformat()}


def test_checkins_at_scanner_rates_are_never_throttled(low_rates):
    event = EventFactory(slug="rakorwas-uji")
    operator = APIClient()
    operator.force_authenticate(scanner())
    _, token = device_create(event=event, name="Meja 1")
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Device {token}")

    for client in (operator, device):
        answers = [client.post("/api/v1/checkins/", scan_body(RegistrationFactory(event=event)), format="json")
                   for _ in range(5)]
        assert [(a.status_code, a.json()["result"]) for a in answers] == [(200, "ok")] * 5
    assert statuses(device, "/api/v1/events/rakorwas-uji/checkins/today/", 5) == [200] * 5
    assert statuses(device, "/api/v1/events/rakorwas-uji/scanner-bundle/", 5) == [200] * 5
