"""The portal's QR image decodes to the person's ticket with the scanner's own jsQR (rakor.qr's fixed mask)."""

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


def test_every_portal_qr_decodes_to_its_ticket(live_server, browser):
    event = EventFactory(slug="rakorwas-qr")
    people = [RegistrationFactory(event=event) for _ in range(6)]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for reg in people:
        page.goto(f"{live_server.url}{reg.portal_path}")
        page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}rakor/scanner/vendor/jsQR.js")
        src = page.locator(".qr-box img.qr").get_attribute("src")
        assert page.evaluate(DECODE, src) == reg.ticket
    context.close()
