"""Writes of the certificates app: templates, exceptions, issuing (one or in bulk), revoking, reissuing.

Issuing has two steps. *Allocation* gives numbers: inside one transaction the
sequence rows are locked (``select_for_update``; on SQLite the write transaction is
IMMEDIATE, which serialises writers), the next numbers are taken and the
certificates written as ``pending``, so numbers are unique and gapless whatever runs
at the same time. *Rendering* makes, signs, stores and hashes the PDFs of pending
certificates, batch by batch, outside any long transaction. A crash between or
during the two leaves pending certificates with their numbers: the next run (or the
first download) renders them, so nothing is numbered twice or skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import socket
from typing import Callable, Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Registration
from rakor.audit import audit_record, snapshot
from rakor.redaction import scrub_objects, scrub_rows

from . import design, rendering, signing
from .eligibility import Eligibility, event_eligibility, registration_eligibility
from .files import delete_certificate_files
from .mail import send_certificate_email
from .models import (Certificate, CertificateSequence, CertificateTemplate, EligibilityException, IssueRun)
from .numbering import format_number

log = logging.getLogger("rakor.certificates")

RUN_STALE_SECONDS = 300


class CertificateError(Exception):
    """A refused certificate action; ``code`` is fixed, the message is for people."""

    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message
        super().__init__(message)


class RunBusy(CertificateError):
    def __init__(self, run: IssueRun):
        self.run = run
        super().__init__("busy", _("Penerbitan sertifikat untuk acara ini sedang berjalan (mulai %(when)s). "
                                   "Tunggu sampai selesai.") % {"when": timezone.localtime(run.started_at)
                                                                .strftime("%H:%M:%S")})


# ---------------------------------------------------------------- templates and exceptions


def default_sequence(event) -> CertificateSequence:
    sequence, _created = CertificateSequence.objects.get_or_create(event=event, code="umum")
    return sequence


DEFAULT_RULES = {
    Registration.Role.PARTICIPANT: {"min_share_percent": 80},
    Registration.Role.SPEAKER: {"min_share_percent": 0},
    Registration.Role.MODERATOR: {"min_share_percent": 0},
    Registration.Role.COMMITTEE: {"min_share_percent": 50},
}


def template_create_defaults(*, event, by=None, signatory: dict | None = None) -> list[CertificateTemplate]:
    """Create the default design for every role that has no template yet (idempotent); audited."""
    created = []
    with transaction.atomic():
        sequence = default_sequence(event)
        existing = set(CertificateTemplate.objects.filter(event=event).values_list("role", flat=True))
        for role, label in Registration.Role.choices:
            if role in existing:
                continue
            template = CertificateTemplate.objects.create(
                event=event, role=role, name=_("Sertifikat %(role)s — %(event)s") % {"role": label, "event": event.name},
                html=design.DEFAULT_HTML, fields_html=design.DEFAULT_FIELDS_HTML, css=design.DEFAULT_CSS,
                sequence=sequence,
                **DEFAULT_RULES.get(role, {}), **(signatory or {}))
            audit_record(actor=by, action="create", obj=template, after=snapshot(template), event=event)
            created.append(template)
    return created


def exception_grant(*, registration: Registration, reason: str, by) -> EligibilityException:
    """Let a registration earn its certificate despite short attendance. The reason is required and audited."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("reason_required", _("Alasan pengecualian wajib diisi."))
    with transaction.atomic():
        existing = EligibilityException.objects.select_for_update().filter(registration=registration).first()
        before = snapshot(existing) if existing else None
        if existing:
            existing.reason, existing.granted_by = reason, by
            existing.save()
            exception = existing
        else:
            exception = EligibilityException.objects.create(registration=registration, reason=reason, granted_by=by)
        audit_record(actor=by, action="certificate_exception", obj=exception, before=before,
                     after=snapshot(exception), event=registration.event, reason=reason)
    return exception


def exception_remove(*, registration: Registration, by, reason: str = "") -> None:
    with transaction.atomic():
        existing = EligibilityException.objects.select_for_update().filter(registration=registration).first()
        if existing is None:
            return
        before = snapshot(existing)
        pk = existing.pk
        existing.delete()
        existing.pk = pk
        audit_record(actor=by, action="certificate_exception_removed", obj=existing, before=before, after=None,
                     event=registration.event, reason=reason)


