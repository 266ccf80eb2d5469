"""A question from a phone (390x844) to the hall's screen: asked, approved, put on screen, answered, in the minutes."""

import os

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from minutes.models import Minutes
from questions.models import Question
from tests.agenda.servers import uvicorn_thread
from tests.factories import organiser
from tests.questions.helpers import live_session, make_event, participant, question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("RAKOR_SHOTS", "/tmp/shots/questions")


@pytest.fixture
def server(settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with uvicorn_thread() as server:
        yield server


os.makedirs(SHOTS, exist_ok=True)


def shot(page, name):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def staff_context(browser, server, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": server.url}])
    return context


def test_a_question_goes_from_a_phone_to_the_projector_and_into_the_minutes(browser, phone, server):
    event = make_event(name="Rapat Koordinasi Pengawasan (Rakorwas) Demo")
    session = live_session(event, title="Pleno: pengawasan intern dan akuntabilitas keuangan negara")
    asker = participant(event, name="H. Ahmad Fauzi, S.Ag., M.Pd.I.", unit="Kantor Kementerian Agama Kabupaten Tasikmalaya")
    other = participant(event, name="Hj. Siti Aminah, S.E.", unit="Kanwil Kemenag Provinsi Jawa Tengah")
    question(session, other, text="Apakah hasil reviu RKA-K/L menjadi dasar penilaian SAKIP satker?")
    org = organiser(first_name="Panitia", last_name="Rakorwas")

    projector_ctx = staff_context(browser, server, org, {"width": 1280, "height": 720})
    moderator_ctx = staff_context(browser, server, org, {"width": 1280, "height": 720})
    try:
        projector = projector_ctx.new_page()
        projector.set_default_timeout(30_000)
        projector.goto(f"{server.url}/e/{event.slug}/tanya/{session.pk}/layar/")
        expect(projector.locator(".pj-text")).to_have_text("Belum ada pertanyaan di layar.")
        expect(projector.locator(".pj-list li")).to_have_count(1)
        projector.wait_for_function("() => document.getElementById('projector').hasAttribute('data-updated')")

        # The phone: the portal shows the Tanya box while the session is live.
        phone.goto(f"{server.url}/t/{asker.portal_secret}/")
        box = phone.locator(f'[data-qa-session="{session.pk}"]')
        expect(box).to_be_visible()
        box.locator("textarea").fill('Kapan juknis pengawasan dana BOS terbit? <script>alert("x")</script>')
        box.scroll_into_view_if_needed()
        phone.screenshot(path=f"{SHOTS}/phone-portal-ask-box.png")
        no_sideways_scroll(phone)
        box.locator('[data-testid="qa-send"]').click()
        expect(phone.locator(".msg")).to_contain_text("menunggu persetujuan moderator")
        expect(phone.locator(".qa-mine")).to_contain_text("Menunggu persetujuan")
        no_sideways_scroll(phone)
        q = Question.objects.get(registration=asker)

        # The moderator approves it and puts it on the screen.
        moderator = moderator_ctx.new_page()
        moderator.set_default_timeout(30_000)
        moderator.goto(f"{server.url}/e/{event.slug}/tanya/{session.pk}/moderasi/")
        expect(moderator.locator(f"#q-{q.pk}")).to_contain_text("H. Ahmad Fauzi")
        moderator.locator(f'[data-testid="approve-{q.pk}"]').click()
        moderator.locator(f'[data-testid="screen-{q.pk}"]').click()
        shot(moderator, "moderator-1280")

        # The hall's screen follows without a reload: the question, the asker and their unit, text as text.
        expect(projector.locator(".pj-text")).to_have_text('Kapan juknis pengawasan dana BOS terbit? <script>alert("x")</script>')
        expect(projector.locator(".pj-asker")).to_have_text(
            "H. Ahmad Fauzi, S.Ag., M.Pd.I. · Kantor Kementerian Agama Kabupaten Tasikmalaya")
        shot(projector, "projector-1280x720")
        projector.set_viewport_size({"width": 1440, "height": 900})
        shot(projector, "projector-1440x900")

        # The other participant's phone sees it live and upvotes the waiting one.
        phone.goto(f"{server.url}/t/{other.portal_secret}/tanya/{session.pk}/")
        expect(phone.locator('[data-list="current"]')).to_contain_text("Kapan juknis pengawasan dana BOS terbit?")
        phone.locator('[data-list="waiting"] button').first.click()
        expect(phone.locator('[data-list="waiting"] .qa-count').first).to_have_text("1")
        expect(projector.locator(".pj-votes").first).to_have_text("1")
        shot(phone, "phone-question-list")
        no_sideways_scroll(phone)

        # Answered with a note: off the screen, into the minutes' Tanya jawab.
        moderator.locator(f"#note-{q.pk}").fill("Juknis terbit Januari; dibagikan lewat Kanwil.")
        moderator.locator(f'[data-testid="answer-{q.pk}"]').click()
        expect(projector.locator(".pj-text")).to_have_text("Belum ada pertanyaan di layar.")
        minutes = Minutes.objects.get(session=session)
        assert "Kapan juknis pengawasan dana BOS terbit?" in minutes.questions
        assert "Juknis terbit Januari; dibagikan lewat Kanwil." in minutes.questions
        assert projector.evaluate("typeof window.alertCalled") == "undefined"
    finally:
        projector_ctx.close()
        moderator_ctx.close()
