"""A desk phone sets itself up from the organiser's set-up QR, and the token never reaches the server.

The organiser creates a device on /e/<event>/devices/; the QR on that page is decoded in the
browser (the scanner's own vendored jsQR) and opened on a second, signed-out "phone". The
scanner keeps the token, clears it from the address bar and scans with it; no request the
server received carried the token (the fragment is never sent).
"""

import os

import pytest
from django.conf import settings
from django.core.signals import request_started
from django.test import Client
from playwright.sync_api import expect

from attendance.models import ScannerDevice
from tests.factories import organiser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECODE_QR = """async () => {
  const svg = document.querySelector(".qr svg");
  const source = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(source);
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 600;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 600, 600);
  ctx.drawImage(image, 0, 0, 600, 600);
  const pixels = ctx.getImageData(0, 0, 600, 600);
  const code = window.jsQR(pixels.data, 600, 600);
  return code ? code.data : null;
}"""


@pytest.fixture
def seen_by_server():
    """Every request line (path and query string) the live server received."""
    lines = []

    def record(sender, environ=None, **kwargs):
        if environ is not None:
            lines.append(environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""))

    request_started.connect(record)
    yield lines
    request_started.disconnect(record)


def shot(page, name):
    folder = os.environ.get("DEVICE_SETUP_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 720)])
def test_a_phone_sets_itself_up_from_the_qr(browser, live_server, desk, seen_by_server, width, height):
    event, (ahmad, _siti, _bambang), _token = desk
    client = Client()
    client.force_login(organiser())
    office = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    office.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                         "url": live_server.url}])
    phone = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                timezone_id="Asia/Jakarta")
    try:
        page = office.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/e/{event.slug}/devices/")
        page.fill("#id_name", "Meja 2 Ballroom")
        page.click("button[type=submit]")
        token = page.locator("[data-testid=device-token]").inner_text().strip()
        assert ScannerDevice.objects.get(name="Meja 2 Ballroom").token_hash == ScannerDevice.hash_token(token)
        shot(page, f"devices-{width}.png")
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.add_script_tag(url=f"{live_server.url}/static/rakor/scanner/vendor/jsQR.js")
        setup_url = page.evaluate(DECODE_QR)
        assert setup_url.endswith(f"/e/{event.slug}/scan/?setup=1#token={token}")

        desk_page = phone.new_page()
        desk_page.set_default_timeout(15_000)
        desk_page.goto(live_server.url + setup_url[setup_url.index("/e/"):])
        desk_page.wait_for_function("() => document.body.dataset.ready === '1'")
        assert desk_page.url == f"{live_server.url}/e/{event.slug}/scan/"  # token and marker gone from the bar
        assert desk_page.evaluate(f"localStorage.getItem('rakor.scanner.device.{event.slug}')") == token
        expect(desk_page.locator("body")).to_contain_text("Perangkat ini sudah dipasang sebagai pemindai acara ini.")
        if width == 390:
            assert desk_page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(desk_page, f"scanner-set-up-{width}.png")

        desk_page.locator("#wedge").focus()
        desk_page.keyboard.type(ahmad.ticket, delay=2)
        desk_page.keyboard.press("Enter")
        expect(desk_page.locator("#answer-verdict")).to_have_text("Silakan masuk")
        assert ahmad.checkins.get().gate == "Meja 2 Ballroom"  # scanned as the new device
    finally:
        office.close()
        phone.close()
    assert seen_by_server and [line for line in seen_by_server if token in line] == []