# ---------------------------------------------------------------- allocation (numbers)


def allocate(*, event, eligible: Iterable[Eligibility], by=None, replaces: Certificate | None = None,
             ) -> list[Certificate]:
    """Number a pending certificate for each given registration that has no valid certificate yet.

    Locks the sequences involved for the length of one transaction; unique and gapless
    numbers; idempotent (registrations that already hold a valid certificate are skipped).
    """
    eligible = [e for e in eligible if e.template is not None]
    if not eligible:
        return []
    with transaction.atomic():
        fallback = default_sequence(event)
        seq_ids = sorted({e.template.sequence_id or fallback.pk for e in eligible})
        sequences = {s.pk: s for s in CertificateSequence.objects.select_for_update().filter(pk__in=seq_ids)
                     .order_by("pk")}
        holding = set(Certificate.objects.filter(registration_id__in=[e.registration.pk for e in eligible])
                      .exclude(status=Certificate.Status.REVOKED).values_list("registration_id", flat=True))
        certificates = []
        for e in eligible:
            registration = e.registration
            if registration.pk in holding:
                continue
            holding.add(registration.pk)
            sequence = sequences[e.template.sequence_id or fallback.pk]
            sequence.last_number += 1
            certificates.append(Certificate(
                event=event, registration=registration, template=e.template, sequence=sequence,
                seq=sequence.last_number,
                number=format_number(e.template.number_pattern, seq=sequence.last_number, date=event.end_date,
                                     event_slug=event.slug, role=registration.role),
                recipient_name=registration.participant.full_name, role=registration.role, jp=e.jp,
                minutes=e.minutes_attended, event_name=event.name, event_start=event.start_date,
                event_end=event.end_date, by_exception=e.code == "exception", issued_by=by, replaces=replaces,
            ))
        Certificate.objects.bulk_create(certificates, batch_size=1000)
        for sequence in sequences.values():
            CertificateSequence.objects.filter(pk=sequence.pk).update(last_number=sequence.last_number)
    return certificates


# ---------------------------------------------------------------- rendering (PDFs)


def _render_chunk(spec: design.TemplateSpec, items: list[dict]) -> list[tuple[str, str, str]]:
    """Render, sign and store one batch (runs in a worker process: files, no database).

    Returns (code, stored file name, SHA-256) per item; the caller marks them issued.
    """
    pdfs = rendering.render_batch(spec, items, sign=True)
    out = []
    for item, pdf in zip(items, pdfs):
        name = item["pdf_name"]
        if default_storage.exists(name):  # left by a run that crashed before marking it issued
            default_storage.delete(name)
        name = default_storage.save(name, ContentFile(pdf))
        out.append((item["code"], name, hashlib.sha256(pdf).hexdigest()))
    return out


def _processes(requested: int | None, chunks: int) -> int:
    n = requested if requested is not None else settings.CERTIFICATE_RENDER_PROCESSES
    if multiprocessing.current_process().daemon:  # e.g. a Celery prefork child cannot have children
        return 1
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return 1  # closing the connection for a fork would break the caller's transaction
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(n, chunks))


def _mark_issued(chunk: list[Certificate], results: list[tuple[str, str, str]], signer: str) -> int:
    """Mark a rendered batch issued in one transaction; a certificate revoked meanwhile keeps no file.

    One SELECT of the rows still pending (locked) and one executemany UPDATE: Django's
    bulk_update builds a CASE per field and row, which cost the parent process more CPU
    than a worker spends rendering the batch.
    """
    stored = {code: (name, digest) for code, name, digest in results}
    connection = connections[Certificate.objects.db]
    meta = Certificate._meta
    qn = connection.ops.quote_name
    columns = [qn(meta.get_field(f).column) for f in ("status", "pdf", "sha256", "signed_by", "rendered_at")]
    sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{c} = %s' for c in columns)} "
           f"WHERE {qn(meta.pk.column)} = %s AND {columns[0]} = %s")
    with transaction.atomic():  # IMMEDIATE on SQLite, row locks on PostgreSQL: no revoke slips in between
        still_pending = set(Certificate.objects.select_for_update().filter(
            pk__in=[c.pk for c in chunk], status=Certificate.Status.PENDING).values_list("pk", flat=True))
        now = timezone.now()
        db_now = meta.get_field("rendered_at").get_db_prep_value(now, connection)
        rows = []
        for c in chunk:
            name, digest = stored[c.code]
            if c.pk not in still_pending:
                default_storage.delete(name)
                continue
            c.status, c.pdf.name, c.sha256, c.signed_by, c.rendered_at = (
                Certificate.Status.ISSUED, name, digest, signer[:300], now)
            rows.append((c.status, name, digest, c.signed_by, db_now, c.pk, Certificate.Status.PENDING))
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
    return len(rows)


