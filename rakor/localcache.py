"""Per-process caches that every app node drops within a second of a change anywhere.

Some answers that decide access or admission are kept in each server process's memory, so a
scan or a join does not pay a query for them: a scanner device behind its token, the door
hours of a day. With several app nodes, a change made on one node (a device revoked) must
reach the others quickly, not after the entry's lifetime.

Versioned keys: each cache has a *generation* in the shared cache (Redis with ``REDIS_URL``).
``invalidate()`` (on commit of the change) gives it a new random value; every process
re-reads the generation at most every ``CHECK_SECONDS`` when it uses the cache, and drops
its entries when the generation moved. An entry also remembers the generation it was loaded
under, so a value read from the database just before a change committed is never kept past
the next check. One small Redis GET per cache per process every ``CHECK_SECONDS``, whatever
the traffic; no listener thread.

While Redis is away the shared cache answers from each process's memory (rakor/cache.py):
invalidations then reach only the process that made them, and the others keep an entry at
most its ``ttl`` (a few seconds for devices).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

CHECK_SECONDS = 0.5

_MISSING = object()
_shared_cache = None


def shared_cache():
    """The default cache, as one instance per process (shared by its threads), like sessions_app's process_cache."""
    global _shared_cache
    if _shared_cache is None:
        from django.core.cache import DEFAULT_CACHE_ALIAS, caches

        _shared_cache = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _shared_cache


class NodeLocalCache:
    """A dict in this process's memory, with a lifetime per entry and a generation shared by every node."""

    def __init__(self, name: str, ttl: float):
        self.name, self.ttl = name, ttl
        self.key = f"rakor:localcache-generation:{name}"
        self._lock = threading.Lock()
        self._entries: dict[Any, tuple[float, Any, Any]] = {}  # key -> (expires, generation, value)
        self._generation: Any = _MISSING
        self._checked_until = 0.0

    def _current_generation(self) -> Any:
        now = time.monotonic()
        if now < self._checked_until:
            return self._generation
        generation = shared_cache().get(self.key)
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            self._checked_until = now + CHECK_SECONDS
        return generation

    def get_or_load(self, key: Any, load: Callable[[], Any], *, keep: Callable[[Any], bool] = lambda v: True) -> Any:
        """This process's value for ``key``, else ``load()`` (kept when ``keep(value)``)."""
        generation = self._current_generation()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic() and entry[1] == generation:
            return entry[2]
        value = load()
        if keep(value):
            self._entries[key] = (time.monotonic() + self.ttl, generation, value)
        return value

    def clear_here(self) -> None:
        """Forget every entry in this process (tests; the shared generation is left alone)."""
        with self._lock:
            self._entries.clear()
            self._checked_until = 0.0

    def invalidate(self) -> None:
        """Make every process drop its entries within CHECK_SECONDS. Call once the change is committed."""
        shared_cache().set(self.key, uuid.uuid4().hex, None)
        self.clear_here()

    def invalidate_on_commit(self) -> None:
        """``invalidate()`` when the current transaction commits (at once outside one)."""
        from django.db import transaction

        self.clear_here()  # this process at once: a rolled-back change only costs a reload
        transaction.on_commit(self.invalidate, robust=True)
