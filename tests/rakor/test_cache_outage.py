"""The participant side survives a Redis outage (rakor/cache.py): pages answer from local memory.

Before: with Redis down the portal, join links, the registration page, /api/v1/events/
and status.json answered 500, because every one of them reads the cache (guess limit,
page cache, session cache, API throttle) and the cache had no fallback.
"""

import logging
import socket

import pytest
import redis
from django.conf import settings as django_settings

from rakor import cache as rakor_cache
from agenda import selectors
from agenda.models import Session
from agenda.services import session_set_status
from tests.factories import RegistrationFactory
from tests.attendance.test_join import MEETING_URL, ONLINE, join_url, make_event, make_session

pytestmark = pytest.mark.django_db


def use_redis_cache(settings, monkeypatch, location: str, *, timeout: float = 0.5, retry: float = 5) -> None:
    """The default cache becomes rakor.cache.ProcessRedisCache at ``location``, fresh for this test."""
    monkeypatch.setattr(rakor_cache, "_shared", {})
    monkeypatch.setattr(selectors, "_process_cache", None)
    selectors._local_sessions.clear()
    settings.REDIS_CACHE_TIMEOUT = timeout
    settings.REDIS_CACHE_RETRY_SECONDS = retry
    settings.CACHES = {"default": {
        "BACKEND": "rakor.cache.ProcessRedisCache", "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
    }}


@pytest.fixture
def people():
    event = make_event()
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    registration = RegistrationFactory(event=event, modes=[ONLINE] * len(event.days),
                                       participant__full_name="Drs. H. Mahmud Yunus, M.Si.")
    return event, session, registration


def participant_side(client, event, session, registration) -> list:
    """What a participant gets from the five pages, as they would see it."""
    portal = client.get(registration.portal_path)
    join = client.get(join_url(registration, session))
    register = client.get(f"/e/{event.slug}/register/")
    events = client.get("/api/v1/events/")
    status = client.get(f"/e/{event.slug}/sessions/status.json")
    return [
        (portal.status_code, "Drs. H. Mahmud Yunus, M.Si." in portal.content.decode()),
        (join.status_code, join.get("Location")),
        (register.status_code, "Pendaftaran peserta" in register.content.decode()),
        (events.status_code, [e["slug"] for e in events.json()["results"]] if events.status_code == 200 else None),
        (status.status_code,
         [(s["id"], s["status"]) for s in status.json()["sessions"]] if status.status_code == 200 else None),
    ]


def normal(event, session, *, status="live") -> list:
    return [(200, True), (302, MEETING_URL), (200, True), (200, [event.slug]), (200, [(session.pk, status)])]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outage_logs(caplog) -> list:
    """The cache's log lines, without their details (the error, the duration)."""
    return [(r.levelname, r.getMessage().split(" (")[0].split(" after")[0])
            for r in caplog.records if r.name == "rakor.cache"]


def test_an_unreachable_redis_serves_every_participant_page_and_logs_once(client, people, settings, monkeypatch,
                                                                         caplog):
    event, session, registration = people
    location = f"redis://127.0.0.1:{closed_port()}/0"
    use_redis_cache(settings, monkeypatch, location)
    caplog.set_level(logging.INFO, logger="rakor.cache")
    assert participant_side(client, event, session, registration) == normal(event, session)
    assert participant_side(client, event, session, registration) == normal(event, session)
    assert outage_logs(caplog) == [("ERROR", f"Redis cache {location} unreachable")]


def test_a_redis_that_stops_answering_is_left_after_its_timeout(client, people, settings, monkeypatch):
    """A host that accepts the connection and never replies (a hung Redis): the socket timeout lets go."""
    event, session, registration = people
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshakes; nobody ever answers
        use_redis_cache(settings, monkeypatch, f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=0.2)
        assert participant_side(client, event, session, registration) == normal(event, session)


