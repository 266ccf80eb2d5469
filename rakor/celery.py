"""Celery app. With REDIS_URL unset, tasks run in-process (CELERY_TASK_ALWAYS_EAGER).

Queues, routes, acknowledgement, retries and time limits: rakor/settings.py ("# --- celery ---").
"""

import logging
import os
import time

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")

app = Celery("rakor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("rakor.celery")

# Beat records that it is alive at least this often (health shows beat's last tick: rakor.ops.beat_last_tick).
BEAT_TICK_RECORD_SECONDS = 5.0


def beat_tick_record(now: float | None = None) -> None:
    """Record in the shared cache that beat ticked now (``rakor.ops.record_beat_tick``, the one writer)."""
    import datetime as dt

    from rakor.ops import record_beat_tick

    record_beat_tick(dt.datetime.fromtimestamp(time.time() if now is None else now, dt.timezone.utc))


class BeatScheduler(PersistentScheduler):
    """Celery's own scheduler (schedule file and all) that also records each tick for health checks."""

    _recorded_at = 0.0

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._recorded_at >= BEAT_TICK_RECORD_SECONDS:
            try:
                beat_tick_record()
                self._recorded_at = now
            except Exception:  # noqa: BLE001 (health must never stop beat itself)
                log.exception("beat: could not record its tick")
        return min(interval, BEAT_TICK_RECORD_SECONDS)
