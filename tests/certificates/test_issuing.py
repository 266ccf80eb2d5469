"""Issuing: numbers, bulk runs (resumable, one at a time), single issue, revoke, reissue, audit."""

import hashlib
import io
import os
import threading

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from certificates import services
from certificates.models import Certificate, CertificateSequence, IssueRun
from certificates.signing import validate_signature
from rakor.models import AuditEntry

from .factories_certificates import attended_everything, door_entry, past_event, registration, templates


@pytest.fixture
def event():
    event, _sessions = past_event(slug="rakorwas-uji", name="Rapat Koordinasi Pengawasan Uji")
    templates(event)
    return event


def attendees(event, n):
    regs = [registration(event) for _ in range(n)]
    for r in regs:
        attended_everything(r)
    return regs


def numbers(event):
    return list(Certificate.objects.filter(event=event).order_by("seq").values_list("number", flat=True))


@pytest.mark.django_db
def test_bulk_issue_numbers_every_earned_certificate_without_gaps(event):
    regs = attendees(event, 3)
    short = registration(event)
    door_entry(short, 0)
    run = services.issue_all(event=event, processes=1)
    assert (run.status, run.allocated, run.done, run.total) == ("done", 3, 3, 3)
    year = event.end_date.year
    month = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"][event.end_date.month - 1]
    assert numbers(event) == [f"000{i}/ITJEN/{month}/{year}" for i in (1, 2, 3)]
    assert not Certificate.objects.filter(registration=short).exists()
    for c in Certificate.objects.filter(event=event):
        data = default_storage.open(c.pdf.name).read()
        assert c.status == "issued"
        assert c.sha256 == hashlib.sha256(data).hexdigest()
        assert c.jp == 9
        assert c.registration_id in {r.pk for r in regs}
    assert CertificateSequence.objects.get(event=event).last_number == 3


@pytest.mark.django_db
def test_each_pdf_carries_a_valid_signature_of_the_whole_file(event):
    attendees(event, 2)
    services.issue_all(event=event, processes=1)
    for c in Certificate.objects.filter(event=event):
        status = validate_signature(default_storage.open(c.pdf.name).read())
        assert status == {"signed": True, "intact": True, "covers_whole_file": True,
                          "signer": "Panitia Rakorwas (sertifikat demo, swasertifikasi)"}
        assert c.signed_by == ("Panitia Rakorwas (sertifikat demo, swasertifikasi), Inspektorat Jenderal "
                               "Kementerian Agama Republik Indonesia")


@pytest.mark.django_db
def test_a_second_run_adds_only_what_is_new(event):
    attendees(event, 2)
    services.issue_all(event=event, processes=1)
    first = numbers(event)
    run = services.issue_all(event=event, processes=1)
    assert (run.allocated, run.total) == (0, 0)
    attendees(event, 1)
    run = services.issue_all(event=event, processes=1)
    assert run.allocated == 1
    assert numbers(event) == first + [first[-1].replace("0002", "0003")]


@pytest.mark.django_db
def test_a_run_that_crashes_half_way_is_finished_by_the_next_without_duplicate_or_skipped_numbers(
        event, settings, monkeypatch):
    settings.CERTIFICATE_BATCH_SIZE = 2
    attendees(event, 5)
    real = services._render_chunk
    calls = {"n": 0}

    def crash_on_second_batch(spec, items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("listrik padam")
        return real(spec, items)

    monkeypatch.setattr(services, "_render_chunk", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        services.issue_all(event=event, processes=1)
    run = IssueRun.objects.get()
    assert (run.status, run.done, run.total, run.error) == ("failed", 2, 5, "listrik padam")
    assert sorted(Certificate.objects.values_list("status", flat=True)) == ["issued"] * 2 + ["pending"] * 3
    monkeypatch.setattr(services, "_render_chunk", real)
    run = services.issue_all(event=event, processes=1)
    assert (run.status, run.allocated, run.done, run.total) == ("done", 0, 3, 3)
    seqs = list(Certificate.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5]
    assert set(Certificate.objects.values_list("status", flat=True)) == {"issued"}
    assert Certificate.objects.values("registration").distinct().count() == 5


@pytest.mark.django_db
def test_a_dead_run_does_not_block_the_next(event):
    attendees(event, 1)
    dead = IssueRun.objects.create(event=event, host=os.uname().nodename, pid=2 ** 22 + 12345)
    run = services.issue_all(event=event, processes=1)
    dead.refresh_from_db()
    assert dead.status == "interrupted"
    assert run.status == "done"


@pytest.mark.django_db
def test_a_second_run_while_one_is_running_is_refused(event):
    attendees(event, 1)
    first = services.issue_run_start(event=event)
    with pytest.raises(services.RunBusy) as exc:
        services.issue_run_start(event=event)
    assert exc.value.message.startswith("Penerbitan sertifikat untuk acara ini sedang berjalan")
    services.issue_run_execute(first, processes=1)
    assert services.issue_all(event=event, processes=1).status == "done"


@pytest.mark.django_db
def test_two_processes_render_the_same_certificates_as_one(event, settings):
    """The forked workers (2 processes) produce stored, signed PDFs like the in-process path."""
    settings.CERTIFICATE_BATCH_SIZE = 2
    attendees(event, 3)
    services.allocate(event=event, eligible=[e for e in __import__("certificates.eligibility", fromlist=["x"])
                                             .event_eligibility(event).values() if e.eligible])
    pending = list(Certificate.objects.select_related("event", "template", "registration__participant__unit"))
    # Inside the test's transaction the service refuses to fork and falls back to one process.
    assert services._processes(2, 2) == 1
    assert services.render_pending(pending, processes=2) == 3


@pytest.mark.django_db
def test_issue_one_on_demand_and_refuse_below_the_threshold(event):
    ok = attendees(event, 1)[0]
    short = registration(event)
    door_entry(short, 0)
    certificate = services.certificate_issue(registration=ok, by=None)
    assert (certificate.number.split("/")[0], certificate.status) == ("0001", "issued")
    assert services.certificate_issue(registration=ok, by=None).pk == certificate.pk
    with pytest.raises(services.CertificateError) as exc:
        services.certificate_issue(registration=short, by=None)
    assert exc.value.code == "not_eligible"
    assert exc.value.message == "Belum memenuhi syarat: hadir 3 dari 5 sesi (60%); minimal 80%."
    assert not Certificate.objects.filter(registration=short).exists()


@pytest.mark.django_db
def test_revoke_and_reissue_with_a_new_linked_number_all_audited(event):
    from tests.factories import organiser

    user = organiser()
    reg = attendees(event, 1)[0]
    first = services.certificate_issue(registration=reg, by=user)
    with pytest.raises(services.CertificateError):
        services.certificate_revoke(certificate=first, reason="", by=user)
    services.certificate_revoke(certificate=first, reason="Nama salah ketik", by=user)
    first.refresh_from_db()
    assert (first.status, first.revoked_reason) == ("revoked", "Nama salah ketik")
    second = services.certificate_reissue(certificate=first, reason="Nama diperbaiki", by=user)
    assert second.replaces_id == first.pk
    assert second.seq == 2
    assert second.status == "issued"
    with pytest.raises(services.CertificateError) as exc:
        services.certificate_reissue(certificate=first, reason="lagi", by=user)
    assert exc.value.code == "already_reissued"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "reason"))
    assert actions[-3:] == [("certificate_issue", ""), ("certificate_revoke", "Nama salah ketik"),
                            ("certificate_reissue", "Nama diperbaiki")]


