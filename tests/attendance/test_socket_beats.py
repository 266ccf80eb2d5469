"""Heartbeats over the portal's session socket (issue 15, item 3): the same rule and the same minutes as the POST.

The page sends ``{"type":"beat","session":<id>}`` on its open socket when the snapshot says the server takes
beats (``"beats": true``: beats collected in Redis); agenda.consumers hands it to the taker attendance registered
(attendance.online.fastpath.take_socket_beat, the POSTed heartbeat's rule and memory). Most tests need
REDIS_URL (CI's PostgreSQL + Redis run).
"""

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from agenda.models import Session
from attendance.models import OnlineAttendance
from attendance.online import beats, fastpath, services
from tests.agenda.test_consumers import release_loop_connections, socket
from tests.asgi_client import AsgiClient
from tests.attendance.test_fastpath import needs_redis, real_redis  # noqa: F401 (a fixture)
from tests.attendance.test_join import make_event, make_session, online_registration

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_memory():
    fastpath.SERVED_BEATS.targets.clear()
    fastpath.SERVED_BEATS.sessions.clear()


def on_socket(secret: str, slug: str, session_ids: list, *, settle: float = 0.3) -> tuple[dict, list]:
    """Open the portal's socket with ``secret``, send one beat per session id; (the snapshot, what came back)."""

    async def body():
        from django.db import connections

        comm = await socket(slug, secret=secret)
        try:
            connected, _ = await comm.connect()
            assert connected is True
            snapshot = await comm.receive_json_from(timeout=5)
            for session_id in session_ids:
                await comm.send_json_to({"type": "beat", "session": session_id})
            answers = []
            while not await comm.receive_nothing(timeout=settle):  # (a timed-out receive would end the consumer)
                answers.append(await comm.receive_json_from(timeout=5))
            return snapshot, answers
        finally:
            await comm.disconnect()
            await sync_to_async(connections.close_all)()

    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, body()).result(timeout=60)
    finally:
        release_loop_connections()


def joined(event, session, n=1):
    people = [online_registration(event) for _ in range(n)]
    for reg in people:
        services.session_join(registration=reg, session=session)
    OnlineAttendance.objects.filter(session=session).update(
        first_joined_at=timezone.now() - dt.timedelta(minutes=1, seconds=2))
    return people


def minutes(reg, session):
    return OnlineAttendance.objects.get(registration=reg, session=session).heartbeat_minutes


@pytest.fixture
def collected(real_redis):  # noqa: F811 (the fixture imported above)
    """Beats collected in a Redis of the test's own (tests/attendance/test_fastpath.py's keys)."""
    return real_redis


@pytest.fixture
def live():
    event = make_event()
    return event, make_session(event, starts_in=-10, status=Session.Status.LIVE)


@needs_redis
def test_a_beat_over_the_socket_is_folded_into_the_minutes_a_posted_beat_gives(live, collected):
    event, session = live
    by_socket, by_post = joined(event, session, n=2)
    snapshot, answers = on_socket(by_socket.portal_secret, event.slug, [session.pk, session.pk])
    assert (snapshot["beats"], answers) == (True, [])  # offered, and nothing sent back for a recorded beat
    response = AsgiClient().post(f"/t/{by_post.portal_secret}/heartbeat/{session.pk}/", data="{}")
    assert (response.status_code, response.json()) == (200, {"minutes": None})
    assert (minutes(by_socket, session), minutes(by_post, session)) == (0, 0)  # no row written per beat
    assert collected.hlen(beats.beats_key(session.pk)) == 2  # one beat per person per interval
    beats.fold_beats()
    assert (minutes(by_socket, session), minutes(by_post, session)) == (1, 1)


@needs_redis
def test_a_session_not_joined_or_not_running_records_nothing(live, collected):
    event, session = live
    other = make_session(event, starts_in=-10, status=Session.Status.LIVE, title="Pleno II")
    later = make_session(event, starts_in=120, title="Pleno III")
    reg, = joined(event, session)
    services.session_join(registration=reg, session=later, now=timezone.now())  # joined, but not running yet
    _snapshot, answers = on_socket(reg.portal_secret, event.slug, [other.pk, later.pk, 999_999])
    assert answers == [{"type": "beat", "session": other.pk, "stop": True},
                       {"type": "beat", "session": 999_999, "stop": True}]  # the POST's 403 and 404 stop the page too
    assert [collected.exists(beats.beats_key(s)) for s in (other.pk, later.pk, 999_999)] == [0, 0, 0]


@needs_redis
def test_another_persons_session_cannot_be_beaten_with_your_socket(live, collected):
    event, session = live
    theirs, = joined(event, session)
    mine = online_registration(event)  # my socket, their session
    _snapshot, answers = on_socket(mine.portal_secret, event.slug, [session.pk])
    assert answers == [{"type": "beat", "session": session.pk, "stop": True}]
    assert not collected.exists(beats.beats_key(session.pk))
    beats.fold_beats()
    assert minutes(theirs, session) == 0


def test_without_redis_the_socket_offers_no_beats_and_takes_none(live, settings):
    event, session = live
    settings.REDIS_URL = ""
    reg, = joined(event, session)
    snapshot, answers = on_socket(reg.portal_secret, event.slug, [session.pk])
    assert ("beats" in snapshot, answers) == (False, [])
    assert minutes(reg, session) == 0  # the page POSTs instead (written through by Django's view)


@needs_redis
def test_with_the_fast_path_off_the_socket_offers_no_beats(live, collected, settings):
    event, session = live
    settings.ONLINE_FAST_PATH = False
    reg, = joined(event, session)
    snapshot, answers = on_socket(reg.portal_secret, event.slug, [session.pk])
    assert ("beats" in snapshot, answers) == (False, [])
    assert not collected.exists(beats.beats_key(session.pk))  # every heartbeat is Django's then
