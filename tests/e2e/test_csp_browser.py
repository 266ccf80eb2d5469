"""The main pages under the enforced Content-Security-Policy, in Chromium: they look and work as before.

tests/e2e/conftest.py fails every browser test whose pages report anything blocked by the CSP or the
Permissions-Policy, so the scanner, join-button, dashboard, minutes and registration tests already run
under it. This one walks the pages those do not drive, on the demo data, as the people who use them,
and does on each what its script or stylesheet is for: the portal's live agenda and its stream, the
join link to the meeting platform (which must not learn the portal link from a Referer), the stream
page, the organisers' console pages, a coordinator's copy button, the printed minutes, the admin with
its autocomplete, Swagger UI; and the camera, which only the scanner page may use.
"""

from __future__ import annotations

import http.server
import re
import threading
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from attendance.models import ScannerDevice
from tests.rakor.factories_security import security_demo
from tests.agenda.servers import free_port, uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@contextmanager
def meeting_platform():
    """Another origin standing in for Zoom: records the headers of each request it gets."""
    seen: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append({"path": self.path, **self.headers})
            body = b"<!doctype html><title>Rapat</title><h1>Ruang rapat</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def world(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with meeting_platform() as (platform, seen):
        # Built in a thread of its own: seed_demo broadcasts, and async_to_sync refuses to run in this
        # thread beside Playwright's event loop.
        demo = in_thread(security_demo, meeting_url=f"{platform}/j/8812")
        with uvicorn_thread() as server:
            yield {**demo, "server": server, "platform_requests": seen}


def in_thread(func, **kwargs):
    """``func(**kwargs)`` in a thread of its own (no event loop there), its result or its exception here."""
    from django.db import connection

    outcome = {}

    def run():
        try:
            outcome["result"] = func(**kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def stylesheets_applied(page) -> bool:
    """Every stylesheet of the page loaded and has rules (a blocked or missing one has none)."""
    return page.evaluate("""() => [...document.styleSheets].length > 0
        && [...document.styleSheets].every((s) => { try { return s.cssRules.length > 0; } catch (e) { return false; } })""")


def signed_in(browser, server, user, **context_args):
    context = browser.new_context(locale="id-ID", **context_args)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_watch_reports_what_the_policy_blocks(browser, world, policy_watch):
    """The guard itself: an inline script on one of our pages is blocked, and reported."""
    context, page = signed_in(browser, world["server"], None)
    try:
        page.goto(f"{world['server'].url}/v/")
        with pytest.raises(Exception, match="Content Security Policy"):
            page.add_script_tag(content="window.injected = true")
        assert page.evaluate("window.injected") is None
        page.wait_for_timeout(200)
        assert any("script-src" in r for r in policy_watch.reports)
    finally:
        context.close()
        policy_watch.reports.clear()  # expected here; any other test fails on it


def test_participant_pages_on_a_phone(browser, world):
    server, online, live, stream_only = world["server"], world["online"], world["live"], world["stream_only"]
    context, page = signed_in(browser, server, None, viewport={"width": 390, "height": 844}, is_mobile=True,
                              has_touch=True)
    try:
        page.goto(f"{server.url}/e/{world['event'].slug}/")
        expect(page.locator("h1")).to_contain_text("Rakorwas")
        assert stylesheets_applied(page)
        no_sideways_scroll(page)

        portal = f"{server.url}/t/{online.portal_secret}/"
        page.goto(portal)
        expect(page.locator(f"#sesi-{live.pk} [data-join]")).to_be_visible()
        # The stream-only session is embedded in the agenda (frame-src allows YouTube's player there).
        expect(page.locator(f"#sesi-{stream_only.pk} iframe")).to_have_attribute(
            "src", re.compile(r"^https://www\.youtube-nocookie\.com/embed/"))
        no_sideways_scroll(page)
        # The live agenda's socket connects (connect-src allows our own ws:).
        page.wait_for_function("() => performance.getEntriesByType('resource').length > 0")

        # Joining: the meeting platform gets the participant, and no Referer naming their portal link.
        # The meeting opens in a new tab and the portal stays (issue 12, item 7).
        with page.context.expect_page() as meeting_tab:
            page.locator(f"#sesi-{live.pk} [data-join]").click()
        meeting_tab.value.wait_for_url(re.compile(r"/j/8812$"))
        assert page.url == portal
        meeting_tab.value.close()
        (request,) = [r for r in world["platform_requests"] if r["path"] == "/j/8812"]
        assert "Referer" not in request and online.portal_secret not in str(request)

        # The portal's own forms still pass CSRF under its Referrer-Policy (no-referrer would send
        # "Origin: null"): the language switch.
        page.goto(portal)
        page.locator("form.lang button").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("form.lang button")).to_have_text("Bahasa Indonesia")

        page.goto(f"{server.url}/t/{online.portal_secret}/watch/{live.pk}/")
        expect(page.locator(".stream iframe")).to_have_attribute(
            "src", re.compile(r"^https://www\.youtube-nocookie\.com/embed/"))
        assert page.evaluate("getComputedStyle(document.querySelector('.stream')).position") == "relative"  # join.css
        no_sideways_scroll(page)
    finally:
        context.close()


