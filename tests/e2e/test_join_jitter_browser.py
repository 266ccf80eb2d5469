"""The jittered "go live" (issue 15, item 4): every Join button lights, each after its own random delay.

The page's clock is Playwright's fake one (paused), and Math.random is fixed per page, so which
button is lit after how long is decided by the test, not by the machine's speed.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agenda.models import Session
from agenda.services import session_set_status
from tests.agenda.servers import uvicorn_thread
from tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFF = re.compile(r"\bis-off\b")


@pytest.fixture
def server(settings):
    settings.ROOT_URLCONF = "tests.e2e.live_page_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with uvicorn_thread() as server:
        yield server


def online_event(spread: int, people: int):
    event = EventFactory(name="Rakorwas 2030", join_spread_seconds=spread)
    regs = [RegistrationFactory(event=event, modes=["online"] * 3) for _ in range(people)]
    start = timezone.now() + dt.timedelta(hours=2)  # the join window (15 min before) is not open yet
    session = Session.objects.create(event=event, title="Pembukaan oleh Menteri Agama", day=event.days[0],
                                     start=start, end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     meeting_url="https://zoom.example/j/81234567890")
    return regs, session


def portals(browser, server, regs, randoms, fragment=False):
    """One phone-sized page per registration in a context with a paused fake clock; Math.random fixed per page."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.clock.install(time=dt.datetime.now())
    pages = []
    for reg, value in zip(regs, randoms):
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(f"Math.random = function () {{ return {value}; }};")
        path = f"/test-live-fragment/{reg.portal_secret}/" if fragment else f"/test-live/{reg.portal_secret}/"
        page.goto(server.url + path)
        root = page.locator("section.agenda" if fragment else "[data-live-agenda]")
        expect(root).to_have_attribute("data-live-mode", "socket")
        pages.append(page)
    context.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=5))
    return context, pages


def test_with_a_spread_each_button_lights_after_its_own_delay_and_all_light(browser, server):
    regs, session = online_event(spread=4, people=4)
    randoms = [0.1, 0.4, 0.7, 0.95]  # lights after 0.4, 1.6, 2.8 and 3.8 s
    context, pages = portals(browser, server, regs, randoms)
    try:
        buttons = [p.locator(f'[data-session-id="{session.pk}"] a.join-button') for p in pages]
        badges = [p.locator(f'[data-session-id="{session.pk}"] .session-status') for p in pages]

        server.call(session_set_status, session=session, status="live")

        for badge, button in zip(badges, buttons):
            expect(badge).to_have_text("Sedang berlangsung")  # the status at once...
            expect(button).to_have_class(OFF)  # ...the button after its delay
        context.clock.run_for(1000)
        assert [OFF.search(b.get_attribute("class")) is None for b in buttons] == [True, False, False, False]
        context.clock.run_for(2000)
        assert [OFF.search(b.get_attribute("class")) is None for b in buttons] == [True, True, True, False]
        context.clock.run_for(1000)
        for button, reg in zip(buttons, regs):
            expect(button).not_to_have_class(OFF)
            expect(button).to_have_attribute("aria-disabled", "false")
            assert button.get_attribute("href") == f"/t/{reg.portal_secret}/join/{session.pk}/"
        pages[3].screenshot(path="/tmp/shots/herd-push/jitter-lit-phone.png", full_page=True)
    finally:
        context.close()


def test_with_spread_zero_every_button_lights_at_once(browser, server):
    regs, session = online_event(spread=0, people=3)
    context, pages = portals(browser, server, regs, [0.2, 0.5, 0.99])
    try:
        server.call(session_set_status, session=session, status="live")
        for page in pages:  # the clock stays paused: nothing waits for a timer
            expect(page.locator(f'[data-session-id="{session.pk}"] a.join-button')).not_to_have_class(OFF)
    finally:
        context.close()


def test_the_portals_agenda_fragment_lights_its_button_after_the_spread(browser, server):
    regs, session = online_event(spread=3, people=1)
    context, (page,) = portals(browser, server, regs, [0.5], fragment=True)
    try:
        item = page.locator(f'[data-session-id="{session.pk}"]')
        assert page.locator("section.agenda").get_attribute("data-join-spread") == "3"
        server.call(session_set_status, session=session, status="live")
        expect(item.locator("[data-status-label]")).to_have_text("Sedang berlangsung")
        expect(item.locator("a[data-join]")).to_have_js_property("hidden", True)
        context.clock.run_for(1600)  # 0.5 × 3 s
        expect(item.locator("a[data-join]")).to_have_js_property("hidden", False)
        expect(item.locator("[data-join-wait]")).to_be_hidden()
        page.set_viewport_size({"width": 1280, "height": 720})
        page.screenshot(path="/tmp/shots/herd-push/jitter-fragment-desktop.png", full_page=True)
    finally:
        context.close()


