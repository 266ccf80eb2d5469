"""A Redis cache whose connections live as long as the server process, and that outlives Redis.

One client per process
----------------------
Django keeps one cache object per thread or async context, and under ASGI every
request runs in a new context: with the stock ``RedisCache`` each request that
touches the cache builds a new client and connection pool and opens a new TCP
connection to Redis (measured on the join storm: 44% of the join's CPU went to
connecting; docs/benchmarks.md). This backend shares one client per process and
location, and one ``redis.Redis`` per connection pool (redis-py's pools and clients
are thread-safe), so a request reuses an open connection.

When Redis is away
------------------
The cache holds nothing that cannot be recomputed (rendered pages, the agenda's
sessions, attendance summaries) or lost (the counters of rate limits). So a Redis
error (connection refused or reset, a timeout: ``REDIS_DOWN``) does not fail the
request: the same shared client serves it from this process's memory instead,
logs the outage once (logger ``rakor.cache``), and tries Redis again at most every
``REDIS_CACHE_RETRY_SECONDS``; in between no request waits on Redis. The client's
connect and socket timeouts (``REDIS_CACHE_TIMEOUT``, settings.CACHES) keep the one
request that tries from stalling on a dead host. While Redis is away:

- rate limits count per process (looser by the number of processes: still a
  limit; the sign-in throttle is in the database and loses nothing);
- other processes cannot see this one's invalidations, so a value *set* during the
  outage lives at most ``FALLBACK_MAX_SECONDS`` here (a session set live elsewhere
  is seen within seconds); counters (``add``/``incr``) keep their windows;
- every key written or deleted is remembered, and deleted from Redis when it comes
  back, so nothing cached before the outage and changed during it is served stale
  afterwards (past ``FALLBACK_MAX_KEYS`` keys, every Django cache key is deleted
  instead; the channel layer's and Celery's keys are left alone).
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

log = logging.getLogger("rakor.cache")

# What "Redis is away" means. TimeoutError is not a ConnectionError in redis-py; BusyLoadingError
# (a restarting Redis loading its data) is.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

FALLBACK_MAX_SECONDS = 5
FALLBACK_MAX_KEYS = 50_000
FALLBACK_MAX_ENTRIES = 20_000


def _identity_key(key, key_prefix, version):
    return key  # the fallback stores the keys the Redis cache has already made


class _Outage:
    """Whether this process's client may use Redis, and what it did meanwhile (one per client)."""

    def __init__(self, location: str):
        self.location = location
        self.lock = threading.Lock()
        self.retry_at: float | None = None  # monotonic; None while Redis answers
        self.since: float | None = None
        self.touched: set[str] = set()
        self.overflow = False
        self.local = LocMemCache(f"rakor-cache-fallback:{location}",
                                 {"OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}, "KEY_FUNCTION": _identity_key})

    def use_redis(self) -> bool:
        """True while Redis is up, and for one caller per retry interval while it is not (that caller probes)."""
        if self.retry_at is None:
            return True
        now = time.monotonic()
        with self.lock:
            if self.retry_at is None:
                return True
            if now < self.retry_at:
                return False
            self.retry_at = now + settings.REDIS_CACHE_RETRY_SECONDS  # the others stay local meanwhile
            return True

    def went_down(self, error: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            first = self.since is None
            if first:
                self.since = now
            self.retry_at = now + settings.REDIS_CACHE_RETRY_SECONDS
        if first:
            log.error("Redis cache %s unreachable (%s: %s): this process serves the cache from its own memory "
                      "and tries Redis again every %s s", self.location, type(error).__name__, error,
                      settings.REDIS_CACHE_RETRY_SECONDS)

    def remember(self, keys) -> None:
        if self.overflow:
            return
        with self.lock:
            self.touched.update(keys)
            if len(self.touched) > FALLBACK_MAX_KEYS:
                self.overflow, self.touched = True, set()

    def forget_all(self) -> None:
        with self.lock:
            self.overflow, self.touched = True, set()

    def recover(self, client: _SharedClient) -> None:
        """Redis answers again: first delete there what changed here meanwhile, then use it for everything.

        Raises REDIS_DOWN (and changes nothing) if Redis is still away. Keys other
        threads change meanwhile (they stay local until this returns) are deleted too.
        """
        client.redis_ping()  # nothing to delete does not mean Redis is back
        deleted: set[str] = set()
        wiped = 0
        while True:
            with self.lock:
                if self.since is None:
                    return
                overflow, pending = self.overflow, self.touched - deleted
                if not overflow and not pending:
                    since = self.since
                    self.retry_at = self.since = None
                    self.touched = set()
                    break
            if overflow:
                wiped += client.delete_every_django_key()
                with self.lock:
                    self.overflow = False
            else:
                ordered = sorted(pending)
                for start in range(0, len(ordered), 1000):
                    client.redis_delete_many(ordered[start:start + 1000])
                deleted |= pending
        self.local.clear()
        log.warning("Redis cache %s reachable again after %.0f s; %d keys changed meanwhile deleted there",
                    self.location, time.monotonic() - since, wiped + len(deleted))


def _capped(timeout):
    """A value set while Redis is away lives here at most FALLBACK_MAX_SECONDS (0: delete, as asked)."""
    if timeout is None or timeout > FALLBACK_MAX_SECONDS:
        return FALLBACK_MAX_SECONDS
    return timeout


class _SharedClient(RedisCacheClient):
    def __init__(self, *args, key_prefix: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._key_prefix = key_prefix
        self.outage = _Outage(",".join(self._servers))
        make = self._client

        def client_for(connection_pool):
            # Django builds a redis.Redis per operation (about 0.1 ms each); one per pool does the same job.
            client = self._clients.get(id(connection_pool))
            if client is None:
                client = self._clients[id(connection_pool)] = make(connection_pool=connection_pool)
            return client

        self._client = client_for

    def _call(self, name: str, *args, touched=(), local_args=None):
        outage = self.outage
        if outage.use_redis():
            try:
                if outage.since is not None:
                    outage.recover(self)  # before the operation, which could otherwise read a stale value
                return getattr(super(), name)(*args)
            except REDIS_DOWN as error:
                outage.went_down(error)
        if touched is None:
            outage.forget_all()
        elif touched:
            outage.remember(touched)
        return getattr(outage.local, name)(*(args if local_args is None else local_args))

    # The operations of RedisCacheClient, on made keys and backend timeouts (seconds or None).

    def get(self, key, default):
        return self._call("get", key, default)

    def get_many(self, keys):
        keys = list(keys)
        return self._call("get_many", keys)

    def has_key(self, key):
        return self._call("has_key", key)

    def add(self, key, value, timeout):
        return self._call("add", key, value, timeout, touched=(key,))

    def incr(self, key, delta):
        return self._call("incr", key, delta, touched=(key,))

    def set(self, key, value, timeout):
        return self._call("set", key, value, timeout, touched=(key,), local_args=(key, value, _capped(timeout)))

    def set_many(self, data, timeout):
        return self._call("set_many", data, timeout, touched=tuple(data), local_args=(data, _capped(timeout)))

    def touch(self, key, timeout):
        return self._call("touch", key, timeout, touched=(key,), local_args=(key, _capped(timeout)))

    def delete(self, key):
        return self._call("delete", key, touched=(key,))

    def delete_many(self, keys):
        keys = list(keys)
        return self._call("delete_many", keys, touched=keys)

    def clear(self):
        return self._call("clear", touched=None)

    # Straight to Redis (errors raised), for the recovery.

    def redis_ping(self) -> None:
        self.get_client(write=True).ping()

    def redis_delete_many(self, keys) -> None:
        super().delete_many(keys)

    def delete_every_django_key(self) -> int:
        """Delete the keys Django's cache made (``<KEY_PREFIX>:<version>:<key>``), not the channel layer's or Celery's."""
        client = self.get_client(write=True)
        pattern = "".join(f"[{c}]" if c in "*?[]\\" else c for c in self._key_prefix) + ":*"
        deleted, batch = 0, []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                deleted += client.delete(*batch)
                batch = []
        if batch:
            deleted += client.delete(*batch)
        return deleted


_shared: dict[tuple, _SharedClient] = {}
_lock = threading.Lock()


class ProcessRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())), self.key_prefix)
        client = _shared.get(key)
        if client is None:
            with _lock:
                client = _shared.get(key)
                if client is None:
                    client = _shared[key] = _SharedClient(self._servers, key_prefix=self.key_prefix, **self._options)
        return client
