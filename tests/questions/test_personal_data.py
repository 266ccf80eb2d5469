"""A person's questions are in their "my data", and an erasure erases them and their votes."""

import pytest
from django.urls import reverse

from attendance import services
from questions.models import Question, Vote
from tests.factories import organiser

from .helpers import live_session, make_event, participant, question

pytestmark = pytest.mark.django_db


def test_my_data_lists_my_questions(client):
    event = make_event()
    session = live_session(event)
    reg = participant(event)
    question(session, reg, text="Pertanyaan milik saya tentang SPIP")
    page = client.get(reverse("attendance:portal_data", args=[reg.portal_secret])).content.decode()
    assert "Pertanyaan yang Anda ajukan" in page and "Pertanyaan milik saya tentang SPIP" in page


def test_erasure_deletes_the_persons_questions_and_votes():
    event = make_event()
    session = live_session(event)
    reg, other = participant(event), participant(event, name="Orang Lain", unit="Kanwil Bali")
    mine, theirs = question(session, reg), question(session, other, text="Pertanyaan orang lain")
    Vote.objects.create(question=theirs, registration=reg)
    Vote.objects.create(question=mine, registration=other)
    services.participant_erase(participant=reg.participant, by=organiser())
    assert list(Question.objects.values_list("text", flat=True)) == ["Pertanyaan orang lain"]
    assert Vote.objects.count() == 0