def render_pending(certificates: list[Certificate], *, processes: int | None = None,
                   progress: Callable[[int], None] | None = None, batch_size: int | None = None) -> int:
    """Render, sign and store the given pending certificates; returns how many were stored.

    One WeasyPrint document per batch of the same template; with ``processes`` > 1 the
    batches are rendered in forked worker processes while this process stores results.
    ``progress(n)`` is called after each batch with the number stored so far.
    """
    certificates = [c for c in certificates if c.status == Certificate.Status.PENDING and c.recipient_erased_at is None]
    if not certificates:
        return 0
    size = batch_size or settings.CERTIFICATE_BATCH_SIZE
    by_template: dict[int, list[Certificate]] = {}
    for c in certificates:
        by_template.setdefault(c.template_id, []).append(c)
    templates = {t.pk: t for t in CertificateTemplate.objects.filter(pk__in=by_template)}
    specs = {pk: design.template_spec(t) for pk, t in templates.items()}
    jobs = []
    for pk, group in by_template.items():
        for i in range(0, len(group), size):
            chunk = group[i:i + size]
            items = [design.certificate_item(c) for c in chunk]
            for c, item in zip(chunk, items):
                item["pdf_name"] = f"certificates/pdf/{c.event.slug}/{c.code}.pdf"
            jobs.append((specs[pk], chunk, items))
    signer = signing.signer_label()  # loads (or creates) the signing key before any fork
    n_proc = _processes(processes, len(jobs))
    stored = 0

    def handle(chunk, results):
        nonlocal stored
        stored += _mark_issued(chunk, results, signer)  # one commit per batch, not one per certificate
        if progress is not None:
            progress(stored)

    if n_proc == 1:
        for spec, chunk, items in jobs:
            handle(chunk, _render_chunk(spec, items))
        return stored
    from concurrent.futures import ProcessPoolExecutor

    connections.close_all()  # children must not share the parent's database sockets
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=n_proc, mp_context=context) as pool:
        futures = [(chunk, pool.submit(_render_chunk, spec, items)) for spec, chunk, items in jobs]
        for chunk, future in futures:
            handle(chunk, future.result())
    return stored


def _with_relations(queryset):
    return queryset.select_related("event", "template", "registration__participant__unit")


