"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service or mailer."""

from celery import shared_task


@shared_task(bind=True)
def issue_certificates_task(self, run_id: int) -> dict:
    """Carry out a bulk run opened by `services.issue_run_start` (the organiser's button).

    Run in-process (no broker) it stays in one process: forking a web server's process is unsafe.
    """
    from .models import IssueRun
    from .services import issue_run_execute

    run = IssueRun.objects.select_related("event", "started_by").filter(pk=run_id).first()
    if run is None or run.status != IssueRun.Status.RUNNING:
        return {"run": run_id, "skipped": True}
    run = issue_run_execute(run, processes=1 if self.request.is_eager else None)
    return {"run": run_id, "done": run.done, "total": run.total}


@shared_task
def send_certificate_email(certificate_id: int) -> None:
    from .mail import send_certificate_link_email
    from .models import Certificate

    certificate = (Certificate.objects.select_related("event", "registration__participant")
                   .filter(pk=certificate_id).first())
    if certificate is not None and certificate.is_valid and certificate.registration.participant.email:
        send_certificate_link_email(certificate)
