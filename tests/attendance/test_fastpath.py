"""The herd's join and heartbeat (issue 15, items 2 and 3): answered in front of Django, beats folded in batches.

attendance.online.fastpath answers a recorded join and a collected heartbeat before Django;
attendance.online.beats collects heartbeats in Redis and folds them into OnlineAttendance.
Without a Redis server the collector's tests use an in-memory stand-in (fake_redis); the last
tests need REDIS_URL (CI's PostgreSQL + Redis run).
"""

import datetime as dt
import os

import pytest
from django.core.signals import request_started
from django.test import Client
from django.utils import timezone

from agenda.models import Session
from attendance.models import CheckIn, OnlineAttendance
from attendance.online import beats, services
from tests.asgi_client import AsgiClient
from tests.attendance.fake_redis import FakeRedis
from tests.attendance.test_join import MEETING_URL, join_url, make_event, make_session, online_registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = ("Content-Security-Policy", "Permissions-Policy", "X-Content-Type-Options",
                    "Cross-Origin-Opener-Policy", "X-Frame-Options", "Cache-Control", "Referrer-Policy", "X-Robots-Tag")


@pytest.fixture(autouse=True)
def fresh_fast_path():
    """The fast path's per-process memory (who joined, the sessions' state) starts empty in each test."""
    from rakor.asgi import application

    fast = application.application_mapping["http"]
    fast._targets.clear()
    fast._sessions.clear()


@pytest.fixture
def served_by():
    senders = []

    from django.core.handlers.asgi import ASGIHandler

    def record(sender, **kwargs):
        if isinstance(sender, type) and issubclass(sender, ASGIHandler):  # rakor.middleware.InlineASGIHandler too
            sender = ASGIHandler
        senders.append(getattr(sender, "__name__", str(sender)))

    request_started.connect(record)
    yield senders
    request_started.disconnect(record)


@pytest.fixture
def live():
    event = make_event()
    return event, make_session(event, starts_in=-10, status=Session.Status.LIVE)


def rows(reg, session):
    mine = CheckIn.objects.filter(registration=reg, session=session)
    return (list(mine.order_by("pk").values_list("result", flat=True)),
            OnlineAttendance.objects.filter(registration=reg, session=session).count())


# ---------------------------------------------------------------- the join link in front of Django


def test_a_join_is_answered_in_front_of_django_with_the_same_headers(live, served_by):
    event, session = live
    a, b = online_registration(event), online_registration(event)
    lean = AsgiClient().get(join_url(a, session))
    assert served_by == ["OnlineFastPath"]  # Django's handler never saw it
    django = Client().get(join_url(b, session))
    assert (lean.status_code, lean["Location"]) == (django.status_code, django["Location"]) == (302, MEETING_URL)
    assert {h: lean[h] for h in SECURITY_HEADERS} == {h: django[h] for h in SECURITY_HEADERS}
    assert lean["Referrer-Policy"] == "no-referrer" and lean["Cache-Control"] == "private, no-store"
    assert lean.content == b""


def test_a_repeat_tap_records_nothing_twice(live):
    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    answers = [client.get(join_url(reg, session)) for _ in range(3)]
    assert [(r.status_code, r["Location"]) for r in answers] == [(302, MEETING_URL)] * 3
    # One accepted row and one attendance row; each repeat is the audit row of its decision, as at the door.
    assert rows(reg, session) == (["ok", "already_checked_in", "already_checked_in"], 1)


def test_a_ticket_revoked_after_the_join_is_refused_on_the_next_tap(live):
    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    assert client.get(join_url(reg, session)).status_code == 302
    reg.ticket_revoked_at = timezone.now()
    reg.save(update_fields=["ticket_revoked_at"])
    response = client.get(join_url(reg, session))
    assert response.status_code == 200
    assert "dicabut" in response.content.decode() or "tidak" in response.content.decode()
    assert MEETING_URL.encode() not in response.content
    assert rows(reg, session) == (["ok"], 1)


def test_another_events_session_and_unknown_secrets_go_to_django_and_count_as_guesses(live, settings):
    event, session = live
    settings.PORTAL_GUESS_LIMIT = 2
    stranger = RegistrationFactory()  # another event's registration
    client = AsgiClient(client_ip="203.0.113.9")
    assert client.get(join_url(stranger, session)).status_code == 404
    answers = [client.get(f"/t/{'x' * 40}{i}/join/{session.pk}/").status_code for i in range(3)]
    assert answers == [404, 404, 429]
    assert CheckIn.objects.count() == 0
    # A correct secret is still served from that address.
    reg = online_registration(event)
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL


