"""An online participant on a phone: the Join button turns on the moment the session goes live, no reload.

pytest-django's live_server speaks only WSGI, so the page is served by uvicorn
(tests/agenda/servers.py) from a thread of this process, sharing the test
database and the channel layer.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agenda.models import Session
from agenda.services import session_set_status
from tests.factories import EventFactory, RegistrationFactory
from tests.agenda.servers import uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFF = re.compile(r"\bis-off\b")


@pytest.fixture
def server(settings):
    settings.ROOT_URLCONF = "tests.e2e.live_page_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with uvicorn_thread() as server:
        yield server


@pytest.fixture
def online():
    event = EventFactory(name="Rakorwas 2030")
    reg = RegistrationFactory(event=event, modes=["online"] * 3)
    start = timezone.now() + dt.timedelta(hours=2)  # the join window (15 min before) is not open yet
    session = Session.objects.create(event=event, title="Pembukaan oleh Menteri Agama", day=event.days[0],
                                     start=start, end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     meeting_url="https://zoom.example/j/81234567890")
    return reg, session


def open_agenda(phone, server, reg, poll=20, quiet=""):
    phone.goto(f"{server.url}/test-live/{reg.portal_secret}/?poll={poll}&quiet={quiet}")
    phone.evaluate("window.__notReloaded = true")


def test_join_button_turns_on_when_live_and_shows_selesai_when_ended(phone, server, online):
    reg, session = online
    open_agenda(phone, server, reg)
    item = phone.locator(f'[data-session-id="{session.pk}"]')
    button = item.locator("a.join-button")
    expect(phone.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "socket")
    expect(button).to_have_class(OFF)
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(item.locator(".session-status")).to_have_text("Terjadwal")

    server.call(session_set_status, session=session, status="live")

    expect(button).not_to_have_class(OFF)
    expect(button).to_have_attribute("aria-disabled", "false")
    expect(item.locator(".session-status")).to_have_text("Sedang berlangsung")
    assert button.get_attribute("href") == f"/t/{reg.portal_secret}/join/{session.pk}/"
    phone.screenshot(path="/tmp/join-live.png", full_page=True)

    server.call(session_set_status, session=session, status="ended")

    expect(item.locator(".session-status")).to_have_text("Selesai")
    expect(button).to_have_class(OFF)
    assert phone.evaluate("window.__notReloaded") is True
    assert "zoom.example" not in phone.content()


def test_with_websockets_blocked_polling_turns_the_button_on(phone, server, online):
    reg, session = online
    # An office proxy that kills every WebSocket upgrade.
    phone.route_web_socket("**/ws/**", lambda ws: ws.close(code=1011))
    open_agenda(phone, server, reg, poll=1)
    button = phone.locator(f'[data-session-id="{session.pk}"] a.join-button')
    expect(phone.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "polling")
    expect(button).to_have_class(OFF)

    server.call(session_set_status, session=session, status="live")

    # The status answer may be cached up to 5 s on the server (thousands poll at once), then the next poll.
    expect(button).not_to_have_class(OFF, timeout=15_000)
    expect(phone.locator(f'[data-session-id="{session.pk}"] .session-status')).to_have_text("Sedang berlangsung")
    assert phone.evaluate("window.__notReloaded") is True


def test_real_agenda_fragment_shows_join_when_live(phone, server, online):
    """The same on templates/agenda/agenda.html: the button (hidden while closed) appears, no reload."""
    reg, session = online
    phone.goto(f"{server.url}/test-live-fragment/{reg.portal_secret}/")
    phone.evaluate("window.__notReloaded = true")
    item = phone.locator(f'[data-session-id="{session.pk}"]')
    button = item.locator("a[data-join]")
    expect(phone.locator("section.agenda")).to_have_attribute("data-live-mode", "socket")
    # The `hidden` property, not visibility: agenda.css's `.agenda .button.join{display:inline-block}`
    # overrides [hidden] (reported to the fragment's author).
    expect(button).to_have_js_property("hidden", True)
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(item.locator("[data-join-wait]")).to_be_visible()

    server.call(session_set_status, session=session, status="live")

    expect(button).to_have_js_property("hidden", False)
    expect(button).to_be_visible()
    expect(item.locator("[data-status-label]")).to_have_text("Sedang berlangsung")
    expect(item.locator("[data-join-wait]")).to_be_hidden()
    assert button.get_attribute("href") == f"/t/{reg.portal_secret}/join/{session.pk}/"

    server.call(session_set_status, session=session, status="ended")

    expect(item.locator("[data-status-label]")).to_have_text("Selesai")
    expect(button).to_have_js_property("hidden", True)
    expect(item.locator("[data-join-ended]")).to_be_visible()
    assert phone.evaluate("window.__notReloaded") is True


def test_an_open_socket_that_hears_nothing_polls_too(phone, server, online):
    """After a Redis restart the server may not push to a socket that stays open: the page polls anyway."""
    reg, session = online

    def deaf_after_snapshot(ws):
        upstream = ws.connect_to_server()
        seen = []

        def from_server(message):
            if not seen:  # the snapshot gets through; every push after it is lost
                seen.append(message)
                ws.send(message)

        upstream.on_message(from_server)

    phone.route_web_socket("**/ws/**", deaf_after_snapshot)
    open_agenda(phone, server, reg, quiet=1)
    button = phone.locator(f'[data-session-id="{session.pk}"] a.join-button')
    expect(phone.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "socket")
    expect(button).to_have_class(OFF)

    server.call(session_set_status, session=session, status="live")

    expect(button).not_to_have_class(OFF, timeout=15_000)
    expect(phone.locator(f'[data-session-id="{session.pk}"] .session-status')).to_have_text("Sedang berlangsung")
    expect(phone.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "socket")
