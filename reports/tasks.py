"""Celery task of the activity report: a thin wrapper that takes an id, re-fetches and calls the service."""

from celery import shared_task

from .models import ReportVersion
from .services import report_version_build


@shared_task(name="reports.tasks.generate_report_task", soft_time_limit=540, time_limit=600)
def generate_report_task(version_id: int) -> dict:
    """Make one report version (PDF, DOCX, the signature of a final one); routed to the certificates queue."""
    version = ReportVersion.objects.select_related("report__event").filter(pk=version_id).first()
    if version is None:
        return {"version": version_id, "skipped": True}
    version = report_version_build(version)
    return {"version": version_id, "status": version.status, "seconds": version.seconds}
