"""On the projector: the dashboard's count goes up the moment someone is scanned at the door, no reload."""

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from attendance.checkin import checkin_perform
from attendance.models import CheckInWindow
from tests.factories import RegistrationFactory, UnitFactory, organiser
from tests.agenda.servers import uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with uvicorn_thread() as server:
        yield server


def test_count_and_chart_change_live_when_someone_checks_in(browser, server):
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Bali", province="Bali")
    first = RegistrationFactory(participant__unit=unit, participant__full_name="I Made Datang Pagi")
    event = first.event
    second = RegistrationFactory(event=event, participant__unit=unit, participant__full_name="Ni Luh Datang <Siang>")
    for day in event.days:  # the door is open all day, whenever this test runs
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0, 0), closes=dt.time(23, 59, 59))
    assert server.call(checkin_perform, event=event, ticket=first.ticket, nonce=uuid.uuid4()).result == "ok"
    client = Client()
    client.force_login(organiser())
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{server.url}/e/{event.slug}/dashboard/")
        expect(page.locator("#status")).to_have_text("Langsung")
        expect(page.locator("#present")).to_have_text("1")
        expect(page.locator("#expected")).to_have_text("2")
        expect(page.locator("#present-pct")).to_have_text("50%")
        page.evaluate("window.__notReloaded = true")

        # Scanned "at the door": from the server's thread, as a request would be.
        assert server.call(checkin_perform, event=event, ticket=second.ticket, nonce=uuid.uuid4()).result == "ok"

        expect(page.locator("#present")).to_have_text("2")
        expect(page.locator("#present-pct")).to_have_text("100%")
        expect(page.locator("#latest tr").first).to_contain_text("Ni Luh Datang <Siang>")
        expect(page.locator("#per-unit tr").first).to_have_text("Kanwil Kemenag Provinsi Bali22100%")
        expect(page.locator("#arrivals-chart svg text").last).to_have_text("2")
        assert page.evaluate("window.__notReloaded") is True
    finally:
        context.close()