def test_organiser_pages(browser, world):
    server, event, archive = world["server"], world["event"], world["archive"]
    context, page = signed_in(browser, server, world["users"]["panitia"], viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{server.url}/e/{event.slug}/dashboard/")
        expect(page.locator("#status")).to_have_text("Langsung")  # the dashboard's socket is open
        # Its stylesheet (was an inline <style>): the totals side by side.
        assert page.evaluate("getComputedStyle(document.querySelector('.totals')).display") == "flex"

        page.goto(f"{server.url}/e/{event.slug}/devices/")
        revoke = page.locator("form[data-confirm] button")
        page.once("dialog", lambda dialog: dialog.dismiss())
        revoke.first.click()
        page.wait_for_timeout(300)
        assert ScannerDevice.objects.get(pk=world["device"].pk).revoked_at is None  # "no" keeps it
        page.once("dialog", lambda dialog: dialog.accept())
        revoke.first.click()
        expect(page.locator("td", has_text="Dicabut")).to_be_visible()
        assert ScannerDevice.objects.get(pk=world["device"].pk).revoked_at is not None

        for path in (f"/e/{event.slug}/rekap/", f"/e/{archive.slug}/sertifikat/", f"/e/{event.slug}/audit/",
                     f"/e/{event.slug}/agenda/manage/", f"/e/{event.slug}/tindak-lanjut/",
                     f"/e/{event.slug}/online/laporan/{world['report'].pk}/"):
            page.goto(server.url + path)
            assert stylesheets_applied(page), path

        page.goto(f"{server.url}/e/{event.slug}/notulen/{world['final'].session_id}/cetak/")
        # The notula's stylesheet arrives with this response's nonce.
        assert page.evaluate("getComputedStyle(document.querySelector('.print-bar')).marginBottom") == "16px"

        page.goto(f"{server.url}/api/docs/")
        expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI ran (its script from ?script)
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/checkins/").first).to_be_visible()
    finally:
        context.close()


def test_coordinator_copies_a_portal_link(browser, world):
    server = world["server"]
    context, page = signed_in(browser, server, world["users"]["koordinator.jabar"],
                              viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    try:
        page.goto(f"{server.url}/e/{world['event'].slug}/unit/")
        button = page.locator("[data-copy]").first
        link = button.get_attribute("data-copy")
        button.click()
        expect(button).to_have_text("Tersalin")
        assert page.evaluate("navigator.clipboard.readText()") == link
    finally:
        context.close()


def test_admin_with_its_widgets(browser, world):
    server = world["server"]
    context, page = signed_in(browser, server, world["users"]["admin"], viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{server.url}/admin/attendance/registration/{world['online'].pk}/change/")
        expect(page.locator("#content h1")).to_be_visible()
        page.goto(f"{server.url}/admin/attendance/unitquota/add/")
        page.locator(".select2-selection").first.click()  # the unit autocomplete (select2 + jQuery)
        page.keyboard.type("Jawa Barat")
        expect(page.locator(".select2-results__option", has_text="Jawa Barat").first).to_be_visible()
        page.goto(f"{server.url}/admin/rakor/event/add/")
        page.locator(".datetimeshortcuts a", has_text="Hari ini").first.click()  # the date widget's shortcut
        assert page.locator("input[name=start_date]").input_value() != ""
    finally:
        context.close()


def test_the_camera_runs_on_the_scanner_page_and_nowhere_else(browser, world, policy_watch):
    """Permissions-Policy: camera=(self) on the scanner page, camera=() everywhere else."""
    server, event = world["server"], world["event"]
    camera_browser = browser.launch_another(["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    try:
        context = camera_browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        client = Client()
        client.force_login(world["users"]["petugas"])
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{server.url}/e/{event.slug}/scan/")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        assert page.evaluate("document.featurePolicy.allowsFeature('camera')") is True
        page.locator("#camera-toggle").click()
        expect(page.locator(".viewfinder")).to_be_visible()
        page.wait_for_function("() => document.getElementById('video').readyState >= 2")
        # Without a BarcodeDetector (Linux) the scanner loads the vendored jsQR: a script of our own.
        page.wait_for_function("() => 'BarcodeDetector' in window || typeof window.jsQR === 'function'")
        no_sideways_scroll(page)

        page.goto(f"{server.url}/t/{world['online'].portal_secret}/")
        assert page.evaluate("document.featurePolicy.allowsFeature('camera')") is False
        refused = page.evaluate("""() => navigator.mediaDevices.getUserMedia({video: true})
            .then(() => "granted", (e) => e.name)""")
        assert refused == "NotAllowedError"
    finally:
        camera_browser.close()
        # The refusal above is the Permissions-Policy at work: Chromium reports it as a violation.
        policy_watch.reports[:] = [r for r in policy_watch.reports
                                   if not ("Permissions policy violation" in r and "camera" in r)]
