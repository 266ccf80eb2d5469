"""Anyone with a certificate PDF checks it on the verification page, in a real browser.

The test client sends no Origin header; Chromium does, and with a no-referrer policy it
sends "Origin: null", which Django's CSRF check refuses. This drives the real thing.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from certificates import services
from tests.certificates.factories_certificates import attended_everything, past_event, registration, templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_a_pdf_we_issued_on_the_verification_page(live_server, phone, tmp_path):
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    templates(event)
    reg = registration(event, name="Dr. Hj. Ṣāliḥah Nurḥayātī, M.Ag.")
    attended_everything(reg)
    # pyHanko signs through asyncio.run(), which can't run in this thread beside Playwright's loop.
    with ThreadPoolExecutor(1) as pool:
        certificate = pool.submit(services.certificate_issue, registration=reg).result()
        data = pool.submit(services.certificate_pdf_bytes, certificate).result()
    pdf = tmp_path / "sertifikat.pdf"
    pdf.write_bytes(data)

    phone.goto(f"{live_server.url}/v/{certificate.code}/")
    phone.set_input_files("input[type=file]", str(pdf))
    phone.locator("form[enctype] button, form[enctype] input[type=submit]").first.click()
    phone.wait_for_load_state()
    body = phone.locator("body").inner_text()
    assert "Asli: berkas ini sertifikat yang kami terbitkan dan tidak diubah sedikit pun." in body
