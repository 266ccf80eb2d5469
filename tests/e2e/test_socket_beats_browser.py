"""The page's heartbeat (issue 15, item 3): a message on its open socket when the server takes beats there,
else the POST, as before (polling, or a server that collects no beats).

The socket is Playwright's stand-in (route_web_socket), which sends the snapshot the test chooses and keeps
what the page sends; the clock is Playwright's fake one and Math.random is fixed (0.5): the first beat goes
30 s after the page starts beating, then one every 60 s.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agenda.models import Session
from tests.agenda.servers import uvicorn_thread
from tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(settings):
    settings.ROOT_URLCONF = "tests.e2e.live_page_urls"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with uvicorn_thread() as server:
        yield server


@pytest.fixture
def joined_live():
    event = EventFactory(name="Rakorwas 2030")
    reg = RegistrationFactory(event=event, modes=["online"] * 3)
    start = timezone.now() - dt.timedelta(minutes=10)
    session = Session.objects.create(event=event, title="Pembukaan oleh Menteri Agama", day=event.days[0],
                                     start=start, end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     meeting_url="https://zoom.example/j/81234567890", status=Session.Status.LIVE)
    return reg, session


def open_portal(browser, server, reg, session, socket_handler):
    """A phone's page that has joined ``session`` (the page remembers it, as after a tap on Join); its socket is
    ``socket_handler``'s; the POSTed heartbeats are listed."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
    context.clock.install(time=dt.datetime.now())
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script("Math.random = function () { return 0.5; };"
                         f"sessionStorage.setItem('rakor-joined-{reg.event.slug}', '{session.pk}');")
    page.route_web_socket("**/ws/**", socket_handler)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if "/heartbeat/" in r.url and r.method == "POST" else None)
    page.goto(f"{server.url}/test-live/{reg.portal_secret}/")
    return context, page, posts


def test_an_open_socket_that_takes_beats_carries_them_and_no_post_is_sent(browser, server, joined_live):
    reg, session = joined_live
    sent, sockets = [], []

    def handler(ws):
        sockets.append(ws)
        ws.on_message(lambda message: sent.append(json.loads(message)))
        ws.send(json.dumps({"type": "snapshot", "sessions": [], "spread": 0, "beats": True}))

    context, page, posts = open_portal(browser, server, reg, session, handler)
    try:
        root = page.locator("[data-live-agenda]")
        expect(root).to_have_attribute("data-live-mode", "socket")
        context.clock.run_for(31_000)  # the first beat: 0.5 × 60 s
        assert arrived(page, sent, 1) == [{"type": "beat", "session": session.pk}]
        context.clock.run_for(60_000)
        assert arrived(page, sent, 2) == [{"type": "beat", "session": session.pk}] * 2
        # The server's word that this person did not join the session stops the beats, as the POST's 403 does.
        sockets[0].send(json.dumps({"type": "beat", "session": session.pk, "stop": True}))
        page.wait_for_timeout(300)  # delivered
        context.clock.run_for(180_000)
        page.wait_for_timeout(500)
        assert (len(sent), posts) == (2, [])
        page.screenshot(path="/tmp/shots/beat-socket/socket-beats-phone.png", full_page=True)
    finally:
        context.close()


def test_a_polling_page_posts_its_beats(browser, server, joined_live):
    reg, session = joined_live
    context, page, posts = open_portal(browser, server, reg, session, lambda ws: ws.close(code=4403))
    try:
        expect(page.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "polling")
        context.clock.run_for(31_000)
        assert arrived(page, posts, 1) == [f"{server.url}/t/{reg.portal_secret}/heartbeat/{session.pk}/"]
    finally:
        context.close()


def test_a_socket_whose_server_takes_no_beats_leaves_them_to_the_post(browser, server, joined_live):
    """Without Redis the server writes beats through in Django's view: its snapshot offers no beats."""
    reg, session = joined_live
    sent = []

    def handler(ws):
        ws.on_message(lambda message: sent.append(message))
        ws.send(json.dumps({"type": "snapshot", "sessions": [], "spread": 0}))

    context, page, posts = open_portal(browser, server, reg, session, handler)
    try:
        expect(page.locator("[data-live-agenda]")).to_have_attribute("data-live-mode", "socket")
        context.clock.run_for(31_000)
        assert arrived(page, posts, 1) == [f"{server.url}/t/{reg.portal_secret}/heartbeat/{session.pk}/"]
        assert sent == []
    finally:
        context.close()


def arrived(page, seen: list, count: int) -> list:
    """``seen`` once it holds ``count`` items or after 5 s (Playwright delivers messages and requests as it pumps
    events)."""
    for _ in range(100):
        if len(seen) >= count:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(100)  # and nothing more
    return seen