def test_plain_http_where_https_is_required_is_left_to_django(live, settings, served_by):
    event, session = live
    settings.SECURE_SSL_REDIRECT = True
    reg = online_registration(event)
    AsgiClient().get(join_url(reg, session))
    assert served_by == ["ASGIHandler"]  # Django's SecurityMiddleware redirects to HTTPS (read when it started)
    settings.SECURE_HSTS_SECONDS = 3600
    secure = AsgiClient(scheme="https").get(join_url(reg, session))
    assert (secure.status_code, secure["Strict-Transport-Security"]) == (302, "max-age=3600; includeSubDomains")


def test_a_host_not_allowed_is_left_to_django(live, settings):
    event, session = live
    reg = online_registration(event)
    assert AsgiClient(host="evil.example").get(join_url(reg, session)).status_code == 400
    assert CheckIn.objects.count() == 0


# ---------------------------------------------------------------- heartbeats folded in batches


@pytest.fixture
def fake_redis(monkeypatch):
    fake = FakeRedis()
    monkeypatch.setattr(beats, "redis_client", lambda: fake)
    return fake


def joined_at(event, session, t0, n=2):
    people = []
    for _ in range(n):
        reg = online_registration(event)
        services.session_join(registration=reg, session=session, now=t0)
        people.append(reg)
    OnlineAttendance.objects.filter(session=session).update(first_joined_at=t0)
    return people


def state(reg, session):
    oa = OnlineAttendance.objects.get(registration=reg, session=session)
    return oa.heartbeat_minutes, oa.last_heartbeat_at


# A participant's beats, seconds after the join: a minute apart with jitter, a late one after a laptop slept.
BEATS = [30, 65, 110, 170, 236, 290, 355, 3700, 3760, 3830, 3870]


def test_folded_beats_give_the_minutes_the_beats_written_through_gave(live, fake_redis):
    event, session = live
    t0 = timezone.now() - dt.timedelta(hours=2)
    old, new = joined_at(event, session, t0)
    for s in BEATS:
        at = t0 + dt.timedelta(seconds=s)
        services.online_attendance_heartbeat(registration=old, session=session, now=at)
        beats.record_beat(session.pk, new.pk, at)
    assert state(new, session) == (0, None)  # nothing written per beat
    counts = beats.fold_beats()
    assert (counts["sessions"], counts["beats"], counts["rows"]) == (1, len(BEATS), 1)
    assert state(new, session) == state(old, session)
    assert state(new, session)[0] == 9
    assert beats.fold_beats()["beats"] == 0  # folded once


def test_a_beat_sent_twice_in_one_interval_counts_once(live, fake_redis):
    event, session = live
    t0 = timezone.now() - dt.timedelta(hours=1)
    (reg,) = joined_at(event, session, t0, n=1)
    for s in (61, 62, 75):  # a retry and a double tap within the same 30 s
        beats.record_beat(session.pk, reg.pk, (t0 + dt.timedelta(seconds=s)))
    beats.fold_beats()
    assert state(reg, session)[0] == 1


def test_a_fold_interrupted_midway_loses_and_doubles_nothing(live, fake_redis, monkeypatch):
    event, session = live
    t0 = timezone.now() - dt.timedelta(hours=2)
    people = joined_at(event, session, t0, n=4)
    for reg in people:
        for s in BEATS:
            beats.record_beat(session.pk, reg.pk, (t0 + dt.timedelta(seconds=s)))
    monkeypatch.setattr(beats, "FOLD_BATCH", 1)
    fold_rows, calls = beats._fold_rows, []

    def dies_after_two(session_id, batch):
        calls.append(session_id)
        if len(calls) > 2:
            raise SystemExit("the worker died")
        return fold_rows(session_id, batch)

    monkeypatch.setattr(beats, "_fold_rows", dies_after_two)
    with pytest.raises(SystemExit):
        beats.fold_beats()
    assert sorted(state(r, session)[0] for r in people) == [0, 0, 9, 9]  # two batches committed
    # A beat that arrives before the next fold goes to a new hash: folded too.
    beats.record_beat(session.pk, people[0].pk, (t0 + dt.timedelta(seconds=3935)))
    monkeypatch.setattr(beats, "_fold_rows", fold_rows)
    counts = beats.fold_beats()
    assert counts["leftovers"] == 1
    assert [state(r, session)[0] for r in people] == [10, 9, 9, 9]
    assert not fake_redis.scan_iter(match=beats.FOLDING + "*")


