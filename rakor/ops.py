"""Operations helpers shared by health checks and metrics.

``beat_last_tick()``: when Celery beat last ticked, from the Django cache key ``BEAT_TICK_KEY``
(``record_beat_tick()`` writes it from the periodic tick; issue 14, item 5). It accepts an aware
datetime, a Unix timestamp or an ISO 8601 string, so a writer may store whichever is cheapest.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache

BEAT_TICK_KEY = "rakor:beat:last_tick"


def record_beat_tick(when: dt.datetime | None = None) -> None:
    """Note that beat ticked now (call it from a task beat schedules); kept a day, so a dead beat shows."""
    try:
        cache.set(BEAT_TICK_KEY, (when or dt.datetime.now(dt.timezone.utc)).timestamp(), timeout=24 * 3600)
    except Exception:  # noqa: BLE001 (the tick's own work matters more than its heartbeat)
        pass


def beat_last_tick() -> dt.datetime | None:
    """The time of beat's last tick (aware, UTC), or None when no tick was recorded (or the cache is away)."""
    try:
        value = cache.get(BEAT_TICK_KEY)
    except Exception:  # noqa: BLE001 (a health check must answer, whatever the cache does)
        return None
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return None