def ensure_rendered(certificate: Certificate) -> Certificate:
    """The certificate with its PDF made (renders a pending one now, in this process).

    An erased recipient's certificate has no PDF and gets none (check ``has_pdf``).
    """
    needs_pdf = certificate.status == Certificate.Status.PENDING or (certificate.status == Certificate.Status.ISSUED
                                                                     and not certificate.pdf)
    if needs_pdf and certificate.recipient_erased_at is None:
        certificate = _with_relations(Certificate.objects.filter(pk=certificate.pk)).get()
        if certificate.status == Certificate.Status.PENDING:
            render_pending([certificate], processes=1)
            certificate.refresh_from_db()
    return certificate


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF (made now if it has not been yet)."""
    certificate = ensure_rendered(certificate)
    with default_storage.open(certificate.pdf.name, "rb") as fh:
        return fh.read()


# ---------------------------------------------------------------- one at a time


def certificate_issue(*, registration: Registration, by=None, send_email: bool = False) -> Certificate:
    """Issue one registration's certificate now (idempotent: returns the valid one it already has).

    Raises CertificateError("not_eligible") with the reason when attendance falls short.
    Audited when an organiser (``by``) issues it.
    """
    existing = valid_certificate(registration)
    if existing is not None:
        return ensure_rendered(existing)
    eligibility = registration_eligibility(registration)
    if not eligibility.eligible:
        raise CertificateError("not_eligible", eligibility.reason)
    with transaction.atomic():
        created = allocate(event=registration.event, eligible=[eligibility], by=by)
        if created and by is not None:
            audit_record(actor=by, action="certificate_issue", obj=created[0], after=snapshot(created[0]),
                         event=registration.event)
    certificate = created[0] if created else valid_certificate(registration)
    certificate = ensure_rendered(certificate)
    if send_email and created:
        _queue_email([certificate.pk])
    return certificate


def valid_certificate(registration: Registration) -> Certificate | None:
    return (_with_relations(Certificate.objects.filter(registration=registration))
            .exclude(status=Certificate.Status.REVOKED).first())


def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke with a (required) reason; the verification page then says revoked. Audited."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("reason_required", _("Alasan pencabutan wajib diisi."))
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status == Certificate.Status.REVOKED:
            raise CertificateError("already_revoked", _("Sertifikat ini sudah dicabut."))
        before = snapshot(locked)
        locked.status = Certificate.Status.REVOKED
        locked.revoked_at, locked.revoked_reason, locked.revoked_by = timezone.now(), reason, by
        locked.save(update_fields=["status", "revoked_at", "revoked_reason", "revoked_by"])
        audit_record(actor=by, action="certificate_revoke", obj=locked, before=before, after=snapshot(locked),
                     event=locked.event, reason=reason)
    return locked


def certificate_reissue(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke (if still valid) and issue a new certificate with a new number that names the old one.

    The new certificate states what the attendance record says now (name, JP). Audited.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise CertificateError("reason_required", _("Alasan penerbitan ulang wajib diisi."))
    registration = certificate.registration
    if certificate.recipient_erased_at is not None or registration.participant.anonymised_at is not None:
        raise CertificateError("erased", _("Data penerima sertifikat ini sudah dihapus atas permintaannya; "
                                           "sertifikat tidak dapat diterbitkan ulang."))
    eligibility = registration_eligibility(registration)
    if eligibility.template is None:
        raise CertificateError("no_template", eligibility.reason)
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if hasattr(old, "replaced_by") and Certificate.objects.filter(replaces=old).exists():
            raise CertificateError("already_reissued", _("Sertifikat ini sudah diterbitkan ulang."))
        if old.status != Certificate.Status.REVOKED:
            certificate_revoke(certificate=old, reason=reason, by=by)
        if not eligibility.eligible:
            eligibility.code = "exception"  # the organiser's decision to reissue stands in for the rule
        created = allocate(event=registration.event, eligible=[eligibility], by=by, replaces=old)
        if not created:
            raise CertificateError("has_valid", _("Pendaftaran ini sudah memiliki sertifikat yang sah."))
        audit_record(actor=by, action="certificate_reissue", obj=created[0], before=snapshot(old),
                     after=snapshot(created[0]), event=registration.event, reason=reason)
    return ensure_rendered(created[0])


# ---------------------------------------------------------------- bulk runs


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_stale_runs(event) -> None:
    """Mark runs whose process is gone (or silent for RUN_STALE_SECONDS) as interrupted."""
    host = socket.gethostname()
    limit = timezone.now() - dt.timedelta(seconds=RUN_STALE_SECONDS)
    for run in IssueRun.objects.filter(event=event, status=IssueRun.Status.RUNNING):
        dead = run.host == host and run.pid and run.pid != os.getpid() and not _pid_alive(run.pid)
        silent = (run.heartbeat_at or run.started_at) < limit
        if dead or silent:
            IssueRun.objects.filter(pk=run.pk, status=IssueRun.Status.RUNNING).update(
                status=IssueRun.Status.INTERRUPTED, finished_at=timezone.now(),
                error=_("Proses berhenti sebelum selesai; penerbitan berikutnya melanjutkannya."))


def _run_is_lost(run: IssueRun, *, host: str, limit: dt.datetime) -> bool:
    dead = run.host == host and run.pid and run.pid != os.getpid() and not _pid_alive(run.pid)
    return bool(dead) or (run.heartbeat_at or run.started_at) < limit


def issue_runs_resume_stale(*, queue: Callable[[int], object]) -> list[IssueRun]:
    """Resume every bulk run whose worker was lost (silent for RUN_STALE_SECONDS, or its process gone here).

    Exactly once per lost run, however many sweeps run at once: the lost run is marked
    ``interrupted`` by a conditional UPDATE (one sweep wins it), and its successor is opened
    under the partial unique index that admits one running run per event (a run the organiser
    started meanwhile wins instead). The successor (same starter, same e-mail choice) is
    audited and queued on commit (``queue(run_id)``: the task module passes its task's ``delay``, so
    this module needs no import of the tasks that import it); it renders what the lost run left
    pending, numbering nobody twice (``issue_run_execute``). Returns the new runs.
    """
    host, now = socket.gethostname(), timezone.now()
    limit = now - dt.timedelta(seconds=RUN_STALE_SECONDS)
    resumed = []
    for run in IssueRun.objects.filter(status=IssueRun.Status.RUNNING).select_related("event", "started_by"):
        if not _run_is_lost(run, host=host, limit=limit):
            continue
        with transaction.atomic():
            won = IssueRun.objects.filter(pk=run.pk, status=IssueRun.Status.RUNNING,
                                          heartbeat_at=run.heartbeat_at).update(
                status=IssueRun.Status.INTERRUPTED, finished_at=now,
                error=_("Proses berhenti sebelum selesai; dilanjutkan otomatis."))
            if not won:
                continue
            try:
                with transaction.atomic():
                    new = IssueRun.objects.create(event=run.event, started_by=run.started_by, heartbeat_at=now,
                                                  host=host[:200], pid=os.getpid(), send_email=run.send_email)
                    audit_record(actor=None, action="certificates_issue_resume", obj=new, after=snapshot(new),
                                 event=run.event, reason=f"run {run.pk} lost its worker")
            except IntegrityError:  # another run of the event is already running
                continue
            log.warning("certificates: bulk run %s of %s lost its worker; resumed as run %s", run.pk,
                        run.event.slug, new.pk)
            transaction.on_commit(lambda pk=new.pk: queue(pk))
            resumed.append(new)
    return resumed


def issue_run_start(*, event, by=None, send_email: bool = False) -> IssueRun:
    """Open a bulk run for the event, or raise RunBusy when one is already running (audited)."""
    _reap_stale_runs(event)
    try:
        with transaction.atomic():
            run = IssueRun.objects.create(event=event, started_by=by, heartbeat_at=timezone.now(),
                                          host=socket.gethostname()[:200], pid=os.getpid(), send_email=send_email)
            audit_record(actor=by, action="certificates_issue_all", obj=run, after=snapshot(run), event=event)
    except IntegrityError:
        running = IssueRun.objects.filter(event=event, status=IssueRun.Status.RUNNING).first()
        if running is None:
            raise
        raise RunBusy(running)
    return run


def issue_run_execute(run: IssueRun, *, processes: int | None = None,
                      progress: Callable[[IssueRun], None] | None = None) -> IssueRun:
    """Number every eligible registration's certificate, then render every pending one.

    Resumable: what an earlier, interrupted run numbered is rendered now, and nobody
    is numbered twice. Updates the run's progress after each batch.
    """
    event = run.event
    IssueRun.objects.filter(pk=run.pk).update(host=socket.gethostname()[:200], pid=os.getpid(),
                                              heartbeat_at=timezone.now())
    try:
        results = event_eligibility(event)
        created = allocate(event=event, eligible=[e for e in results.values() if e.eligible], by=run.started_by)
        pending = _pending(event, created)
        run.total, run.allocated, run.done = len(pending), len(created), 0
        IssueRun.objects.filter(pk=run.pk).update(total=run.total, allocated=run.allocated, done=0,
                                                  heartbeat_at=timezone.now())
        if progress:
            progress(run)

        def step(done: int) -> None:
            run.done = done
            IssueRun.objects.filter(pk=run.pk).update(done=done, heartbeat_at=timezone.now())
            if progress:
                progress(run)

        render_pending(pending, processes=processes, progress=step)
        run.status, run.finished_at = IssueRun.Status.DONE, timezone.now()
        IssueRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at, done=run.done)
        if run.send_email:
            _queue_email([c.pk for c in pending if c.status == Certificate.Status.ISSUED])
    except BaseException as exc:
        run.status, run.finished_at, run.error = IssueRun.Status.FAILED, timezone.now(), str(exc)[:2000]
        IssueRun.objects.filter(pk=run.pk).update(status=run.status, finished_at=run.finished_at, error=run.error)
        raise
    return run


def _pending(event, created: list[Certificate]) -> list[Certificate]:
    """The event's pending certificates in number order: the ones just numbered as they are in
    memory (with their registrations and participants), only earlier leftovers from the database."""
    ids = list(Certificate.objects.filter(event=event, status=Certificate.Status.PENDING)
               .order_by("sequence_id", "seq").values_list("pk", flat=True))
    known = {c.pk: c for c in created}
    missing = [pk for pk in ids if pk not in known]
    for start in range(0, len(missing), 5000):
        known.update((c.pk, c) for c in _with_relations(Certificate.objects.filter(pk__in=missing[start:start + 5000])))
    return [known[pk] for pk in ids]


def issue_all(*, event, by=None, processes: int | None = None, send_email: bool = False,
              progress: Callable[[IssueRun], None] | None = None) -> IssueRun:
    """Start and run a bulk issue in this process (the management command, the demo)."""
    run = issue_run_start(event=event, by=by, send_email=send_email)
    return issue_run_execute(run, processes=processes, progress=progress)


def _queue_email(certificate_ids: list[int]) -> None:
    def send():
        for pk in certificate_ids:
            send_certificate_email.delay(pk)

    transaction.on_commit(send)


# ---------------------------------------------------------------- erasure on request (UU PDP)


def certificates_erase_person(erasure) -> None:
    """Erase a person from their certificates (UU PDP), inside ``attendance.services.participant_erase``.

    Each certificate of their registrations keeps its number, code, event, role, JP,
    status and the SHA-256 of the PDF it had, so it stays verifiable by number ("issued
    to a person whose data was erased on request"); its recipient name becomes the erased
    record's and ``recipient_erased_at`` is set. A pending one is never rendered now (it is
    marked issued without a PDF; a render already running drops its file in
    ``_mark_issued``). The stored PDFs (name, NIP, position and unit are printed on them)
    are deleted from storage after commit, through the storage API, so unit ZIPs and
    downloads no longer have them. Revocation and exception reasons lose the person's
    name and numbers.
    """
    certificates = [c for c in Certificate.objects.select_for_update()
                    .filter(registration_id__in=erasure.registration_ids).order_by("pk")
                    if c.recipient_erased_at is None or c.pdf or c.revoked_reason != erasure.own_marks.scrub(
                        c.revoked_reason)]
    files = []
    for c in certificates:
        if c.pdf:
            files.append(c.pdf.name)
        c.recipient_name = erasure.participant.full_name
        c.recipient_erased_at = c.recipient_erased_at or erasure.now
        c.pdf = ""
        if c.status == Certificate.Status.PENDING:
            c.status = Certificate.Status.ISSUED
        c.revoked_reason = erasure.own_marks.scrub(c.revoked_reason)
    Certificate.objects.bulk_update(certificates, ["recipient_name", "recipient_erased_at", "pdf", "status",
                                                   "revoked_reason"])
    erasure.count("certificates", len(certificates))
    erasure.owned.add(Certificate, Certificate.objects.filter(registration_id__in=erasure.registration_ids)
                      .values_list("pk", flat=True), ["recipient_name"])
    exceptions = EligibilityException.objects.filter(registration_id__in=erasure.registration_ids)
    erasure.owned.add(EligibilityException, exceptions.values_list("pk", flat=True))
    changed = scrub_objects(exceptions.select_for_update(), ["reason"], erasure.own_marks)
    EligibilityException.objects.bulk_update(changed, ["reason"])
    erasure.count("free_text", len(changed))
    erasure.count("free_text", scrub_rows(Certificate.objects.exclude(registration_id__in=erasure.registration_ids),
                                          ["revoked_reason"], erasure.marks))
    erasure.count("free_text", scrub_rows(EligibilityException.objects.exclude(
        registration_id__in=erasure.registration_ids), ["reason"], erasure.marks))
    erasure.count("free_text", scrub_rows(IssueRun.objects.all(), ["error"], erasure.marks))
    if files:
        erasure.count("certificate_pdfs", len(files))
        transaction.on_commit(lambda: delete_certificate_files.delay(files), robust=True)


def certificates_erased_remnants(participant, registrations) -> list[str]:
    """The recipient names certificates still carry for a person erased before certificates were erased too."""
    return list(dict.fromkeys(
        Certificate.objects.filter(registration__in=registrations, recipient_erased_at__isnull=True)
        .exclude(recipient_name=participant.full_name).order_by("pk").values_list("recipient_name", flat=True)))
