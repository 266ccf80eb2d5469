"""Benchmark: issue 10,000 signed certificates (target: at most 4 minutes on 2 cores, and at least
10x faster than one WeasyPrint document per certificate, measured in the same run).

    python bench/certificates.py [--participants 10000] [--baseline-sample 60] [--processes 2] [--stock]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python bench/certificates.py   # database rakor_bench_cert

Uses a throwaway database (SQLite bench/out/bench_certificates.sqlite3, or the PostgreSQL
database rakor_bench_cert) and bench/out/media-certificates/ for the PDFs. Builds an event of
three days with nine countable sessions and N participants who all attended in person, then:

(a) baseline: the naive way, one WeasyPrint document per certificate (`render_one_document`,
    no signature), timed over a sample and scaled to N (it is linear: every document
    subsets the fonts again). WeasyPrint subsets with HarfBuzz when libharfbuzz-subset is
    installed (Chromium pulls it in) and with fontTools otherwise; the JSON names which, and
    with HarfBuzz present the baseline is measured with fontTools as well;
(b) `issue_all`: eligibility, numbering, the fast path (certificates/fast/: static design laid
    out once, each person's text set by the typesetter into the boxes WeasyPrint measured,
    files written byte by byte and PAdES-signed in place) or, with --stock (the same as
    CERTIFICATE_FAST_PATH=false), the stock path (one WeasyPrint document per batch, pages
    split and merged with the static design by pypdf, each signed by pyHanko's PdfSigner),
    storage, database rows, for all N certificates: wall-clock and CPU time of all processes;
(c) a single certificate downloaded from the portal the first time (rendered and signed on
    demand) and again (from storage), through Django's test client: p50/p95.

Prints a Markdown summary and writes bench/out/certificates.json (certificates-stock.json with --stock).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCH_DB = "rakor_bench_cert"


def _prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlparse(url)
        import psycopg

        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{BENCH_DB}"))
        return "PostgreSQL"
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'bench_certificates.sqlite3'}"
    return "SQLite"


def _pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--baseline-sample", type=int, default=60)
    parser.add_argument("--downloads", type=int, default=60)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--stock", action="store_true", help="the stock path only (CERTIFICATE_FAST_PATH off)")
    args = parser.parse_args()

    engine = _prepare_database()
    media = OUT / "media-certificates"
    os.environ["MEDIA_ROOT"] = str(media)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    import django

    django.setup()
    import datetime as dt
    import shutil
    import uuid

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from attendance.models import CheckIn, Participant, Registration, RegistrationDay
    from certificates import design, fast, rendering, services, signing
    from certificates.eligibility import event_eligibility
    from certificates.models import Certificate
    from rakor.models import Event, Unit
    from agenda.models import Session

    if args.batch_size:
        settings.CERTIFICATE_BATCH_SIZE = args.batch_size
    if args.stock:
        settings.CERTIFICATE_FAST_PATH = False
    path = "fast" if fast.available() else "stock"
    load_before = os.getloadavg()
    shutil.rmtree(media, ignore_errors=True)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    # ------------------------------------------------------------ data: an event everyone attended
    t0 = time.monotonic()
    unit = Unit.objects.create(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", code="kanwil-jabar",
                               kind=Unit.Kind.PROVINCIAL, province="Jawa Barat")
    event = Event.objects.create(slug="rakorwas-bench", name="Rapat Koordinasi Pengawasan (Rakorwas) 2022",
                                 theme="Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile",
                                 venue="Hotel Novotel Mangga Dua, Jakarta", start_date=dt.date(2022, 11, 21),
                                 end_date=dt.date(2022, 11, 23), requires_approval=False)
    tz = event.tz
    for day_index, day in enumerate(event.days):
        for hour, minutes in ((8, 120), (10, 90), (13, 150)):
            start = dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz)
            Session.objects.create(event=event, title=f"Pleno hari {day_index + 1} pukul {hour}", day=day,
                                   start=start, end=start + dt.timedelta(minutes=minutes),
                                   mode=Session.Mode.HYBRID, status=Session.Status.ENDED)
    first_names = ["Muhammad", "Siti", "Ahmad", "Nur", "Dewi", "I Gusti Ngurah", "Ṣāliḥah", "Nguyễn Thị",
                   "Abdurrahman", "Yohanes", "Maria Goretti", "Made"]
    last_names = ["Hidayat", "Nurḥayātī", "Simanjuntak", "Wijaya", "Lestari", "Putra", "Çağlar", "Rahman",
                  "Sitompul", "Kusuma", "عبد الله", "Ananda Pratama"]
    total = args.participants + args.downloads
    people = [Participant(full_name=f"Dr. {first_names[i % 12]} {last_names[(i // 12) % 12]} {i}, M.Ag.",
                          id_kind=Participant.IdKind.OTHER, id_number=f"BENCH-{i:06d}", unit=unit,
                          position="Kepala Bagian Tata Usaha", email=f"peserta{i}@kemenag.go.id")
              for i in range(total)]
    Participant.objects.bulk_create(people, batch_size=2000)
    regs = [Registration(event=event, participant=p, status=Registration.Status.APPROVED) for p in people]
    Registration.objects.bulk_create(regs, batch_size=2000)
    RegistrationDay.objects.bulk_create([RegistrationDay(registration=r, date=d, mode=RegistrationDay.Mode.IN_PERSON)
                                         for r in regs for d in event.days], batch_size=5000)
    CheckIn.objects.bulk_create([
        CheckIn(event=event, registration=r, kind=CheckIn.Kind.ENTRY, day=d, method=CheckIn.Method.CAMERA,
                scanned_at=dt.datetime(d.year, d.month, d.day, 7, 30, tzinfo=tz), nonce=uuid.uuid4(),
                result=CheckIn.Result.OK)
        for r in regs for d in event.days], batch_size=5000)
    services.template_create_defaults(event=event)
    later = regs[args.participants:]  # these get their certificate on demand, for (c)
    Registration.objects.filter(pk__in=[r.pk for r in later]).update(status=Registration.Status.PENDING)
    setup_seconds = time.monotonic() - t0
    signer = signing.signer_label()

    # ------------------------------------------------------------ (b) issue_all, all N, signatures included
    marks = {}

    def progress(run):
        if run.total and "allocated" not in marks:
            marks["allocated"] = time.monotonic()

    import resource

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    cpu_before = cpu()
    started = time.monotonic()
    run = services.issue_all(event=event, processes=args.processes, progress=progress)
    issue_seconds = time.monotonic() - started
    issue_cpu = cpu() - cpu_before
    prepare_seconds = marks.get("allocated", started) - started
    assert run.done == args.participants, (run.done, args.participants)
    issued = Certificate.objects.filter(event=event, status="issued").count()
    seqs = list(Certificate.objects.filter(event=event).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, args.participants + 1)), "numbers are not gapless"
    sizes = [os.path.getsize(media / c) for c in
             Certificate.objects.filter(event=event).values_list("pdf", flat=True)[:200]]

    # ------------------------------------------------------------ (a) baseline: one document per certificate
    sample = list(Certificate.objects.filter(event=event).select_related(
        "event", "template", "registration__participant__unit").order_by("seq")[:args.baseline_sample])
    spec = design.template_spec(sample[0].template)
    items = [design.certificate_item(c) for c in sample]
    rendering.render_one_document(spec, items[0])  # warm-up (font loading, template compile)
    t, c = time.monotonic(), time.process_time()
    baseline_pdfs = [rendering.render_one_document(spec, item) for item in items]
    baseline_per_doc = (time.monotonic() - t) / len(items)
    baseline_cpu_per_doc = (time.process_time() - c) / len(items)
    # WeasyPrint subsets fonts with HarfBuzz when libharfbuzz-subset is installed (Debian's
    # libharfbuzz-subset0, which Chromium pulls in), else with fontTools, several times slower.
    # Measure the baseline both ways when both are possible.
    import weasyprint.pdf.fonts as wfonts

    subsetter = "harfbuzz" if wfonts.harfbuzz_subset else "fonttools"
    fonttools_per_doc = fonttools_cpu_per_doc = None
    if subsetter == "harfbuzz":
        saved, wfonts.harfbuzz_subset = wfonts.harfbuzz_subset, None
        try:
            sample_n = min(len(items), 10)
            t, c = time.monotonic(), time.process_time()
            for item in items[:sample_n]:
                rendering.render_one_document(spec, item)
            fonttools_per_doc = (time.monotonic() - t) / sample_n
            fonttools_cpu_per_doc = (time.process_time() - c) / sample_n
        finally:
            wfonts.harfbuzz_subset = saved
    t = time.monotonic()
    for pdf in baseline_pdfs[:20]:
        signing.sign_pdf(pdf)
    sign_per_doc = (time.monotonic() - t) / min(20, len(baseline_pdfs))
    baseline_seconds = baseline_per_doc * args.participants

    # ------------------------------------------------------------ (c) downloads, first time and from storage
    Registration.objects.filter(pk__in=[r.pk for r in later]).update(status=Registration.Status.APPROVED)
    results = event_eligibility(event, Registration.objects.filter(pk__in=[r.pk for r in later])
                                .select_related("participant__unit"))
    services.allocate(event=event, eligible=[e for e in results.values() if e.eligible])  # numbered, no PDF yet
    client = Client()
    first, again = [], []
    for r in Registration.objects.filter(pk__in=[r.pk for r in later]).order_by("pk"):
        url = f"/t/{r.portal_secret}/sertifikat.pdf"
        t = time.monotonic()
        response = client.get(url)
        body = b"".join(response.streaming_content)
        first.append(time.monotonic() - t)
        assert response.status_code == 200 and body.startswith(b"%PDF"), response.status_code
        t = time.monotonic()
        response = client.get(url)
        b"".join(response.streaming_content)
        again.append(time.monotonic() - t)

    result = {
        "engine": engine, "path": path, "participants": args.participants, "processes": args.processes,
        "batch_size": settings.CERTIFICATE_BATCH_SIZE, "signer": signer, "setup_seconds": round(setup_seconds, 1),
        "issue_all_seconds": round(issue_seconds, 1),
        "issue_all_prepare_seconds": round(prepare_seconds, 1),
        "issue_all_per_certificate_ms": round(issue_seconds / args.participants * 1000, 2),
        "issue_all_cpu_seconds": round(issue_cpu, 1),
        "issue_all_cpu_per_certificate_ms": round(issue_cpu / args.participants * 1000, 2),
        "baseline_cpu_per_document_ms": round(baseline_cpu_per_doc * 1000, 1),
        "speedup_cpu": round(baseline_cpu_per_doc * args.participants / issue_cpu, 1),
        "projected_seconds_on_2_free_cores": round(issue_cpu / 2, 1),
        "issued": issued,
        "weasyprint_subsetter": subsetter,
        "baseline_fonttools_per_document_ms": round(fonttools_per_doc * 1000, 1) if fonttools_per_doc else None,
        "baseline_fonttools_cpu_per_document_ms": round(fonttools_cpu_per_doc * 1000, 1) if fonttools_per_doc
        else None,
        "speedup_vs_fonttools_baseline": round(fonttools_per_doc * args.participants / issue_seconds, 1)
        if fonttools_per_doc else None,
        "baseline_per_document_ms": round(baseline_per_doc * 1000, 1),
        "baseline_sample": len(items),
        "baseline_seconds_for_all": round(baseline_seconds, 1),
        "speedup": round(baseline_seconds / issue_seconds, 1),
        "signature_per_document_ms": round(sign_per_doc * 1000, 1),
        "pdf_size_kb_median": round(statistics.median(sizes) / 1024, 1),
        "download_first_p50_ms": round(_pct(first, 50) * 1000), "download_first_p95_ms": round(_pct(first, 95) * 1000),
        "download_stored_p50_ms": round(_pct(again, 50) * 1000),
        "download_stored_p95_ms": round(_pct(again, 95) * 1000),
        "downloads": len(first),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / ("certificates-stock.json" if path == "stock" else "certificates.json")).write_text(
        json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print()
    print(f"| {engine} | N = {args.participants} | {args.processes} processes | {path} path |")
    print("|---|---|")
    print(f"| baseline: one WeasyPrint document per certificate (no signature; fonts subset by {subsetter}) | "
          f"{result['baseline_per_document_ms']} ms each → {result['baseline_seconds_for_all']} s for N |")
    if fonttools_per_doc:
        print(f"| baseline with fontTools subsetting instead | {result['baseline_fonttools_per_document_ms']} ms "
              f"each (CPU {result['baseline_fonttools_cpu_per_document_ms']} ms) → speed-up "
              f"{result['speedup_vs_fonttools_baseline']}x |")
    print(f"| issue_all (eligibility, numbers, batch render, split, sign, store) | {result['issue_all_seconds']} s "
          f"({result['issue_all_per_certificate_ms']} ms per certificate) |")
    print(f"| speed-up (wall clock) | {result['speedup']}x |")
    print(f"| CPU: baseline {result['baseline_cpu_per_document_ms']} ms per document; issue_all "
          f"{result['issue_all_cpu_per_certificate_ms']} ms per certificate (all processes) | "
          f"{result['speedup_cpu']}x |")
    print(f"| download, first time (render + sign on demand) p50 / p95 | {result['download_first_p50_ms']} / "
          f"{result['download_first_p95_ms']} ms |")
    print(f"| download from storage p50 / p95 | {result['download_stored_p50_ms']} / "
          f"{result['download_stored_p95_ms']} ms |")


if __name__ == "__main__":
    main()
