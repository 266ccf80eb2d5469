"""The portal's ticket QR decodes to the person's ticket with the scanner's own jsQR.

A browser running scripts draws it from the signed payload (static/rakor/portal-qr.js) and never asks
for /t/<secret>/qr.svg (issue 15); without scripts the page shows that image (rakor.qr's fixed mask).
What is decoded is what the screen shows: a screenshot of the QR, at a phone's size and a laptop's.
"""

import base64

import pytest
from django.conf import settings

from tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECODE = """async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const size = 600, canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(image, 0, 0, size, size);
  const code = window.jsQR(ctx.getImageData(0, 0, size, size).data, size, size);
  return code ? code.data : null;
}"""

# The pixels as shown, without scaling: what a desk scanner's camera sees on the phone.
DECODE_AS_SHOWN = """async (src) => {
  const image = new Image();
  image.src = src;
  await image.decode();
  const w = image.naturalWidth, h = image.naturalHeight, canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(image, 0, 0);
  const code = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h);
  return code ? code.data : null;
}"""


def add_jsqr(page, live_server):
    page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}rakor/scanner/vendor/jsQR.js")


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@pytest.mark.parametrize("viewport, scale", [({"width": 390, "height": 844}, 1), ({"width": 1280, "height": 720}, 1),
                                             ({"width": 390, "height": 844}, 3)])
def test_the_qr_drawn_in_the_browser_decodes_to_the_ticket_and_qr_svg_is_never_fetched(
        live_server, browser, viewport, scale):
    event = EventFactory(slug="rakorwas-qr")
    people = [RegistrationFactory(event=event) for _ in range(5)]
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    for reg in people:
        page.goto(f"{live_server.url}{reg.portal_path}")
        qr = page.locator(".qr-box[data-qr-drawn] svg.qr")
        qr.wait_for()
        assert page.locator(".qr-box img").count() == 0
        box = qr.bounding_box()
        assert box["width"] == box["height"] and box["width"] >= 240  # big enough for the desk's camera
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert qr.get_attribute("aria-label") == "Kode QR tiket"
        add_jsqr(page, live_server)
        assert page.evaluate(DECODE_AS_SHOWN, png_data_url(qr.screenshot())) == reg.ticket
    assert [url for url in requested if "qr.svg" in url] == []
    assert sum(url.endswith("/static/rakor/portal-qr.js") for url in requested) == len(people)
    if scale == 1:
        page.goto(f"{live_server.url}{people[0].portal_path}")
        page.locator(".qr-box[data-qr-drawn] svg.qr").wait_for()
        page.screenshot(path=f"/tmp/portal_qr_{viewport['width']}.png", full_page=True)
    context.close()


def test_without_javascript_the_portal_shows_the_servers_qr_image(live_server, browser):
    event = EventFactory(slug="rakorwas-qr")
    people = [RegistrationFactory(event=event) for _ in range(3)]
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    shown = []
    page.on("response", lambda response: shown.append((response.url.removeprefix(live_server.url), response.status)))
    for reg in people:
        page.goto(f"{live_server.url}{reg.portal_path}")
        img = page.locator(".qr-box img.qr")
        assert img.is_visible()
        assert img.get_attribute("src") == f"/t/{reg.portal_secret}/qr.svg"
        assert page.locator(".qr-box svg").count() == 0
        assert (f"/t/{reg.portal_secret}/qr.svg", 200) in shown
        reg.shot = img.screenshot()
    context.close()
    # Decoded in a page that runs scripts: the server's image, as the screen showed it, is each ticket.
    decoder = browser.new_page()
    decoder.goto(f"{live_server.url}{people[0].portal_path}")
    add_jsqr(decoder, live_server)
    for reg in people:
        assert decoder.evaluate(DECODE, png_data_url(reg.shot)) == reg.ticket
    decoder.close()


def test_the_servers_image_stands_in_when_the_encoder_does_not_load(live_server, browser):
    reg = RegistrationFactory(event=EventFactory(slug="rakorwas-qr"))
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.route("**/rakor/vendor/qrcode.js", lambda route: route.abort())
    page.goto(f"{live_server.url}{reg.portal_path}")
    img = page.locator(".qr-box img.qr")
    img.wait_for()
    assert img.get_attribute("src") == f"/t/{reg.portal_secret}/qr.svg"
    assert img.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert page.locator(".qr-box svg").count() == 0
    page.close()
