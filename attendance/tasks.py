"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service or mailer.

Queues and routes: rakor/settings.py ("# --- celery ---").
"""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings

# E-mail tasks (here and in certificates/mail.py): an SMTP or network error (the server down, refusing,
# timing out) retries the task with exponential backoff (30 s, 60 s, 120 s, ... at most 10 min apart, with
# jitter), EMAIL_TASK_MAX_RETRIES times; acknowledged late (settings), so a lost worker's mail is sent again.
EMAIL_TASK_OPTIONS = {
    "autoretry_for": (SMTPException, OSError), "retry_backoff": 30, "retry_backoff_max": 600, "retry_jitter": True,
    "max_retries": settings.EMAIL_TASK_MAX_RETRIES, "acks_late": True, "soft_time_limit": 60, "time_limit": 90,
}


@shared_task(name="attendance.tasks.send_portal_link", **EMAIL_TASK_OPTIONS)
def send_portal_link(registration_id: int, kind: str = "registered") -> None:
    """The participant's e-mail (attendance.mail): ``registered``, ``status`` (a change of status) or ``resend``."""
    from .mail import send_portal_link_email
    from .models import Registration

    registration = Registration.objects.select_related("event", "participant__unit").filter(pk=registration_id).first()
    if registration is not None and registration.participant.email:
        send_portal_link_email(registration, kind)


SEAL_SCHEDULE_NAME = "attendance-seal"
SEAL_EVERY_SECONDS = 5.0


@shared_task(name="attendance.tasks.seal_attendance_task", ignore_result=True, soft_time_limit=50, time_limit=60)
def seal_attendance_task() -> dict:
    """Seal the new check-ins of the events running now into their chains (attendance/chain.py)."""
    from .chain import seal_active_events

    return seal_active_events()


FOLD_SCHEDULE_NAME = "attendance-fold-heartbeats"


@shared_task(name="attendance.tasks.fold_heartbeats_task", ignore_result=True, soft_time_limit=50, time_limit=60)
def fold_heartbeats_task() -> dict:
    """Fold the heartbeats collected in Redis into OnlineAttendance (attendance/online/beats.py)."""
    from .online.beats import collecting, fold_beats

    return fold_beats() if collecting() else {}


def register_beat_schedule(celery_app=None) -> None:
    """Every few seconds: a check-in is tamper-evident once sealed; heartbeats folded. Each expires before its
    next run."""
    if celery_app is None:
        from rakor.celery import app as celery_app
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule.setdefault(SEAL_SCHEDULE_NAME, {
        "task": "attendance.tasks.seal_attendance_task", "schedule": SEAL_EVERY_SECONDS,
        "options": {"expires": SEAL_EVERY_SECONDS - 1},
    })
    every = settings.HEARTBEAT_FOLD_SECONDS
    schedule.setdefault(FOLD_SCHEDULE_NAME, {
        "task": "attendance.tasks.fold_heartbeats_task", "schedule": every, "options": {"expires": max(1.0, every - 1)},
    })
    celery_app.conf.beat_schedule = schedule


register_beat_schedule()
