"""Answered questions go into the session's minutes draft (Tanya jawab) and into the notula PDF."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from minutes.documents import minutes_pdf_html
from minutes.models import Minutes
from minutes.policy import FULL_ACCESS
from questions.services import question_moderate
from tests.factories import organiser
from tests.minutes.factories_minutes import content, notulis, open_minutes
from minutes import services as minutes_services

from .helpers import live_session, make_event, moderator_of, participant, question

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear():
    cache.clear()


def test_answering_adds_asker_unit_question_and_note_to_the_draft():
    event = make_event()
    session = live_session(event)
    q = question(session, participant(event))
    moderator = moderator_of(session)
    question_moderate(question=q, action="answer", note="Juknis terbit Januari 2023.", by=moderator)
    minutes = Minutes.objects.get(session=session)
    assert minutes.status == "draft"
    assert minutes.questions == (
        "**Penanya:** Drs. H. Ahmad Fauzi, M.Pd. (Kankemenag Kab. Tasikmalaya)  \n"
        "**Pertanyaan:** Bagaimana tindak lanjut temuan BPK tahun lalu?  \n"
        "**Jawaban:** Juknis terbit Januari 2023.")
    # A second answer is appended; editing the note again does not repeat the question.
    other = question(session, participant(event, name="Hj. Siti Aminah", unit="Kanwil Jawa Tengah"),
                     text="Apakah ada pelatihan SPIP?")
    question_moderate(question=other, action="answer", note="Ada, bulan Maret.", by=moderator)
    question_moderate(question=other, action="answer", note="Ada, bulan Maret (diralat).", by=moderator)
    minutes.refresh_from_db()
    assert minutes.questions.count("**Penanya:**") == 2
    assert "Apakah ada pelatihan SPIP?" in minutes.questions


def test_the_minute_taker_edits_the_section_and_the_pdf_shows_it(client):
    event = make_event()
    session = live_session(event)
    taker = notulis()
    minutes = open_minutes(session, [taker])
    question_moderate(question=question(session, participant(event)), action="answer", note="Segera.", by=organiser())
    minutes.refresh_from_db()
    client.force_login(taker)
    page = client.get(reverse("minutes:detail", args=[event.slug, session.pk])).content.decode()
    assert "Tanya jawab" in page and "Bagaimana tindak lanjut temuan BPK tahun lalu?" in page
    minutes_services.save_draft(minutes=minutes, by=taker, base_revision=minutes.revision_number,
                                content=content(questions="Penanya: Ahmad Fauzi. Jawaban: segera, dirapikan notulis."))
    minutes.refresh_from_db()
    html = minutes_pdf_html(minutes, access=FULL_ACCESS)
    assert "Tanya jawab" in html and "dirapikan notulis" in html


def test_final_minutes_are_not_changed_by_a_late_answer():
    event = make_event()
    session = live_session(event)
    minutes = Minutes.objects.create(session=session, status=Minutes.Status.FINAL, questions="")
    question_moderate(question=question(session, participant(event)), action="answer", note="x", by=organiser())
    minutes.refresh_from_db()
    assert minutes.questions == ""
