"""The Redis cache shares its connections across requests (ASGI runs each in a new context)."""

import asyncio

import pytest
from django.conf import settings
from django.core.cache import cache, caches

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (CI's second run)")


def test_every_context_uses_the_same_client_and_pool():
    async def client_in_new_context():
        # A fresh async context gets a fresh cache object, as a request under ASGI does.
        backend = caches["default"]
        backend.set("rakor-cache-test", 1, 5)
        return backend._cache, backend._cache.get_client(write=True)

    first = asyncio.run(client_in_new_context())
    second = asyncio.run(client_in_new_context())
    assert first[0] is second[0]
    assert first[1] is second[1]
    assert cache.get("rakor-cache-test") == 1
