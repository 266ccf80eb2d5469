"""Two minute takers on laptops write the same minutes: presence, autosave, a stale save merged, nothing lost."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from minutes.models import Minutes, MinutesAutosave
from tests.factories import EventFactory
from tests.minutes.factories_minutes import make_session, notulis, open_minutes
from tests.agenda.servers import uvicorn_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with uvicorn_thread() as server:
        yield server


def laptop(browser, server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_two_minute_takers_presence_autosave_and_a_stale_save_merged(browser, server):
    event = EventFactory()
    session = make_session(event)
    siti = notulis(first_name="Siti", last_name="Aminah")
    budi = notulis(first_name="Budi", last_name="Santoso")
    minutes = open_minutes(session, [siti, budi])
    url = f"{server.url}/e/{event.slug}/notulen/{session.pk}/"
    ctx_a, a = laptop(browser, server, siti)
    ctx_b, b = laptop(browser, server, budi)
    try:
        a.goto(url)
        b.goto(url)
        # Each sees the other on the page.
        expect(a.locator("#mn-presence .names")).to_have_text("Budi Santoso")
        expect(b.locator("#mn-presence .names")).to_have_text("Siti Aminah")

        # Siti types; the page keeps her text on the server within a few seconds.
        a.fill("#id_discussion", "Narasumber BPKP memaparkan maturitas SPIP.")
        expect(a.locator(".mn-autosave")).to_contain_text("Tersimpan otomatis pukul", timeout=12_000)
        saved = server.call(lambda: MinutesAutosave.objects.get(minutes=minutes, user=siti).content["discussion"])
        assert saved == "Narasumber BPKP memaparkan maturitas SPIP."

        # Budi types too, then Siti saves first: Budi is told at once.
        b.fill("#id_decisions", "1. Rencana aksi SPIP disusun Biro Ortala.")
        a.click("button[value=save]")
        expect(a.locator(".messages")).to_contain_text("Tersimpan sebagai revisi")
        expect(b.locator("#mn-presence .saved-elsewhere")).to_contain_text("Siti Aminah menyimpan revisi")

        # Budi saves on his old revision: refused, his text kept, Siti's shown next to it.
        b.click("button[value=save]")
        expect(b.locator("#konflik")).to_contain_text("Siti Aminah menyimpan revisi")
        expect(b.locator("#konflik")).to_contain_text("Narasumber BPKP memaparkan maturitas SPIP.")
        expect(b.locator("#id_decisions")).to_have_value("1. Rencana aksi SPIP disusun Biro Ortala.")
        # He merges Siti's paragraph into his form and saves: accepted.
        b.fill("#id_discussion", "Narasumber BPKP memaparkan maturitas SPIP.")
        b.click("button[value=save]")
        expect(b.locator(".messages")).to_contain_text("Tersimpan sebagai revisi")
        final = server.call(lambda: Minutes.objects.values_list("discussion", "decisions").get(pk=minutes.pk))
        assert final == ("Narasumber BPKP memaparkan maturitas SPIP.", "1. Rencana aksi SPIP disusun Biro Ortala.")
        a.screenshot(path="/tmp/minutes-editor.png", full_page=True)
    finally:
        ctx_a.close()
        ctx_b.close()
