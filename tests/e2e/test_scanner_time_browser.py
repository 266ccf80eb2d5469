"""The scanner page's red screens for the server's time rules (issue 19): stale offline scans, expired devices.

Uses the ``browser`` and ``desk`` fixtures of tests/e2e/conftest.py. Screenshots go to $SCANNER_SCREENSHOTS
(or the test's tmp folder) at 390×844 and 1280×720.
"""

import datetime as dt
import os
import re
import uuid

import pytest

from attendance.models import CheckIn, ScannerDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wedge_scan(page, ticket):
    page.locator("#wedge").focus()
    page.keyboard.type(ticket, delay=2)
    page.keyboard.press("Enter")


def shots_dir(tmp_path) -> str:
    return os.environ.get("SCANNER_SCREENSHOTS") or str(tmp_path)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_an_offline_scan_from_a_clock_a_day_ahead_is_refused_on_sync_with_a_red_screen(browser, live_server, desk,
                                                                                        tmp_path):
    from playwright.sync_api import expect

    event, (ahmad, _, _), token = desk
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
    page.wait_for_function("() => document.body.dataset.ready === '1' && window.rakorScanner.state.bundle")
    context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-state", "offline")
    # The phone's clock runs a day fast: offline, it dates the scan tomorrow (still an event day: accepted here).
    page.clock.set_system_time(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1))
    wedge_scan(page, ahmad.ticket)
    expect(page.locator("#answer-verdict")).to_have_text("Diterima (luring)")
    page.locator("#answer").click()
    context.set_offline(False)
    answer = page.locator("#answer")
    expect(page.locator("#queue")).to_have_text("0", timeout=15000)
    expect(answer).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Waktu pindaian tidak diterima")
    expect(page.locator("#answer-name")).to_have_text("Dr. H. Ahmad Fauzi, M.Ag.")
    expect(page.locator("#answer-detail")).to_contain_text("lebih dari 12 jam setelah dipindai")
    expect(page.locator("#answer-detail")).to_contain_text("Periksa tanggal dan jam perangkat")
    no_sideways_scroll(page)
    page.screenshot(path=os.path.join(shots_dir(tmp_path), "scanner-stale-390.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    expect(page.locator("#answer-verdict")).to_have_text("Waktu pindaian tidak diterima")
    page.screenshot(path=os.path.join(shots_dir(tmp_path), "scanner-stale-1280.png"))
    expect(page.locator("#notices")).to_contain_text("Dr. H. Ahmad Fauzi, M.Ag.: pindaian luring pukul")
    row = CheckIn.objects.get()
    assert (row.result, row.registration_id, row.offline) == ("stale_scan", ahmad.pk, True)
    assert errors == []
    context.close()


def test_a_device_of_an_ended_event_gets_a_red_screen_and_its_scan_is_recorded(browser, live_server, tmp_path):
    from django.utils import timezone
    from playwright.sync_api import expect

    from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory

    ended = timezone.localdate() - dt.timedelta(days=4)
    event = EventFactory(name="Rakorwas 2022", start_date=ended - dt.timedelta(days=2), end_date=ended)
    reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Peserta Yang Absen"))
    token = uuid.uuid4().hex
    ScannerDevice.objects.create(event=event, name="Meja Lama", token_hash=ScannerDevice.hash_token(token),
                                 token_prefix=token[:8], last_seen_at=timezone.now())
    for width, height in ((390, 844), (1280, 720)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID",
                                      timezone_id="Asia/Jakarta")
        page = context.new_page()
        page.goto(f"{live_server.url}/e/{event.slug}/scan/?setup=1#token={token}")
        page.wait_for_function("() => document.body.dataset.ready === '1'")
        expect(page.locator("#setup")).to_contain_text("Perangkat pemindai ini hanya berlaku untuk Rakorwas 2022 sampai")
        wedge_scan(page, reg.ticket)
        expect(page.locator("#answer")).to_have_class(re.compile(r"\bbad\b"))
        expect(page.locator("#answer-verdict")).to_have_text("Perangkat pemindai kedaluwarsa")
        expect(page.locator("#answer-name")).to_have_text("")  # an expired device learns no name
        # What to do next has its own line on every red screen (issue 12, item 5).
        expect(page.locator("#answer-next")).to_contain_text("Minta panitia memasang perangkat")
        no_sideways_scroll(page)
        page.screenshot(path=os.path.join(shots_dir(tmp_path), f"scanner-device-expired-{width}.png"))
        context.close()
    assert list(CheckIn.objects.values_list("result", "registration_id")) == [("device_expired", reg.pk)] * 2