def test_beats_of_someone_who_never_joined_count_nothing(live, fake_redis):
    event, session = live
    stranger = online_registration(event)
    beats.record_beat(session.pk, stranger.pk, timezone.now())
    beats.fold_beats()
    assert OnlineAttendance.objects.count() == 0


def test_the_fold_is_a_periodic_task_on_the_periodic_queue(settings):
    from rakor.celery import app

    entry = app.conf.beat_schedule["attendance-fold-heartbeats"]
    assert (entry["task"], entry["schedule"]) == ("attendance.tasks.fold_heartbeats_task",
                                                 settings.HEARTBEAT_FOLD_SECONDS)
    assert settings.CELERY_TASK_ROUTES["attendance.tasks.fold_heartbeats_task"] == {"queue": "periodic"}


def test_without_redis_a_heartbeat_is_written_through(live, settings, served_by):
    event, session = live
    settings.REDIS_URL = ""
    reg = online_registration(event)
    client = AsgiClient()
    assert client.get(join_url(reg, session)).status_code == 302
    OnlineAttendance.objects.update(first_joined_at=timezone.now() - dt.timedelta(minutes=1, seconds=2))
    response = client.post(f"/t/{reg.portal_secret}/heartbeat/{session.pk}/", data="{}")
    assert (response.status_code, response.json()) == (200, {"minutes": 1})
    assert served_by[-1] == "ASGIHandler"


# ---------------------------------------------------------------- with a Redis server

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's PostgreSQL + Redis run)")


@pytest.fixture
def real_redis(settings, monkeypatch):
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    monkeypatch.setattr(beats, "PREFIX", "rakor:test-beats")
    monkeypatch.setattr(beats, "PENDING", "rakor:test-beats:pending")
    monkeypatch.setattr(beats, "FOLDING", "rakor:test-beats:folding:")
    monkeypatch.setattr(beats, "TARGETS_GENERATION", "rakor:test-beats:targets-generation")
    for key in client.scan_iter(match="rakor:test-beats*"):
        client.delete(key)
    settings.REDIS_URL = os.environ["REDIS_URL"]
    monkeypatch.setattr(beats, "_client", client)
    yield client
    for key in client.scan_iter(match="rakor:test-beats*"):
        client.delete(key)


@needs_redis
def test_a_served_heartbeat_writes_no_row_and_the_fold_counts_it(live, real_redis, served_by):
    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    assert client.get(join_url(reg, session)).status_code == 302
    OnlineAttendance.objects.update(first_joined_at=timezone.now() - dt.timedelta(minutes=1, seconds=2))
    served_by.clear()
    url = f"/t/{reg.portal_secret}/heartbeat/{session.pk}/"
    answers = [client.post(url, data="{}") for _ in range(2)]
    assert [(r.status_code, r.json(), r["Cache-Control"]) for r in answers] == [
        (200, {"minutes": None}, "private, no-store")] * 2
    assert "ASGIHandler" not in served_by
    assert state(reg, session)[0] == 0  # no row written per beat
    assert real_redis.hlen(beats.beats_key(session.pk)) == 1  # one beat per person per interval
    beats.fold_beats()
    assert state(reg, session)[0] == 1


@needs_redis
def test_a_served_heartbeat_keeps_the_refusals(live, real_redis):
    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    url = f"/t/{reg.portal_secret}/heartbeat/{session.pk}/"
    response = client.post(url, data="{}")
    assert (response.status_code, response.json()["code"]) == (403, "not_joined")
    assert client.post(f"/t/{'y' * 43}/heartbeat/{session.pk}/", data="{}").status_code == 404
    assert not real_redis.exists(beats.beats_key(session.pk))


@needs_redis
def test_folded_beats_from_redis_give_the_minutes_written_through(live, real_redis):
    event, session = live
    t0 = timezone.now() - dt.timedelta(hours=2)
    old, new = joined_at(event, session, t0)
    for s in BEATS:
        at = t0 + dt.timedelta(seconds=s)
        services.online_attendance_heartbeat(registration=old, session=session, now=at)
        beats.record_beat(session.pk, new.pk, at)
    beats.fold_beats()
    assert state(new, session) == state(old, session)


