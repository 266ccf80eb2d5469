"""At the desk, in Chromium: the ticket's short code typed (issue 13, item 6), an online registration admitted
in person with one tap and the audit trail saying so, full seats, the camera's error in the page's language
(issue 12, item 5). Screenshots (390 and 1280 wide) go to $DESK_SCREENSHOTS when set."""

import os
import re

import pytest
from django.test import Client

from attendance.models import CheckIn, RegistrationDay
from rakor.models import AuditEntry
from tests.factories import ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, organiser, scanner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shots(tmp_path):
    return os.environ.get("DESK_SCREENSHOTS") or str(tmp_path)


def signed_in(browser, live_server, user, **kwargs):
    """A browser context signed in as ``user`` (the session cookie of Django's test client)."""
    c = Client()
    c.force_login(user)
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", **kwargs)
    context.add_cookies([{"name": "sessionid", "value": c.cookies["sessionid"].value, "url": live_server.url}])
    return context


def open_scanner(context, live_server, event, setup=""):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/e/{event.slug}/scan/{setup}")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    return page, errors


def test_the_desk_types_the_short_code_and_a_typo_is_caught(browser, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    event, (ahmad, siti, _), token = desk
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", timezone_id="Asia/Jakarta")
    page, errors = open_scanner(context, live_server, event, f"?setup=1#token={token}")
    answer = page.locator("#answer")

    page.locator("#code").fill(ahmad.short_code_display.lower())
    page.locator("#code").press("Enter")
    expect(answer).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Silakan masuk")
    expect(page.locator("#answer-name")).to_have_text("Dr. H. Ahmad Fauzi, M.Ag.")
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-390-code-ok.png"))

    code = siti.short_code
    typo = code[:4] + code[5] + code[4] + code[6:]  # two neighbours swapped
    if typo == code:
        typo = code[:4] + ("2" if code[4] != "2" else "3") + code[5:]
    page.locator("#code").fill(typo)
    page.locator("#code").press("Enter")
    expect(answer).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Kode salah ketik: periksa lagi")
    expect(page.locator("#answer-next")).to_contain_text("membacakan kodenya sekali lagi")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-390-code-typo.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-1280-code-typo.png"))
    assert list(CheckIn.objects.order_by("pk").values_list("result", "method", "ticket_text", "gate")) == [
        ("ok", "manual", ahmad.short_code, "Pintu Utara"), ("invalid_ticket", "manual", typo, "Pintu Utara")]
    assert errors == []
    context.close()


def test_an_online_registration_is_admitted_in_person_with_one_tap(browser, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    event, _, _ = desk
    online = RegistrationFactory(event=event, modes=["online", "online"],
                                 participant=ParticipantFactory(full_name="Drs. Yusuf Hidayat"))
    operator = scanner(first_name="Budi", last_name="Santoso")
    context = signed_in(browser, live_server, operator, viewport={"width": 390, "height": 844})
    page, errors = open_scanner(context, live_server, event)

    page.locator("#wedge").fill(online.ticket)
    page.locator("#wedge").press("Enter")
    expect(page.locator("#answer")).to_have_class(re.compile(r"\bbad\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Terdaftar daring untuk hari ini")
    expect(page.locator("#answer-detail")).to_contain_text("Masih ada kursi luring")
    expect(page.locator("#answer-next")).to_have_text(
        "Peserta ini terdaftar daring untuk hari ini, jadi belum memegang kursi di tempat.")
    page.wait_for_timeout(6500)  # an answer with a button stays until the operator taps
    expect(page.locator("#answer")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-390-not-in-person.png"))

    page.get_by_role("button", name="Terima hadir luring").click()
    expect(page.locator("#answer")).to_have_class(re.compile(r"\bok\b"))
    expect(page.locator("#answer-verdict")).to_have_text("Silakan masuk")
    expect(page.locator("#answer-name")).to_have_text("Drs. Yusuf Hidayat")
    expect(page.locator("#notices")).to_contain_text("Drs. Yusuf Hidayat: Diterima luring")
    assert RegistrationDay.objects.get(registration=online, date=event.days[0]).mode == "in_person"
    assert list(CheckIn.objects.order_by("pk").values_list("registration", "result", "method", "gate")) == [
        (online.pk, "not_in_person", "handheld", "Budi Santoso"), (online.pk, "ok", "manual", "Budi Santoso")]

    page.locator("#wedge").fill(online.ticket)  # the desk's own check-in shows its name, not "—"
    page.locator("#wedge").press("Enter")
    expect(page.locator("#answer-detail")).to_contain_text("di Budi Santoso")
    assert errors == []
    context.close()

    context = signed_in(browser, live_server, organiser(first_name="Rina", last_name="Panitia"),
                        viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{live_server.url}/e/{event.slug}/audit/?action=admit_in_person")
    row = page.locator("[data-testid=audit-entries] > tbody > tr").first
    expect(row).to_contain_text("Budi Santoso")
    expect(row).to_contain_text("diterima luring di meja registrasi (semula daring)")
    expect(row).to_contain_text("Terdaftar daring, datang ke tempat: diterima luring oleh Budi Santoso.")
    expect(row).to_contain_text("Daring (online) → Luring (hadir di tempat)")
    page.screenshot(path=os.path.join(shots(tmp_path), "audit-1280-admit-in-person.png"))
    assert AuditEntry.objects.filter(action="admit_in_person").count() == 1
    context.close()


def test_full_seats_and_the_camera_error_are_said_in_words(browser, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    event, _, token = desk
    unit = UnitFactory(name="Kankemenag Kab. Bandung")
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit))
    online = RegistrationFactory(event=event, modes=["online", "online"], participant=ParticipantFactory(unit=unit))
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID", timezone_id="Asia/Jakarta")
    page, errors = open_scanner(context, live_server, event, f"?setup=1#token={token}")

    page.locator("#wedge").fill(online.ticket)
    page.locator("#wedge").press("Enter")
    expect(page.locator("#answer-verdict")).to_have_text("Terdaftar daring untuk hari ini")
    expect(page.locator("#answer-detail")).to_contain_text(
        "Kursi luring penuh: Kuota luring Kankemenag Kab. Bandung (1 kursi) sudah penuh untuk ")
    expect(page.locator("#answer-actions")).to_be_hidden()
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-1280-seats-full.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-390-seats-full.png"))
    page.locator("#answer").click()

    page.locator("#camera-toggle").click()
    expect(page.locator("#camera-error")).to_be_visible()
    assert page.locator("#camera-error").text_content() in (
        "Izin kamera ditolak. Izinkan kamera untuk situs ini di pengaturan peramban, lalu coba lagi.",
        "Tidak ada kamera yang dapat dipakai di perangkat ini.",
        "Kamera tidak dapat dibuka. Pakai pemindai genggam atau ketik kode tiket.")
    page.screenshot(path=os.path.join(shots(tmp_path), "scanner-390-camera-error.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_portal_shows_the_short_code_to_read_aloud(browser, live_server, desk, tmp_path):
    from playwright.sync_api import expect

    _, (ahmad, _, _), _ = desk
    for width, height in ((390, 844), (1280, 720)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
        page = context.new_page()
        page.goto(f"{live_server.url}{ahmad.portal_path}")
        code = page.get_by_test_id("short-code")
        expect(code).to_have_text(ahmad.short_code_display)
        expect(page.locator("#ticket-string")).to_be_hidden()  # the whole payload is one tap away, folded
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        code.scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shots(tmp_path), f"portal-{width}-short-code.png"))
        context.close()
