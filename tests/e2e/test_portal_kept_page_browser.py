"""The portal page served from the cache (attendance.portal_cache.portal_page) in a real browser: a second device
gets the kept page, its language switch posts with that device's own CSRF token, and nothing scrolls sideways."""

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.agenda.agenda_helpers import make_session
from tests.factories import EventFactory, RegistrationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("RAKOR_SHOTS", "/tmp/shots/portal-lean"))


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 720)])
def test_a_second_device_gets_the_kept_page_and_its_language_switch_works(live_server, browser, viewport):
    event = EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 22))
    make_session(event, "Pembukaan oleh Menteri", day_index=0)
    registration = RegistrationFactory(event=event, modes=["online", "in_person"])
    url = f"{live_server.url}{registration.portal_path}"
    width, height = viewport
    first = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    first.new_page().goto(url)  # rendered and kept
    first.close()
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    page = context.new_page()
    page.goto(url)  # another device: no cookie, no validator — the kept page
    assert page.locator("h1.person").inner_text() == registration.participant.full_name
    assert page.get_by_text("Pembukaan oleh Menteri").count() >= 1
    page.locator(".qr-box svg.qr").wait_for()  # drawn in the browser from the kept page's payload
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-kept-{width}x{height}.png"), full_page=False)
    page.locator("form.lang button").click()  # posts with the token put in for this device's cookie
    page.wait_for_load_state()
    assert page.url == url
    assert "Registration status" in page.content()
    page.screenshot(path=str(SHOTS / f"portal-kept-en-{width}x{height}.png"), full_page=False)
    context.close()
