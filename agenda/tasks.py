"""Celery tasks: thin wrappers around agenda.tick.

The task keeps the name it had in sessions_app: beat schedules and queues of running deployments use it.

``sessions-tick`` is registered in the beat schedule here (settings stay generic): run
``celery -A rakor beat`` next to the workers and sessions go live at their start.
"""

from celery import shared_task

from rakor.celery import app

TICK_SCHEDULE_NAME = "sessions-tick"


@shared_task(name="sessions_app.tasks.sessions_tick_task", ignore_result=True, soft_time_limit=45, time_limit=55)
def sessions_tick_task() -> dict:
    from .tick import sessions_tick

    result = sessions_tick()
    return {"went_live": result.went_live, "ended": result.ended}


def register_beat_schedule(celery_app=app) -> None:
    """Every minute; expires before the next run so a stalled beat never piles ticks up."""
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule.setdefault(TICK_SCHEDULE_NAME, {
        "task": "sessions_app.tasks.sessions_tick_task", "schedule": 60.0, "options": {"expires": 55},
    })
    celery_app.conf.beat_schedule = schedule


register_beat_schedule()
