"""Benchmark: sealing and verifying the attendance chain (attendance/chain.py) on a large event.

    .venv/bin/python bench/chain.py [--rows 100000] [--increment 50] [--repeat 5]

Uses the PostgreSQL database ``rakor_bench_chain`` (127.0.0.1, user postgres), created
and migrated afresh each run. Inserts ``--rows`` check-ins for one event, then times:

- ``seal_event`` of all rows (the first seal of an archive, or a sealer that was down);
- the beat task's idle pass (``seal_event`` with nothing to seal: what it costs every
  5 seconds during an event), and sealing ``--increment`` new rows on top (a busy
  5 seconds at the doors);
- ``verify_event`` over the whole chain (``manage.py verify_attendance``).

Baselines in the same run: reading the same rows' chain fields in id order (the floor
for seal and verify: every row must be read once) and counting the event's check-ins
(the floor for an idle pass that has to find unsealed rows).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "rakor_bench_chain"
PG = "postgres://postgres@127.0.0.1:5432"


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--increment", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=os.environ, check=True)

    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from attendance import chain
    from attendance.models import CheckIn
    from rakor.models import Event

    event = Event.objects.create(slug="bench-chain", name="Bench", start_date=dt.date(2022, 11, 21),
                                 end_date=dt.date(2022, 11, 23))
    base = dt.datetime(2022, 11, 21, 0, 30, tzinfo=dt.timezone.utc)

    def add(n: int) -> None:
        now = timezone.now()
        batch = []
        for i in range(n):
            batch.append(CheckIn(event=event, ticket_text=f"R1.bench.{i}", kind="entry", day=event.start_date,
                                 method="camera", gate="Meja 1", scanned_at=base + dt.timedelta(seconds=i),
                                 received_at=now, nonce=uuid.uuid4(), result="invalid_ticket"))
            if len(batch) == 5000:
                CheckIn.objects.bulk_create(batch)
                batch = []
        CheckIn.objects.bulk_create(batch)

    started = time.perf_counter()
    add(args.rows)
    print(f"inserted {args.rows} check-ins in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE attendance_checkin")

    read_floor, _ = timed(lambda: list(CheckIn.objects.filter(event=event).order_by("pk")
                                      .values_list(*chain._ATTNAMES).iterator(chunk_size=2000)), args.repeat)
    count_floor, _ = timed(lambda: CheckIn.objects.filter(event=event).count(), args.repeat)
    seal_all, sealed = timed(lambda: chain.seal_event(event))
    assert sealed == args.rows
    idle, n = timed(lambda: chain.seal_event(event), args.repeat)
    assert n == 0
    increments = []
    for _ in range(args.repeat):
        add(args.increment)
        t, n = timed(lambda: chain.seal_event(event))
        assert n == args.increment
        increments.append(t)
    verify, report = timed(lambda: chain.verify_event(event), max(1, args.repeat // 2))
    assert report.ok and report.sealed_ok == args.rows + args.repeat * args.increment

    rows = args.rows
    print(f"\nPostgreSQL, one event, {rows} check-ins (median of {args.repeat}):")
    print(f"  baseline: read every row's chain fields  {read_floor * 1000:8.1f} ms  ({rows / read_floor:,.0f} rows/s)")
    print(f"  seal_event, all rows                     {seal_all * 1000:8.1f} ms  ({rows / seal_all:,.0f} rows/s, "
          f"{seal_all / read_floor:.1f}× the read)")
    print(f"  verify_event, whole chain                {verify * 1000:8.1f} ms  ({report.sealed_ok / verify:,.0f} rows/s, "
          f"{verify / read_floor:.1f}× the read)")
    print(f"  baseline: count the event's check-ins    {count_floor * 1000:8.1f} ms")
    print(f"  beat task idle pass (nothing to seal)    {idle * 1000:8.1f} ms  ({idle / count_floor:.1f}× the count)")
    print(f"  seal {args.increment} new rows on top               {statistics.median(increments) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
