"""Votes count once per person, whatever the races (the unique constraint decides, not a check before it)."""

import threading

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from questions.models import Vote
from questions.selectors import public_snapshot
from questions.services import question_vote

from .helpers import live_session, make_event, participant, question

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need PostgreSQL's row locking")


@pytest.fixture(autouse=True)
def _clear_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_the_database_refuses_a_second_vote_of_the_same_person():
    event = make_event()
    session = live_session(event)
    q, voter = question(session, participant(event)), participant(event, name="Pendukung", unit="Kanwil Riau")
    Vote.objects.create(question=q, registration=voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(question=q, registration=voter)
    assert question_vote(registration=voter, question=q) is False
    assert public_snapshot(session)["waiting"][0]["votes"] == 1


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_one_vote_per_person_when_many_tap_at_once():
    event = make_event()
    session = live_session(event)
    q = question(session, participant(event))
    voters = [participant(event, name=f"Peserta {i}", unit=f"Kankemenag Kab. Uji {i}") for i in range(4)]
    # Every voter taps five times at once (a double tap, several tabs, a retrying phone).
    paths = [reverse("questions:portal_vote", args=[v.portal_secret, session.pk, q.pk]) for v in voters for _ in range(5)]
    barrier = threading.Barrier(len(paths))
    answers = []

    def tap(path):
        try:
            barrier.wait(timeout=10)
            response = Client().post(path, HTTP_ACCEPT="application/json")
            answers.append(response.json()["result"] if response.status_code == 200 else response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=tap, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == sorted(["ok"] * 4 + ["already_voted"] * 16)
    assert Vote.objects.filter(question=q).count() == 4
    assert public_snapshot(session)["waiting"][0]["votes"] == 4
