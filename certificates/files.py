"""Stored certificate PDFs: deleting an erased person's files after the erasure commits.

The erasure (``services.certificates_erase_person``) queues ``delete_certificate_files`` on
commit; the task keeps the Celery name it had in ``tasks.py``, so messages already queued by
an older version still find it.
"""

from __future__ import annotations

from celery import shared_task
from django.core.files.storage import default_storage

from .models import Certificate


def certificate_files_delete(names: list[str]) -> int:
    """Delete stored certificate PDFs by name through the storage API (local disk or S3); returns how many went.

    A name that no certificate still points to is deleted; one that a certificate holds
    again (it cannot, as names carry the certificate's code) is kept.
    """
    held = set(Certificate.objects.filter(pdf__in=names).values_list("pdf", flat=True))
    gone = 0
    for name in names:
        if name and name not in held:
            default_storage.delete(name)
            gone += 1
    return gone


@shared_task(name="certificates.tasks.delete_certificate_files", autoretry_for=(OSError,), retry_backoff=True,
             retry_backoff_max=600, max_retries=8, soft_time_limit=240, time_limit=300)
def delete_certificate_files(names: list[str]) -> int:
    """Delete erased people's certificate PDFs from storage (queued on commit by the erasure); retried on I/O errors."""
    return certificate_files_delete(names)
