"""Just enough of a Redis client, in memory, for the heartbeat collector's tests without a Redis server."""

from __future__ import annotations

import fnmatch


def _b(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class FakeRedis:
    def __init__(self):
        self.data: dict[bytes, object] = {}

    def hset(self, key, field, value):
        self.data.setdefault(_b(key), {})[_b(field)] = _b(value)

    def expire(self, key, seconds):
        return _b(key) in self.data

    def sadd(self, key, member):
        self.data.setdefault(_b(key), set()).add(_b(member))

    def srem(self, key, member):
        self.data.get(_b(key), set()).discard(_b(member))

    def smembers(self, key):
        return set(self.data.get(_b(key), set()))

    def rename(self, src, dst):
        import redis

        if _b(src) not in self.data:
            raise redis.ResponseError("no such key")
        self.data[_b(dst)] = self.data.pop(_b(src))

    def hgetall(self, key):
        return dict(self.data.get(_b(key), {}))

    def delete(self, key):
        self.data.pop(_b(key), None)

    def scan_iter(self, match="*", count=None):
        return [k for k in list(self.data) if fnmatch.fnmatchcase(k.decode(), match)]

    def pipeline(self, transaction=True):
        return _Pipeline(self)


class _Pipeline:
    def __init__(self, redis):
        self.redis, self.calls = redis, []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, args))

    def execute(self):
        return [getattr(self.redis, name)(*args) for name, args in self.calls]
