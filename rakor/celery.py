"""Celery app. With REDIS_URL unset, tasks run in-process (CELERY_TASK_ALWAYS_EAGER).

Queues, routes, acknowledgement, retries and time limits: rakor/settings.py ("# --- celery ---").
"""

import logging
import os
import time

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")

app = Celery("rakor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger("rakor.celery")


@setup_logging.connect
def configure_logging(**_kwargs) -> None:
    """The worker and beat log as the web nodes do: ``settings.LOGGING`` (one JSON object per line in
    production, portal secrets scrubbed, the request id field). With a receiver on this signal Celery
    leaves the root logger alone instead of installing its own text format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_prerun.connect
def _task_id_in_logs(task_id=None, **_kwargs) -> None:
    """A task's log lines carry ``task-<id>`` where a request's carry its request id."""
    from rakor.observability import request_id_var

    request_id_var.set(f"task-{task_id}")


@task_postrun.connect
def _task_id_out_of_logs(**_kwargs) -> None:
    from rakor.observability import request_id_var

    request_id_var.set("-")

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
