"""``/healthz`` and ``/readyz`` for load balancers and orchestrators (issue 14, item 7).

- ``/healthz``: the process answers (no database, no Redis): restart it when this fails.
- ``/readyz``: can this node serve? It checks the database (``SELECT 1`` through the pool), Redis
  when configured (PING), media storage (an ``exists()`` on the storage: S3's HEAD or the local
  folder) and beat's freshness (``rakor.ops.beat_last_tick``), and answers JSON with each check.
  503 when the database fails: without it this node serves nothing. Redis, storage and beat are
  shared by every node and the site degrades without them (the cache falls back to memory,
  rakor/cache.py; check-ins and joins are in PostgreSQL), so by default they are reported
  ("degraded") but do not take the node out: failing them would take every node out at once.
  ``/readyz?strict=1`` fails on any of them, for monitoring.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .ops import beat_last_tick


@never_cache
@require_GET
def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        detail = check() or {}
        result = {"ok": detail.pop("ok", True), **detail}
    except Exception as error:  # noqa: BLE001 (each failure is reported, none escapes)
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:200]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _redis() -> dict:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def _storage() -> dict:
    from django.core.files.storage import default_storage

    default_storage.exists("readyz-probe")
    return {"backend": type(default_storage).__name__}


def _beat() -> dict:
    tick = beat_last_tick()
    if tick is None:
        return {"ok": False, "last_tick": None}
    age = time.time() - tick.timestamp()
    return {"ok": age <= settings.BEAT_STALE_SECONDS, "last_tick": tick.isoformat(), "age_s": round(age, 1)}


@never_cache
@require_GET
def readyz(request):
    checks = {"database": _timed(_database)}
    if settings.REDIS_URL:
        checks["redis"] = _timed(_redis)
    checks["storage"] = _timed(_storage)
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # tasks run in-process: there is no beat to watch
        checks["beat"] = _timed(_beat)
    strict = request.GET.get("strict") == "1"
    failed = [name for name, result in checks.items() if not result["ok"]]
    fatal = failed if strict else [name for name in failed if name == "database"]
    status = "unavailable" if fatal else ("degraded" if failed else "ok")
    response = JsonResponse({"status": status, "checks": checks}, status=503 if fatal else 200)
    if fatal:
        response["Retry-After"] = "5"
    return response
