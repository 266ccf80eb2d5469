"""A question is text: markup and formula-like input stay inert on the pages, the projector and the PDF."""

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from minutes.documents import minutes_pdf, minutes_pdf_html
from minutes.models import Minutes
from minutes.policy import FULL_ACCESS
from questions.services import question_ask, question_moderate
from tests.factories import organiser

from .helpers import live_session, make_event, participant

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example/","klik")'


@pytest.fixture
def hostile():
    cache.clear()
    event = make_event()
    session = live_session(event)
    asker = participant(event, name='<b>Budi</b> "=1+1"', unit="Kanwil <i>Uji</i>")
    org = organiser()
    q = question_ask(registration=asker, session=session, text=f"{SCRIPT} {FORMULA}")
    question_moderate(question=q, action="screen", by=org)
    other = question_ask(registration=asker, session=session, text=f"Kedua {SCRIPT}")
    question_moderate(question=other, action="approve", by=org)
    return event, session, asker, org, q


def assert_inert(html: str):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>Budi</b>" not in html


def test_portal_page_and_polling_answer(client, hostile):
    event, session, asker, org, q = hostile
    html = client.get(reverse("questions:portal", args=[asker.portal_secret, session.pk])).content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html
    data = client.get(reverse("questions:portal_json", args=[asker.portal_secret, session.pk])).json()
    assert data["current"]["text"] == f"{SCRIPT} {FORMULA}"  # JSON carries the text; the page sets textContent


def test_projector_and_moderator_pages(client, hostile):
    event, session, asker, org, q = hostile
    client.force_login(org)
    for name in ("questions:projector", "questions:moderate"):
        html = client.get(reverse(name, args=[event.slug, session.pk])).content.decode()
        assert_inert(html)
        assert "&lt;script&gt;" in html and "=HYPERLINK(&quot;http://evil.example/&quot;,&quot;klik&quot;)" in html


def test_notula_pdf(hostile):
    event, session, asker, org, q = hostile
    question_moderate(question=q, action="answer", note=f"Catatan {SCRIPT}", by=org)
    minutes = Minutes.objects.get(session=session)
    html = minutes_pdf_html(minutes, access=FULL_ACCESS)
    assert_inert(html)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(minutes_pdf(minutes, access=FULL_ACCESS))).pages)
    assert "tanya jawab" in text.lower()
    assert "HYPERLINK" in " ".join(text.split())  # printed as the words it is, nothing evaluates it