def test_signing_in_and_registering_work_without_redis(client, people, settings, monkeypatch):
    """Sessions are in the database, the sign-in throttle too; saving a registration bumps a cache key."""
    from tests.factories import organiser

    event, _, _ = people
    use_redis_cache(settings, monkeypatch, f"redis://127.0.0.1:{closed_port()}/0")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = organiser()
    user.set_password("Kata-Sandi-Panitia-2030")
    user.save()
    response = client.post("/akun/masuk/", {"username": user.username, "password": "Kata-Sandi-Panitia-2030"})
    assert (response.status_code, response["Location"]) == (302, "/akun/beranda/")  # the landing per role


needs_redis = pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs REDIS_URL (CI's second run)")


@needs_redis
def test_redis_killed_mid_test_then_back(client, people, settings, monkeypatch, caplog):
    """Real Redis, then every command refused (as when Redis dies), then Redis again.

    A change made during the outage (the session ended) must not be hidden afterwards by
    what Redis cached before it (the session, live, for five minutes).
    """
    event, session, registration = people
    use_redis_cache(settings, monkeypatch, django_settings.REDIS_URL, retry=0)
    caplog.set_level(logging.INFO, logger="rakor.cache")
    assert participant_side(client, event, session, registration) == normal(event, session)
    assert selectors.process_cache().get(f"rakor:session:{session.pk}") is not None  # cached in Redis

    def refused(*args, **kwargs):
        raise redis.ConnectionError("Error 111 connecting to redis. Connection refused.")

    with monkeypatch.context() as outage:
        outage.setattr(redis.Redis, "execute_command", refused)
        assert participant_side(client, event, session, registration) == normal(event, session)
        session_set_status(session=session, status=Session.Status.ENDED)
        selectors._local_sessions.clear()
        waiting = client.get(join_url(registration, session))
        assert (waiting.status_code, "Sesi telah berakhir" in waiting.content.decode()) == (200, True)

    selectors._local_sessions.clear()
    waiting = client.get(join_url(registration, session))
    assert (waiting.status_code, "Sesi telah berakhir" in waiting.content.decode()) == (200, True)
    location = django_settings.REDIS_URL
    assert outage_logs(caplog) == [("ERROR", f"Redis cache {location} unreachable"),
                                   ("WARNING", f"Redis cache {location} reachable again")]


def test_while_redis_is_away_values_live_briefly_and_counters_keep_their_window(settings, monkeypatch):
    """Other processes cannot see this one's invalidations: what is set lives seconds, a window stays a window."""
    import time

    from django.core.cache import cache

    use_redis_cache(settings, monkeypatch, f"redis://127.0.0.1:{closed_port()}/0")
    cache.set("rakor:session:1", "live", 300)
    cache.set("forever", 1, None)
    cache.add("rakor:portal-guess:192.0.2.1", 0, 600)
    assert (cache.get("rakor:session:1"), cache.incr("rakor:portal-guess:192.0.2.1")) == ("live", 1)
    local = cache._cache.outage.local
    lifetimes = {key.rsplit(":", 2)[-1] if "guess" not in key else "guess": round(expiry - time.time())
                 for key, expiry in local._expire_info.items()}
    assert max(lifetimes["1"], lifetimes["forever"]) <= rakor_cache.FALLBACK_MAX_SECONDS
    assert lifetimes["guess"] > 500
    with pytest.raises(ValueError):
        cache.incr("never-set")  # as with Redis: the rate limit's own fallback handles it


@needs_redis
def test_after_many_changes_every_django_key_is_forgotten_and_nothing_else(settings, monkeypatch):
    from django.core.cache import cache

    use_redis_cache(settings, monkeypatch, django_settings.REDIS_URL, retry=0)
    monkeypatch.setattr(rakor_cache, "FALLBACK_MAX_KEYS", 3)
    raw = cache._cache.get_client(write=True)
    raw.set("asgi:group:kept", b"channel layer")
    cache.set("cached-before", "stale", 300)

    def refused(*args, **kwargs):
        raise redis.ConnectionError("Connection refused.")

    with monkeypatch.context() as outage:
        outage.setattr(redis.Redis, "execute_command", refused)
        for i in range(5):
            cache.set(f"during-{i}", i, 300)
    assert cache.get("cached-before") is None
    assert raw.get("asgi:group:kept") == b"channel layer"
    raw.delete("asgi:group:kept")
