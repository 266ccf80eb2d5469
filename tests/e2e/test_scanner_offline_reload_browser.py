"""The scanner page reloaded without network: its service worker serves the page and its files.

A desk in a hotel with a weak connection reloads the page (or the phone kills the tab) while
offline: the page must come back from the device, scan into the IndexedDB queue, and send the
queue when the network returns.

"Offline" is a route that aborts every request as a lost connection, the service worker's own
included (Playwright 1.65 routes those in Chromium), and then context.set_offline; the test records
every request that reaches Django meanwhile and asserts there was none, so the reloaded page can
only have come from the worker's cache. (set_offline alone before the reload would do for the
worker too, but with it Chromium re-sends the last API GET of the page being reloaded to the
server in most runs, service workers blocked or not, which would muddle that record.)

Uses the ``browser`` fixture of tests/e2e/conftest.py (Debian's Chromium, never a downloaded one).
"""

import json
import re

import pytest
from django.core.signals import request_started
from django.test import Client

from attendance.models import CheckIn
from tests.factories import EventFactory

OFFLINE_READY = "Halaman pemindai tersimpan di perangkat ini: tetap bisa dibuka tanpa jaringan."
ASSETS = ["/static/rakor/site.css", "/static/rakor/scanner/scanner.css", "/static/rakor/scanner/scanner.js",
          "/static/rakor/scanner/ticket.js", "/static/rakor/scanner/codes.js", "/static/rakor/scanner/vendor/jsQR.js",
          "/static/rakor/scanner/vendor/noble-ed25519.js"]


def wedge_scan(page, ticket):
    page.locator("#wedge").focus()
    page.keyboard.type(ticket, delay=2)  # a handheld scanner is a fast keyboard
    page.keyboard.press("Enter")


@pytest.fixture
def server_requests():
    """Paths of the requests that reach Django while the list is being recorded."""
    seen = []

    def record(sender, environ=None, scope=None, **kwargs):
        seen.append((environ or {}).get("PATH_INFO") or (scope or {}).get("path"))

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


@pytest.mark.django_db
def test_worker_script_is_scoped_to_the_page_and_always_revalidated():
    event = EventFactory()
    response = Client().get(f"/e/{event.slug}/scan/sw.js")
    assert (response.status_code, response["Content-Type"], response["Cache-Control"]) == (
        200, "text/javascript; charset=utf-8", "no-cache")
    assert "Service-Worker-Allowed" not in response  # the default scope, /e/<slug>/scan/, is the page
    body = response.content.decode()
    assert f'"page": "/e/{event.slug}/scan/"' in body
    assert '"assets": ' + json.dumps(ASSETS) in body
    assert re.search(rf'"cache": "rakor-scanner:{event.slug}:[0-9a-f]{{16}}"', body)
    assert Client().get("/e/tidak-ada/scan/sw.js").status_code == 404


def test_worker_version_follows_the_bytes_of_the_files_it_keeps(monkeypatch):
    from attendance.views import scanner as views_scanner

    urls = list(ASSETS)
    before = views_scanner.worker_version(urls)
    assert views_scanner.worker_version(urls) == before
    digest = views_scanner._asset_digest
    monkeypatch.setattr(views_scanner, "_asset_digest",
                        lambda name: "changed" if name == "rakor/scanner/scanner.js" else digest(name))
    assert views_scanner.worker_version(urls) != before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reload_without_network_opens_the_scanner_and_queues_then_syncs(browser, live_server, desk,
                                                                        server_requests):
    from playwright.sync_api import expect

    event, (ahmad, siti, bambang), token = desk
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                  timezone_id="Asia/Jakarta", service_workers="allow")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
    page.wait_for_function("() => document.body.dataset.ready === '1' && window.rakorScanner.state.bundle")
    expect(page.locator("#count")).to_have_text("0")  # the first load's API calls are answered
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#offline-state")).to_have_text(OFFLINE_READY)

    # The server goes out of reach (the hotel's Wi-Fi still up, nothing beyond it): every request,
    # the worker's own included, fails as a lost connection; then the device drops off the network.
    server_requests.clear()
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    page.reload()
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    context.set_offline(True)
    assert page.url == f"{live_server.url}/e/{event.slug}/scan/"
    assert page.title() == f"Pemindai — {event.name}"
    expect(page.locator("header .brand")).to_have_text(f"Pemindai · {event.name}")
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    expect(page.locator("#net")).to_have_text("LURING — tidak terhubung ke server. Pindaian disimpan di perangkat "
                                              "ini dan dikirim saat jaringan kembali.")
    expect(page.locator("label[for=wedge]")).to_have_text(
        "Pindai tiket (pemindai genggam) atau ketik isi tiket, lalu Enter")
    expect(page.locator(".search h2")).to_have_text("Cari peserta tanpa ponsel")
    expect(page.locator("#bundle-state")).to_have_text(re.compile(r"^Data luring: 3 peserta luring, diperbarui \S+$"))
    expect(page.locator("#offline-state")).to_have_text(OFFLINE_READY)
    # The stylesheet came from the cache too: the offline banner has its colour.
    assert page.locator("#net").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(122, 46, 0)"

    wedge_scan(page, siti.ticket)
    expect(page.locator("#answer-verdict")).to_have_text("Diterima (luring)")
    expect(page.locator("#answer-name")).to_have_text("Hj. Siti Rahmawati, S.E.")
    expect(page.locator("#queue")).to_have_text("1")
    # Nothing reached the server: the page was the worker's copy. Not counted: the browser's own update
    # check of the worker script, which a navigation schedules and which Playwright's routes do not
    # catch; on a busy machine it can go out before set_offline (it serves nothing to the page).
    worker = f"/e/{event.slug}/scan/sw.js"
    assert [path for path in server_requests if path != worker] == []
    assert CheckIn.objects.count() == 0

    # The network returns: the queued scan is sent.
    context.unroute_all()
    context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("0", timeout=15000)
    expect(page.locator("#net")).to_have_attribute("data-state", "online")
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#notices li").filter(has_text="terkirim")).to_have_text(
        [re.compile(r"^\d\d\.\d\d · 1 pindaian luring terkirim ke server\.$")])
    assert list(CheckIn.objects.values_list("registration__participant__full_name", "result", "offline")) == [
        ("Hj. Siti Rahmawati, S.E.", "ok", True)]

    # The worker keeps the page and its files, never an API answer.
    kept = page.evaluate("""async () => {
        const names = await caches.keys();
        const cache = await caches.open(names.find((n) => n.startsWith('rakor-scanner:')));
        return [names.length, (await cache.keys()).map((r) => new URL(r.url).pathname).sort()];
    }""")
    assert kept == [1, sorted(ASSETS + [f"/e/{event.slug}/scan/"])]
    assert errors == []
    context.close()
