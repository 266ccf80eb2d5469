"""Benchmark: import 50,000 participants from one .xlsx (target: at most 60 s on 2 cores).

    python bench/import_xlsx.py [--rows 50000]                 # SQLite: bench/out/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x python bench/import_xlsx.py
                                                              # PostgreSQL: database rakor_bench

Uses a throwaway database (never the one in DATABASE_URL itself): creates it, runs
`migrate`, flushes it, builds a unit tree and an event, writes the file into
bench/out/, then measures (a) openpyxl alone reading every row, (b) the dry run,
(c) the import, (d) the same file imported again (all updates).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BENCH_DB = "rakor_bench"


def _prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlparse(url)
        import psycopg

        admin = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{BENCH_DB}"))
        return "PostgreSQL"
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'bench.sqlite3'}"
    return "SQLite"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the import, top 25 by cumulative time")
    args = parser.parse_args()

    engine = _prepare_database()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from attendance.importing import import_participants
    from attendance.models import Registration, RegistrationDay, UnitQuota
    from make_import_file import make_unit_tree, write_xlsx
    from rakor.models import Event, Unit

    load_before = f"{os.getloadavg()[0]:.1f}"
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    codes = make_unit_tree()
    event = Event.objects.create(slug="bench", name="Rakorwas Benchmark", start_date=dt.date(2022, 11, 21),
                                 end_date=dt.date(2022, 11, 23), requires_approval=True)
    for kanwil in Unit.objects.filter(kind=Unit.Kind.PROVINCIAL):
        UnitQuota.objects.create(event=event, unit=kanwil, in_person_seats=400)

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"peserta-{args.rows}.xlsx"
    started = time.monotonic()
    write_xlsx(path, args.rows, codes)
    generated = time.monotonic() - started

    from openpyxl import load_workbook

    started = time.monotonic()
    workbook = load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _row in workbook.active.iter_rows(values_only=True))
    workbook.close()
    read_only = time.monotonic() - started

    timings = []
    for label, dry_run in (("dry run", True), ("import", False), ("re-import (updates)", False)):
        if args.profile and label == "import":
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.monotonic()
        report = import_participants(event=event, source=str(path), dry_run=dry_run)
        elapsed = time.monotonic() - started
        if args.profile and label == "import":
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        timings.append((label, elapsed, report))

    regs = Registration.objects.filter(event=event).count()
    days = RegistrationDay.objects.filter(registration__event=event).count()
    print(f"\nload average before/after: {load_before} / {os.getloadavg()[0]:.1f}")
    print(f"Import benchmark — {engine} ({connection.settings_dict['NAME']}), {os.cpu_count()} cores, "
          f"{dt.date.today():%Y-%m-%d}")
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {n - 1} data rows (generated in {generated:.1f} s)")
    print(f"{'step':<24}{'seconds':>9}{'rows/s':>10}  result")
    print(f"{'openpyxl read only':<24}{read_only:>9.1f}{(n - 1) / read_only:>10.0f}")
    for label, elapsed, report in timings:
        print(f"{label:<24}{elapsed:>9.1f}{report.rows / elapsed:>10.0f}  created {report.created}, "
              f"updated {report.updated}, skipped {report.skipped}"
              + (f"; writing {report.seconds_writing:.1f} s" if not report.dry_run else ""))
    print(f"database: {regs} registrations, {days} registration days")
    worst = max(t[1] for t in timings if t[0] != "dry run")
    print("target (import <= 60 s):", "met" if worst <= 60 else "MISSED")


if __name__ == "__main__":
    main()
