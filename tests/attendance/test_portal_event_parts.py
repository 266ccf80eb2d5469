"""What the portal's parts read per event (the evaluation's questionnaire, the questions' settings) is kept in
each process (attendance.portal_cache.event_part): a warm portal reads none of it, and a change shows on this
node at once, on every other node within localcache.CHECK_SECONDS, and without a signal within
EVENT_PARTS_SECONDS."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import portal_cache
from evaluation import selectors as evaluation_selectors
from evaluation import services as evaluation_services
from evaluation.models import Questionnaire
from questions.models import QuestionSettings
from questions.selectors import allow_anonymous, cached_allow_anonymous
from rakor import localcache
from rakor.localcache import CHECK_SECONDS, NodeLocalCache
from tests.questions.helpers import live_session, make_event, participant

pytestmark = pytest.mark.django_db


class Clock:
    now = 100.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(localcache, "time", clock)
    return clock


@pytest.fixture
def other_node(monkeypatch):
    """Reads as another server process would: its own copies, the same shared generation."""
    there = NodeLocalCache("portal-event-parts", ttl=portal_cache.EVENT_PARTS_SECONDS)

    def read(read_part):
        with monkeypatch.context() as m:
            m.setattr(portal_cache, "_event_parts", there)
            return read_part()

    return read


def questionnaire_row(q):
    return None if q is None else ([getattr(q, f.attname) for f in Questionnaire._meta.concrete_fields], q.n_items)


def test_a_warm_portal_reads_neither_the_questionnaire_nor_the_question_settings(client):
    event = make_event()
    live_session(event)
    QuestionSettings.objects.create(event=event, allow_anonymous=True)
    evaluation_services.questionnaire_create_default(event=event)
    first, second = participant(event), participant(event, name="Siti Aminah, S.E.")
    page = client.get(first.portal_path).content.decode()
    assert "Evaluasi" in page and 'data-qa-session="' in page  # the card and the box are there
    with CaptureQueriesContext(connection) as queries:
        again = client.get(second.portal_path).content.decode()
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "evaluation_questionnaire" not in tables and "questions_questionsettings" not in tables
    assert again.count("Evaluasi") == page.count("Evaluasi") and 'data-qa-session="' in again


def test_the_kept_questionnaire_is_the_databases(clock):
    event = make_event()
    assert evaluation_selectors.cached_questionnaire_for(event) is None
    evaluation_services.questionnaire_create_default(event=event)
    kept = evaluation_selectors.cached_questionnaire_for(event)
    assert questionnaire_row(kept) == questionnaire_row(evaluation_selectors.questionnaire_for(event))
    assert kept.n_items > 0
    with CaptureQueriesContext(connection) as queries:
        assert evaluation_selectors.cached_questionnaire_for(event).event is event  # no query: the event given
    assert len(queries) == 0


def test_a_change_shows_on_another_node_within_check_seconds(clock, other_node, django_capture_on_commit_callbacks):
    event = make_event()
    assert other_node(lambda: cached_allow_anonymous(event.pk)) is False
    assert other_node(lambda: evaluation_selectors.cached_questionnaire_for(event)) is None
    with django_capture_on_commit_callbacks(execute=True):
        QuestionSettings.objects.create(event=event, allow_anonymous=True)
        evaluation_services.questionnaire_create_default(event=event)  # items by bulk insert: no signal of theirs
    assert cached_allow_anonymous(event.pk) is True  # this node: at once
    assert other_node(lambda: cached_allow_anonymous(event.pk)) is False  # the other: until its next check
    clock.now += CHECK_SECONDS + 0.01
    assert other_node(lambda: cached_allow_anonymous(event.pk)) is True
    kept = other_node(lambda: evaluation_selectors.cached_questionnaire_for(event))
    assert questionnaire_row(kept) == questionnaire_row(evaluation_selectors.questionnaire_for(event))
    assert kept.n_items > 0

    questionnaire = event.evaluation_questionnaire
    questionnaire.closes_at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire.save()
        QuestionSettings.objects.filter(event=event).get().delete()
    clock.now += CHECK_SECONDS + 0.01
    assert other_node(lambda: evaluation_selectors.cached_questionnaire_for(event)).closes_at == questionnaire.closes_at
    assert other_node(lambda: cached_allow_anonymous(event.pk)) is False


def test_a_write_that_sends_no_signal_shows_within_the_entries_lifetime(clock):
    event = make_event()
    QuestionSettings.objects.create(event=event, allow_anonymous=False)
    assert cached_allow_anonymous(event.pk) is False
    QuestionSettings.objects.filter(event=event).update(allow_anonymous=True)  # no signal
    assert allow_anonymous(event.pk) is True and cached_allow_anonymous(event.pk) is False
    clock.now += portal_cache.EVENT_PARTS_SECONDS + 0.01
    assert cached_allow_anonymous(event.pk) is True
