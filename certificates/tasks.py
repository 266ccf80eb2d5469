"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service.

The certificate e-mail (``mail.send_certificate_email``) and the deletion of erased people's
files (``files.delete_certificate_files``) live next to what they call, under their old task
names; importing them here registers them wherever Celery discovers this module.
"""

from celery import shared_task
from django.conf import settings

from rakor.celery import app

from .files import delete_certificate_files  # noqa: F401 (registered as certificates.tasks.delete_certificate_files)
from .mail import send_certificate_email  # noqa: F401 (registered as certificates.tasks.send_certificate_email)
from .models import IssueRun
from .services import RUN_STALE_SECONDS, issue_run_execute, issue_runs_resume_stale

RESUME_SCHEDULE_NAME = "certificates-resume-stale-runs"


# Acknowledged on receipt (unlike the other tasks): a run can outlast the broker's visibility timeout, and a
# run whose worker was lost is resumed by resume_stale_runs_task below (exactly once), not by redelivery.
@shared_task(bind=True, name="certificates.tasks.issue_certificates_task", acks_late=False,
             soft_time_limit=None, time_limit=settings.CERTIFICATE_RUN_TIME_LIMIT)
def issue_certificates_task(self, run_id: int) -> dict:
    """Carry out a bulk run opened by `services.issue_run_start` (the organiser's button) or by the sweep.

    Run in-process (no broker) it stays in one process: forking a web server's process is unsafe.
    """
    run = IssueRun.objects.select_related("event", "started_by").filter(pk=run_id).first()
    if run is None or run.status != IssueRun.Status.RUNNING:
        return {"run": run_id, "skipped": True}
    run = issue_run_execute(run, processes=1 if self.request.is_eager else None)
    return {"run": run_id, "done": run.done, "total": run.total}


@shared_task(name="certificates.tasks.resume_stale_runs_task", ignore_result=True, soft_time_limit=50, time_limit=60)
def resume_stale_runs_task() -> list[int]:
    """Beat, every minute: resume the bulk runs whose worker was lost (services.issue_runs_resume_stale)."""
    return [run.pk for run in issue_runs_resume_stale(queue=issue_certificates_task.delay)]


def register_beat_schedule(celery_app=app) -> None:
    """Every minute; a run is stale after RUN_STALE_SECONDS without a heartbeat. Expires before the next sweep."""
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule.setdefault(RESUME_SCHEDULE_NAME, {
        "task": "certificates.tasks.resume_stale_runs_task", "schedule": min(60.0, RUN_STALE_SECONDS / 2),
        "options": {"expires": 55},
    })
    celery_app.conf.beat_schedule = schedule


register_beat_schedule()