def test_a_closed_socket_reconnects_after_a_jittered_delay_that_grows_per_failure(browser, server):
    """A node restart: every socket is closed at once; each page comes back at its own random moment."""
    regs, session = online_event(spread=0, people=1)
    attempts = []

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.clock.install(time=dt.datetime.now())
    context.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))  # no timer fires unless the test says so
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script("Math.random = function () { return 0.5; };")
    page.route_web_socket("**/ws/**", lambda ws: (attempts.append(ws.url), ws.close(code=1012)))
    try:
        page.goto(f"{server.url}/test-live/{regs[0].portal_secret}/")
        root = page.locator("[data-live-agenda]")
        # The first failure waits 0.5 s + 0.5 × (15 − 0.5) s; each further failure doubles the window (to 60 s).
        expected = [7750, 15250, 30250, 30250]
        expect(root).to_have_attribute("data-reconnect-in", str(expected[0]))
        assert len(attempts) == 1
        for i, delay in enumerate(expected[:-1]):  # 15, 30, 60 s windows, then 60 s again
            seen = len(attempts)
            context.clock.run_for(delay - 600)
            assert len(attempts) == seen  # not yet
            # To the due moment exactly, not past it: the clock then stands still while the page's socket is
            # refused, so the next delay counts from the due moment whenever Playwright delivers the close.
            context.clock.run_for(600)
            expect(root).to_have_attribute("data-reconnect-in", str(expected[i + 1]))
            assert len(attempts) == seen + 1
        # Meanwhile the page polls status.json, so a session going live is not missed.
        expect(root).to_have_attribute("data-live-mode", "polling")
    finally:
        context.close()


def attempts_reach(page, attempts, count):
    """Let Playwright deliver the socket attempts the page made (the route's handler runs as events are pumped)."""
    for _ in range(100):
        if len(attempts) >= count:
            return
        page.wait_for_timeout(50)


def test_a_busy_server_1013_retries_within_the_first_window_without_polling(browser, server):
    """A node in a reconnect storm takes connects at its rate and refuses the rest with 1013 (try again later): the
    page comes back at a fresh random moment of a short window: a third of the first window, two thirds, then the
    first window for as long as the node stays busy (no doubling: the node is up, and refused sockets waiting out
    30 and 60 s windows left it idle), and adds no status.json polls meanwhile. A restart (1012) after that
    starts the doubling windows from the first."""
    regs, _session = online_event(spread=0, people=1)
    attempts = []
    codes = iter([1013, 1013, 1013, 1012, 1012])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.clock.install(time=dt.datetime.now())
    context.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script("Math.random = function () { return 0.5; };")
    page.route_web_socket("**/ws/**", lambda ws: (attempts.append(ws.url), ws.close(code=next(codes))))
    try:
        page.goto(f"{server.url}/test-live/{regs[0].portal_secret}/")
        root = page.locator("[data-live-agenda]")
        # 0.5 s + 0.5 × (window − 0.5 s): the 1013s' windows 5, 10, 15 s; then the 1012s': 15 s, then 30 s.
        expected = [2750, 5250, 7750, 7750, 15250]
        expect(root).to_have_attribute("data-reconnect-in", str(expected[0]))
        assert len(attempts) == 1
        for i, delay in enumerate(expected[:-1]):
            seen = len(attempts)
            context.clock.run_for(delay - 600)
            assert len(attempts) == seen  # not yet
            # To the due moment exactly, not past it: the clock then stands still while the page's socket is
            # refused, so the next delay counts from the due moment whenever Playwright delivers the close.
            context.clock.run_for(600)
            attempts_reach(page, attempts, seen + 1)  # 7750 twice: the attribute alone cannot show the second
            expect(root).to_have_attribute("data-reconnect-in", str(expected[i + 1]))
            assert len(attempts) == seen + 1
            if i < 2:
                assert root.get_attribute("data-live-mode") != "polling"  # refused by a busy node: no polls
    finally:
        context.close()
