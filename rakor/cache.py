"""A Redis cache whose connections live as long as the server process.

Django keeps one cache object per thread or async context, and under ASGI every
request runs in a new context: with the stock ``RedisCache`` each request that
touches the cache builds a new client and connection pool and opens a new TCP
connection to Redis (measured on the join storm: 44% of the join's CPU went to
connecting; docs/benchmarks.md). This backend shares one client per process and
location, and one ``redis.Redis`` per connection pool (redis-py's pools and clients
are thread-safe), so a request reuses an open connection.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


class _SharedClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        make = self._client

        def client_for(connection_pool):
            # Django builds a redis.Redis per operation (about 0.1 ms each); one per pool does the same job.
            client = self._clients.get(id(connection_pool))
            if client is None:
                client = self._clients[id(connection_pool)] = make(connection_pool=connection_pool)
            return client

        self._client = client_for


_shared: dict[tuple, _SharedClient] = {}
_lock = threading.Lock()


class ProcessRedisCache(RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _shared.get(key)
        if client is None:
            with _lock:
                client = _shared.get(key)
                if client is None:
                    client = _shared[key] = _SharedClient(self._servers, **self._options)
        return client
