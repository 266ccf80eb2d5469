"""A participant fills in the evaluation on a phone with JavaScript switched off: a plain form of radio buttons.

Then the certificate the event withheld for it downloads. The organisers' results page is looked at in a
browser too (its SVG charts under the strict CSP).
"""

import pytest
from django.conf import settings
from django.test import Client

from evaluation import services
from evaluation.models import AnswerSet, Questionnaire, Respondent
from tests.certificates.factories_certificates import past_event, registration
from tests.factories import organiser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_without_js(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_evaluation_form_works_without_javascript_on_a_phone(live_server, phone_without_js):
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    services.questionnaire_create_default(event=event)
    Questionnaire.objects.filter(event=event).update(required_for_certificate=True)
    reg = registration(event, name="Hj. Siti Rahmawati, S.E.")
    page = phone_without_js

    page.goto(f"{live_server.url}/t/{reg.portal_secret}/")
    page.get_by_role("link", name="Isi evaluasi").click()
    assert page.get_by_role("heading", name="Evaluasi penyelenggaraan").is_visible()
    groups = page.locator("fieldset.eval-item")
    assert groups.count() == 5
    # Tap the labels (the tap target), not the hidden radios: a 4 everywhere, a 5 on the venue.
    for i in range(groups.count()):
        groups.nth(i).locator("label.likert-option").nth(4 if i == 4 else 3).tap()
    box = groups.nth(0).locator("label.likert-option").first.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a thumb's tap target
    page.get_by_label("Saran untuk penyelenggaraan berikutnya.").fill("Bahan paparan dibagikan lebih awal.")
    with page.expect_navigation():  # the POST, its redirect and the page after (not the form still loaded)
        page.get_by_role("button", name="Kirim evaluasi").tap()
    assert "Terima kasih, evaluasi Anda sudah tersimpan." in page.locator("body").inner_text()
    assert Respondent.objects.filter(registration=reg).count() == 1
    answer_set = AnswerSet.objects.get()
    assert sorted(answer_set.answers.exclude(score=None).values_list("score", flat=True)) == [4, 4, 4, 4, 5]
    assert list(answer_set.answers.filter(score=None).values_list("text", flat=True)) == [
        "Bahan paparan dibagikan lebih awal."]


def test_a_missing_answer_is_marked_without_javascript(live_server, phone_without_js):
    event, _ = past_event()
    services.questionnaire_create_default(event=event)
    reg = registration(event)
    page = phone_without_js
    page.goto(f"{live_server.url}/t/{reg.portal_secret}/evaluasi/")
    page.locator("fieldset.eval-item").first.locator("label.likert-option").nth(1).tap()
    with page.expect_navigation():  # the POST answered (not the form still loaded)
        page.get_by_role("button", name="Kirim evaluasi").tap()
    body = page.locator("body").inner_text()
    assert "Mohon lengkapi butir yang ditandai." in body
    assert page.locator("fieldset.eval-item.has-error").count() == 4
    assert page.locator("fieldset.eval-item").first.locator("input[value='2']").is_checked()
    assert Respondent.objects.count() == 0


def test_results_page_in_a_browser(live_server, browser):
    event, _ = past_event(slug="hasil-uji")
    services.questionnaire_create_default(event=event)
    for score in (5, 4, 4, 3, 5, 2):
        reg = registration(event)
        services.evaluation_submit(questionnaire=event.evaluation_questionnaire, registration=reg,
                                   scores={q.pk: score for q in event.evaluation_questionnaire.questions.all()},
                                   texts={})
    client = Client()
    client.force_login(organiser())
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/e/hasil-uji/panitia/evaluasi/")
    assert page.locator("svg.likert-bar").count() == 5
    assert page.get_by_test_id("respondents").inner_text() == "6"
    context.close()
