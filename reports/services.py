"""Writes of the activity report: the narrative, generating a version (draft or final, signed), erasure.

A generation is asked for by ``report_generation_request`` (one row, ``pending``) and made by
``report_version_build``, queued after commit as ``tasks.generate_report_task`` on the
certificates queue (large PDFs are made there; with no broker it runs in-process, as the
certificates do). The files go through the storage API (local disk or S3).

A final version is signed like the certificates: PAdES (pyHanko) with the organisers' signing
certificate (``certificates.signing``), in a signature field of its own, and it is kept; a
draft replaces the previous draft.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation

from certificates import signing
from rakor import audit
from rakor.models import Event
from rakor.redaction import scrub_rows

from . import documents
from .models import ActivityReport, ReportVersion
from .selectors import NARRATIVE_FIELDS, report_content, report_for

log = logging.getLogger("rakor.reports")

SIGNATURE_FIELD = "TandaTanganLaporan"


def report_save_narrative(*, event: Event, by, background: str, objectives: str, conclusion: str) -> ActivityReport:
    """Store the three narrative sections (Markdown) and audit the change. Idempotent for the same text."""
    with transaction.atomic():
        report = report_for(event)
        report = ActivityReport.objects.select_for_update().get(pk=report.pk)
        before = audit.snapshot(report, list(NARRATIVE_FIELDS))
        report.background, report.objectives, report.conclusion = background, objectives, conclusion
        report.updated_by = by
        report.save()
        after = audit.snapshot(report, list(NARRATIVE_FIELDS))
        if before != after:
            audit.audit_record(actor=by, action="report_narrative", obj=report, before=before, after=after, event=event)
    return report


def report_generation_request(*, event: Event, by, final: bool = False, queue=None,
                              defer: bool = False) -> ReportVersion:
    """A new version (``pending``), made after commit by ``queue(version_pk)`` (the views pass
    ``tasks.generate_report_task.delay``: the certificates queue, in-process without a broker).

    Without ``queue`` it is made here, after commit; with ``defer`` it is left pending until
    ``report_deferred_start`` (the report page) queues it.
    """
    with transaction.atomic():
        report = ActivityReport.objects.select_for_update().get(pk=report_for(event).pk)
        number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ReportVersion.objects.create(report=report, number=number, final=final, requested_by=by,
                                               queued_at=None if defer else timezone.now())
        if final:
            audit.audit_record(actor=by, action="report_finalise", obj=report, event=event,
                               after={"version": number})
        if defer:
            pass
        elif queue is not None:
            transaction.on_commit(lambda: queue(version.pk))
        else:
            transaction.on_commit(lambda: report_version_build(ReportVersion.objects.get(pk=version.pk)))
    return version


def report_deferred_start(*, event: Event, queue) -> list[int]:
    """Queue the event's versions left pending with ``defer`` (once each: the row is locked and marked)."""
    with transaction.atomic():
        pks = list(ReportVersion.objects.select_for_update().filter(
            report__event=event, status=ReportVersion.Status.PENDING, queued_at__isnull=True).values_list("pk", flat=True))
        ReportVersion.objects.filter(pk__in=pks).update(queued_at=timezone.now())
        for pk in pks:
            transaction.on_commit(lambda pk=pk: queue(pk))
    return pks


def sign_report(data: bytes) -> tuple[bytes, str]:
    """(signed PDF, signer's label): the certificates' PAdES signer with the report's own field and reason.

    Unchanged and "" when signing is off (no PKCS#12 and the demo signer disabled).
    """
    state = signing.signer_state()
    if state is None:
        return data, ""
    signed = signing.sign_pdf(data, reason="Laporan kegiatan final disahkan oleh panitia", field_name=SIGNATURE_FIELD)
    return signed, state["label"]


def _filename(version: ReportVersion, ext: str) -> str:
    kind = "final" if version.final else "draf"
    return f"laporan-kegiatan-{version.report.event.slug}-v{version.number}-{kind}.{ext}"


def report_version_build(version: ReportVersion) -> ReportVersion:
    """Read the record now, write the PDF (signed when final) and the DOCX, mark the version ready.

    Idempotent: a version already ready is returned as it is. A failure marks it failed with the
    message (the page shows it; the log has the traceback). A new draft replaces the older drafts' files.
    """
    if version.status == ReportVersion.Status.READY:
        return version
    started = time.monotonic()
    event = version.report.event
    try:
        with translation.override(settings.LANGUAGE_CODE):
            content = report_content(event, report=version.report)
            signer = signing.signer_label() if version.final else ""
            pdf, pages = documents.report_pdf(content, final=version.final, signer=signer)
            if version.final:
                pdf, signer = sign_report(pdf)
            docx = documents.report_docx(content, final=version.final, signer=signer)
    except Exception as exc:
        ReportVersion.objects.filter(pk=version.pk).update(status=ReportVersion.Status.FAILED, error=str(exc)[:2000])
        log.exception("reports: version %s of %s failed", version.number, event.slug)
        version.refresh_from_db()
        return version
    version.pdf.save(_filename(version, "pdf"), ContentFile(pdf), save=False)
    version.docx.save(_filename(version, "docx"), ContentFile(docx), save=False)
    version.record_as_of, version.pages, version.signer = content.as_of, pages, signer
    version.status, version.error = ReportVersion.Status.READY, ""
    version.seconds = round(time.monotonic() - started, 2)
    version.save()
    if not version.final:
        old = list(ReportVersion.objects.filter(report=version.report, final=False, number__lt=version.number))
        names = [n for v in old for n in (v.pdf.name, v.docx.name) if n]
        ReportVersion.objects.filter(pk__in=[v.pk for v in old]).delete()
        for name in names:
            default_storage.delete(name)
    return version


def report_version_file(version: ReportVersion, kind: str) -> bytes:
    field = version.pdf if kind == "pdf" else version.docx
    with default_storage.open(field.name, "rb") as fh:
        return fh.read()


def reports_erase_person(erasure) -> None:
    """Erase a person from the activity reports (UU PDP), inside ``attendance.services.participant_erase``.

    The stored PDF and DOCX of every version of the events they registered for print their name
    and NIP (the daftar hadir): the files are deleted from storage after commit and the versions
    say so; an organiser generates the report again (from the erased record). The narrative loses
    the person's name and numbers.
    """
    event_ids = {r.event_id for r in erasure.registrations}
    names = []
    changed = 0
    for version in ReportVersion.objects.select_for_update().filter(report__event_id__in=event_ids):
        if version.pdf or version.docx:
            names += [n for n in (version.pdf.name, version.docx.name) if n]
            version.pdf, version.docx = "", ""
            version.error = "erased"
            version.save(update_fields=["pdf", "docx", "error"])
            changed += 1
    erasure.count("activity_report_files", changed)
    erasure.count("free_text", scrub_rows(ActivityReport.objects.all(), list(NARRATIVE_FIELDS), erasure.marks))
    if names:
        transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