@needs_redis
def test_a_new_portal_secret_is_no_longer_heard_by_the_fast_path(live, real_redis, django_capture_on_commit_callbacks):
    from attendance.models import new_portal_secret

    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    assert client.get(join_url(reg, session)).status_code == 302
    old = f"/t/{reg.portal_secret}/heartbeat/{session.pk}/"
    assert client.post(old, data="{}").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        reg.portal_secret = new_portal_secret()
        reg.save(update_fields=["portal_secret"])
    client.post(old, data="{}")  # the beat that reads the new generation
    assert client.post(old, data="{}").status_code == 404  # the old link is unknown again


# ---------------------------------------------------------------- counted and logged as Django's answers are


@pytest.fixture
def node_log():
    """What the console handler (settings.LOGGING) writes, as the node's stderr would hold it."""
    import io
    import logging

    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield stream
    handler.setStream(old)


def request_lines(stream) -> list[tuple]:
    import json

    entries = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [(e["request_id"], e["method"], e["route"], e["view"], e["status"])
            for e in entries if e["logger"] == "rakor.request"]


def counts(view: str, method: str, status: str) -> tuple:
    from prometheus_client import REGISTRY

    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    return (value("django_http_responses_total_by_status_view_method_total", status=status, view=view, method=method),
            value("django_http_requests_total_by_view_transport_method_total", view=view, transport="http",
                  method=method),
            value("django_http_requests_latency_seconds_by_view_method_count", view=view, method=method),
            value("django_http_responses_total_by_status_total", status=status),
            value("django_http_requests_total_by_method_total", method=method))


def test_a_fast_path_join_is_counted_and_logged_as_django_counts_and_logs_a_join(live, served_by, node_log):
    event, session = live
    a, b = online_registration(event), online_registration(event)
    before = counts("sessions_join:join", "GET", "302")
    lean = AsgiClient().get(join_url(a, session))
    assert served_by == ["OnlineFastPath"]
    after_lean = counts("sessions_join:join", "GET", "302")
    django = Client().get(join_url(b, session))
    after_django = counts("sessions_join:join", "GET", "302")
    assert [x - y for x, y in zip(after_lean, before)] == [1.0] * 5
    assert [x - y for x, y in zip(after_django, after_lean)] == [1.0] * 5
    route = "t/<str:secret>/join/<int:session_id>/"
    assert request_lines(node_log) == [(lean["X-Request-ID"], "GET", route, "sessions_join:join", 302),
                                       (django["X-Request-ID"], "GET", route, "sessions_join:join", 302)]
    assert lean["X-Request-ID"] != django["X-Request-ID"]
    assert a.portal_secret not in node_log.getvalue()


def test_the_id_a_trusted_proxy_gave_a_fast_path_join_is_kept(live, settings, node_log):
    event, session = live
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    rid = "5f0c3e2b9d8a4f61a7e1c2d3b4a59687"
    trusted = AsgiClient(client_ip="10.0.0.5").get(join_url(online_registration(event), session),
                                                   headers={"X-Request-ID": rid})
    assert not trusted.has_header("X-Request-ID")  # nginx adds its own header with the same id
    forged = AsgiClient(client_ip="203.0.113.9").get(join_url(online_registration(event), session),
                                                     headers={"X-Request-ID": rid})
    assert (trusted.status_code, forged.status_code) == (302, 302)
    assert forged["X-Request-ID"] != rid
    assert [line[0] for line in request_lines(node_log)] == [rid, forged["X-Request-ID"]]


@needs_redis
def test_a_served_heartbeat_is_counted_and_logged_with_its_request_id(live, real_redis, served_by, node_log):
    event, session = live
    reg = online_registration(event)
    client = AsgiClient()
    assert client.get(join_url(reg, session)).status_code == 302
    before = counts("sessions_join:heartbeat", "POST", "200")
    served_by.clear()
    beat = client.post(f"/t/{reg.portal_secret}/heartbeat/{session.pk}/", data="{}")
    assert "ASGIHandler" not in served_by
    assert [x - y for x, y in zip(counts("sessions_join:heartbeat", "POST", "200"), before)] == [1.0] * 5
    assert request_lines(node_log)[-1] == (beat["X-Request-ID"], "POST", "t/<str:secret>/heartbeat/<int:session_id>/",
                                           "sessions_join:heartbeat", 200)
    assert reg.portal_secret not in node_log.getvalue()
