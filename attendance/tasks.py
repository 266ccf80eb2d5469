"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service or mailer."""

from celery import shared_task


@shared_task
def send_portal_link(registration_id: int) -> None:
    from .mail import send_portal_link_email
    from .models import Registration

    registration = Registration.objects.select_related("event", "participant").filter(pk=registration_id).first()
    if registration is not None and registration.participant.email:
        send_portal_link_email(registration)


SEAL_SCHEDULE_NAME = "attendance-seal"
SEAL_EVERY_SECONDS = 5.0


@shared_task(name="attendance.tasks.seal_attendance_task", ignore_result=True)
def seal_attendance_task() -> dict:
    """Seal the new check-ins of the events running now into their chains (attendance/chain.py)."""
    from .chain import seal_active_events

    return seal_active_events()


def register_beat_schedule(celery_app=None) -> None:
    """Every few seconds: a check-in is tamper-evident once sealed. Expires before the next run."""
    if celery_app is None:
        from rakor.celery import app as celery_app
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule.setdefault(SEAL_SCHEDULE_NAME, {
        "task": "attendance.tasks.seal_attendance_task", "schedule": SEAL_EVERY_SECONDS,
        "options": {"expires": SEAL_EVERY_SECONDS - 1},
    })
    celery_app.conf.beat_schedule = schedule


register_beat_schedule()