@pytest.mark.django_db
def test_reissue_of_a_valid_certificate_revokes_it_first(event):
    reg = attendees(event, 1)[0]
    first = services.certificate_issue(registration=reg)
    second = services.certificate_reissue(certificate=first, reason="JP dihitung ulang", by=None)
    first.refresh_from_db()
    assert (first.status, first.revoked_reason) == ("revoked", "JP dihitung ulang")
    assert Certificate.objects.exclude(status="revoked").get() == second


@pytest.mark.django_db
def test_bulk_run_and_exception_are_audited(event):
    from tests.factories import organiser

    user = organiser()
    short = registration(event)
    door_entry(short, 0)
    services.exception_grant(registration=short, reason="Dinas luar atas perintah pimpinan", by=user)
    run = services.issue_all(event=event, by=user, processes=1)
    assert run.allocated == 1
    assert Certificate.objects.get().by_exception is True
    entries = list(AuditEntry.objects.exclude(action="create").order_by("pk")
                   .values_list("action", "actor_id", "event_id"))
    assert entries == [("certificate_exception", user.pk, event.pk), ("certificates_issue_all", user.pk, event.pk)]


@pytest.mark.django_db
def test_issue_certificates_command_prints_progress_and_summary(event):
    attendees(event, 2)
    out = io.StringIO()
    call_command("issue_certificates", event.slug, "--processes", "1", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-2] == "[########################################] 2/2 (100%)"
    assert lines[-1].startswith("rakorwas-uji: 2 nomor baru, 2 PDF dibuat dalam ")


@pytest.mark.django_db
def test_issue_certificates_command_names_an_unknown_event():
    from django.core.management import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("issue_certificates", "tidak-ada")
    assert str(exc.value) == "Acara tidak-ada tidak ada."


@pytest.mark.django_db
def test_email_with_the_download_link(event, mailoutbox, django_capture_on_commit_callbacks):
    reg = attendees(event, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_all(event=event, processes=1, send_email=True)
    certificate = Certificate.objects.get()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [reg.participant.email]
    assert message.subject == "Sertifikat Anda: Rapat Koordinasi Pengawasan Uji"
    assert f"{reg.portal_url}sertifikat.pdf" in message.body
    assert certificate.verify_url in message.body


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race to test")


def _in_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_bulk_runs_started_at_once_one_refuses_numbers_stay_unique(postgres_only, event):
    attendees(event, 4)
    results, errors = _in_threads(2, lambda i: services.issue_all(event=event, processes=1))
    assert len(results) + len(errors) == 2
    assert all(isinstance(e, services.RunBusy) for e in errors), errors
    assert len(results) >= 1
    assert list(Certificate.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4]
    assert set(Certificate.objects.values_list("status", flat=True)) == {"issued"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_wait_for_the_sequence_lock(postgres_only, event):
    from certificates.eligibility import event_eligibility

    regs = attendees(event, 6)
    results = event_eligibility(event)
    halves = [[results[r.pk] for r in regs[:3]], [results[r.pk] for r in regs[3:]]]
    created, errors = _in_threads(2, lambda i: len(services.allocate(event=event, eligible=halves[i])))
    assert errors == []
    assert sorted(created) == [3, 3]
    assert list(Certificate.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
