"""The scanner page in headless Chromium: handheld-scanner input, then offline scanning and the sync.

Uses the ``browser`` fixture of tests/e2e/conftest.py (Debian's Chromium, never a downloaded one).
"""

import os
import re

import pytest

from attendance.models import CheckIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wedge_scan(page, ticket):
    page.locator("#wedge").focus()
    page.keyboard.type(ticket, delay=2)  # a handheld scanner is a fast keyboard
    page.keyboard.press("Enter")


def test_handheld_then_offline_then_sync(browser, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    event, (ahmad, siti, bambang), token = desk
    shots = os.environ.get("SCANNER_SCREENSHOTS") or str(tmp_path)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID",
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
    page.wait_for_function("() => document.body.dataset.ready === '1' && window.rakorScanner.state.bundle")
    assert page.url == f"{live_server.url}/e/{event.slug}/scan/"  # the set-up token leaves the address bar
    expect(page.locator("#bundle-state")).to_contain_text("3 peserta luring")
    answer = page.locator("#answer")

    wedge_scan(page, ahmad.ticket)
    expect(answer).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Silakan masuk")
    expect(page.locator("#answer-name")).to_have_text("Dr. H. Ahmad Fauzi, M.Ag.")
    expect(page.locator("#answer-unit")).to_have_text(ahmad.participant.unit.name)
    expect(page.locator("#count")).to_have_text("1")
    page.screenshot(path=os.path.join(shots, "scanner-phone-ok.png"))

    wedge_scan(page, ahmad.ticket)
    expect(answer).to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Sudah tercatat masuk")
    expect(page.locator("#answer-detail")).to_contain_text("di Pintu Utara")
    assert list(CheckIn.objects.order_by("pk").values_list("result", "method", "gate", "offline")) == [
        ("ok", "handheld", "Pintu Utara", False), ("already_checked_in", "handheld", "Pintu Utara", False)]

    context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    expect(page.locator("#net")).to_contain_text("LURING")
    wedge_scan(page, siti.ticket)
    expect(page.locator("#answer-name")).to_have_text("Hj. Siti Rahmawati, S.E.")
    expect(page.locator("#answer-verdict")).to_have_text("Diterima (luring)")
    wedge_scan(page, bambang.ticket)
    expect(page.locator("#answer-name")).to_have_text("Ir. Bambang Wibowo")
    expect(page.locator("#answer-verdict")).to_have_text("Diterima (luring)")
    expect(page.locator("#queue")).to_have_text("2")
    wedge_scan(page, siti.ticket)  # the same person again at this gate, still offline
    expect(answer).to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator("#queue")).to_have_text("3")
    forged = bambang.ticket[:-4] + ("AAAA" if not bambang.ticket.endswith("AAAA") else "BBBB")
    wedge_scan(page, forged)
    expect(answer).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Tiket tidak sah")
    expect(page.locator("#queue")).to_have_text("4")
    page.locator("#answer").click()
    page.screenshot(path=os.path.join(shots, "scanner-phone-offline.png"))
    assert CheckIn.objects.count() == 2  # nothing reached the server while offline

    context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("0", timeout=15000)
    expect(page.locator("#net")).to_have_attribute("data-state", "online")
    expect(page.locator("#count")).to_have_text("3")
    offline_rows = list(CheckIn.objects.filter(offline=True).order_by("scanned_at")
                        .values_list("registration__participant__full_name", "result"))
    assert offline_rows == [("Hj. Siti Rahmawati, S.E.", "ok"), ("Ir. Bambang Wibowo", "ok"),
                            ("Hj. Siti Rahmawati, S.E.", "already_checked_in"), (None, "invalid_ticket")]
    assert CheckIn.objects.filter(offline=True, result="ok").count() == 2
    expect(page.locator("#notices")).to_contain_text("4 pindaian luring terkirim ke server.")

    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("#search").fill("Rahma")
    expect(page.locator("#results li")).to_have_count(1)
    expect(page.locator("#results li")).to_contain_text("Hj. Siti Rahmawati, S.E.")
    expect(page.locator("#results li button")).to_have_text("Sudah hadir")
    page.screenshot(path=os.path.join(shots, "scanner-laptop-search.png"))
    assert errors == []
    context.close()


def test_desk_search_checks_in_a_person_without_a_phone(browser, live_server, desk):
    from playwright.sync_api import expect

    event, (ahmad, _, _), token = desk
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    nip = ahmad.participant.id_number
    page.locator("#search").fill(nip[-6:])  # part of a number alone finds nobody (issue 19)
    expect(page.locator("#search-note")).to_have_text(
        "Tidak ditemukan. NIP dicari hanya utuh, atau 4 angka terakhirnya bersama nama.")
    page.locator("#search").fill("Ahmad " + nip[-4:])
    expect(page.locator("#results li")).to_contain_text("•" * 14 + nip[-4:])
    page.locator("#results li button").click()
    expect(page.locator("#answer-verdict")).to_have_text("Silakan masuk")
    expect(page.locator("#answer-name")).to_have_text("Dr. H. Ahmad Fauzi, M.Ag.")
    row = CheckIn.objects.get()
    assert (row.method, row.result, row.registration_id) == ("manual", "ok", ahmad.pk)
    context.close()


def test_vendored_qr_decoder_reads_our_ticket_qr(browser, live_server, desk):
    """The camera path's decoder (jsQR, used where BarcodeDetector is missing) reads the QR our tickets print."""
    from rakor.qr import qr_png
    import base64

    event, (ahmad, _, _), token = desk
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    page.add_script_tag(url=f"{live_server.url}/static/rakor/scanner/vendor/jsQR.js")
    png = "data:image/png;base64," + base64.b64encode(qr_png(ahmad.ticket, scale=4)).decode()
    decoded = page.evaluate("""async (src) => {
        const img = new Image(); img.src = src; await img.decode();
        const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
        const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, c.width, c.height);
        const code = window.jsQR(data.data, data.width, data.height, {inversionAttempts: 'dontInvert'});
        return code && code.data;
    }""", png)
    assert decoded == ahmad.ticket
    context.close()
