"""Benchmark: the organisers' dashboard and the attendance summary on a large event (issue 7).

Target: the dashboard summary for 100,000 registrations and ~300,000 check-ins
answers in ≤ 300 ms on PostgreSQL.

    .venv/bin/python bench/dashboard.py [--participants 100000] [--repeat 30] [--rebuild] [--with-index]

Uses the database ``rakor_bench_dash`` (PostgreSQL at 127.0.0.1, user postgres):
builds it once with ``seed_demo --participants N`` (the archive event
``rakorwas-2022`` then holds N registrations and about 3·N check-ins, almost all
online joins with their OnlineAttendance minutes) and reuses it on later runs;
``--rebuild`` drops it first. Then, in this process, times p50/p95 over
``--repeat`` calls of:

- ``dashboard_snapshot(archive, day 1)`` — the selector behind the projector page,
  the WebSocket's snapshot and ``/e/<event>/dashboard/data/`` — with the cache
  cleared before every call (cold) and with the online counts shared for 15 s;
- ``GET /e/<event>/dashboard/data/`` through Django's test client (middleware,
  session, JSON) as an organiser;
- ``attendance_summary`` (no cache) and ``GET /api/v1/events/<event>/attendance/summary/``
  with the cache cold (cleared before every call) and warm;

with baselines in the same run: the previous ``dashboard_snapshot`` (before issue 7,
copied below) and the naive ORM loop (two counts per unit for the dashboard; four
counts per unit and day for the summary).

``--with-index`` creates the covering index proposed in docs/benchmarks/dashboard.md
by hand (attendance's migrations belong to another change) before timing, and
``--drop-index`` removes it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "rakor_bench_dash"
PG = "postgres://postgres@127.0.0.1:5432"
INDEX_NAME = "bench_checkin_event_entry_cover"
INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON attendance_checkin (event_id, result, kind) "
    "INCLUDE (registration_id, day, session_id, method)"
)


def psql(sql: str, db: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def ensure_database(n: int, rebuild: bool) -> float | None:
    """Create and seed the database when missing (or asked); returns the seed's seconds, or None if reused."""
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'") == "1"
    if exists and not rebuild:
        have = psql("SELECT count(*) FROM attendance_registration r JOIN rakor_event e ON e.id = r.event_id "
                    "WHERE e.slug = 'rakorwas-2022'", DB_NAME) if _has_tables() else "0"
        if int(have or 0) >= n:
            return None
    if exists:
        psql(f"DROP DATABASE {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": f"{PG}/{DB_NAME}"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run([python, "manage.py", "seed_demo", "--participants", str(n)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _has_tables() -> bool:
    return psql("SELECT to_regclass('attendance_registration') IS NOT NULL", DB_NAME) == "t"


def timed(fn, repeat: int, before=None) -> list[float]:
    out = []
    for _ in range(repeat):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.0f} | {p95:.0f} | {max(ms):.0f} |"


# ---------------------------------------------------------------- baselines


def previous_snapshot(event, day, *, latest: int = 20) -> dict:
    """attendance.selectors.dashboard_snapshot as it was before issue 7 (commit 82b7c9e), for comparison."""
    from django.db.models import Count

    from attendance.models import Registration, RegistrationDay
    from attendance.selectors import _door_entries, checkin_payload
    from rakor.models import Unit

    expected_rows = (
        RegistrationDay.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED, date=day,
            mode=RegistrationDay.Mode.IN_PERSON,
        ).values("registration__participant__unit").annotate(n=Count("registration", distinct=True)).order_by()
    )
    present_rows = (_door_entries(event, day).values("registration__participant__unit")
                    .annotate(n=Count("registration", distinct=True)).order_by())
    expected = {r["registration__participant__unit"]: r["n"] for r in expected_rows}
    present = {r["registration__participant__unit"]: r["n"] for r in present_rows}
    units = Unit.objects.filter(pk__in=set(expected) | set(present)).order_by("sort_order", "name")
    per_unit = [{"unit": u.name, "province": u.province, "expected": expected.get(u.pk, 0),
                 "present": present.get(u.pk, 0)} for u in units]
    newest = _door_entries(event, day).select_related("registration__participant__unit").order_by(
        "-scanned_at", "-pk")[:latest]
    return {"per_unit": per_unit, "latest": [checkin_payload(c, event.tz) for c in newest]}


def naive_dashboard(event, day) -> list:
    """The ORM loop one writes first: two counts per unit."""
    from attendance.models import CheckIn, Registration, RegistrationDay
    from rakor.models import Unit

    rows = []
    for unit in Unit.objects.all():
        expected = RegistrationDay.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED, date=day,
            mode=RegistrationDay.Mode.IN_PERSON, registration__participant__unit=unit).count()
        present = CheckIn.objects.filter(event=event, day=day, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                                         session__isnull=True, registration__participant__unit=unit).count()
        if expected or present:
            rows.append((unit.name, expected, present))
    return rows


def naive_summary(event) -> list:
    """Four counts per unit and day (expected/present in person, expected/joined online)."""
    from attendance.models import CheckIn, Registration, RegistrationDay
    from rakor.models import Unit

    rows = []
    for unit in Unit.objects.all():
        for day in event.days:
            planned = RegistrationDay.objects.filter(registration__event=event, date=day,
                                                     registration__status=Registration.Status.APPROVED,
                                                     registration__participant__unit=unit)
            entries = CheckIn.objects.filter(event=event, day=day, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                                             registration__participant__unit=unit)
            rows.append((unit.pk, day,
                         planned.filter(mode=RegistrationDay.Mode.IN_PERSON).count(),
                         entries.filter(session__isnull=True).count(),
                         planned.filter(mode=RegistrationDay.Mode.ONLINE).count(),
                         entries.filter(method__in=("online", "import")).values("registration").distinct().count()))
    return rows


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--with-index", action="store_true")
    parser.add_argument("--drop-index", action="store_true")
    args = parser.parse_args()

    seed_seconds = ensure_database(args.participants, args.rebuild)
    if args.drop_index:
        psql(f"DROP INDEX IF EXISTS {INDEX_NAME}", DB_NAME)
    if args.with_index:
        psql(INDEX_SQL, DB_NAME)
        psql("VACUUM ANALYZE attendance_checkin", DB_NAME)
    has_index = psql(f"SELECT to_regclass('{INDEX_NAME}') IS NOT NULL", DB_NAME) == "t"

    os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from attendance import selectors
    from attendance.models import CheckIn, Registration
    from rakor.models import Event
    from tests.factories import organiser

    event = Event.objects.get(slug="rakorwas-2022")
    day = event.days[0]
    n_regs = Registration.objects.filter(event=event).count()
    n_checkins = CheckIn.objects.filter(event=event).count()
    user = organiser(username=f"bench-{int(time.time())}")
    client = Client()
    client.force_login(user)
    slug = event.slug

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    # Warm-up: connection, caches, plans.
    selectors.dashboard_snapshot(event, day)
    get(f"/e/{slug}/dashboard/data/?day={day.isoformat()}")
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        snap = selectors.dashboard_snapshot(event, day)
    n_snapshot_queries = len(queries)
    assert snap["per_unit"] == previous_snapshot(event, day)["per_unit"]
    summary = selectors.attendance_summary(event)
    started = time.perf_counter()
    naive = {(u, d): (a, b, c, e) for u, d, a, b, c, e in naive_summary(event)}
    naive_ms = [(time.perf_counter() - started) * 1000]  # one call: it takes a minute
    for unit in summary["per_unit"]:
        for d in unit["days"]:
            key = (unit["unit_id"], dt.date.fromisoformat(d["day"]))
            assert naive.get(key, (0, 0, 0, 0)) == (d["expected_in_person"], d["present_in_person"],
                                                     d["expected_online"], d["joined_online"]), key
    import uuid

    def new_scan():
        """A scan on day 3 (refused, so the data stays as seeded): the newest id moves, day 3 is recounted."""
        CheckIn.objects.create(event=event, ticket_text="bench", day=event.days[-1], scanned_at=event_start,
                               nonce=uuid.uuid4(), result=CheckIn.Result.INVALID)

    from django.utils import timezone as tz_

    event_start = tz_.now()
    r = args.repeat
    results = [
        ("dashboard_snapshot (day 1) — new, online counts cold", timed(
            lambda: selectors.dashboard_snapshot(event, day), r, before=cache.clear)),
        ("dashboard_snapshot (day 1) — new, online counts shared (15 s)", timed(
            lambda: selectors.dashboard_snapshot(event, day), r)),
        ("baseline: previous dashboard_snapshot", timed(lambda: previous_snapshot(event, day), r)),
        ("baseline: naive ORM loop per unit", timed(lambda: naive_dashboard(event, day), max(3, r // 10))),
        ("GET /e/…/dashboard/data/?day= (HTTP, organiser), cold",
         timed(lambda: get(f"/e/{slug}/dashboard/data/?day={day.isoformat()}"), r, before=cache.clear)),
        ("GET /e/…/dashboard/data/?day= (HTTP, organiser), online shared",
         timed(lambda: get(f"/e/{slug}/dashboard/data/?day={day.isoformat()}"), r)),
        ("attendance_summary (no cache)", timed(lambda: selectors.attendance_summary(event), max(5, r // 3))),
        ("GET /api/v1/…/attendance/summary/ cold cache",
         timed(lambda: get(f"/api/v1/events/{slug}/attendance/summary/"), max(5, r // 3), before=cache.clear)),
        ("GET /api/v1/…/attendance/summary/ warm cache", timed(lambda: get(f"/api/v1/events/{slug}/attendance/summary/"), r)),
        ("GET /api/v1/…/attendance/summary/ after a new check-in (added to the cached copy)",
         timed(lambda: get(f"/api/v1/events/{slug}/attendance/summary/"), r, before=new_scan)),
        ("baseline: naive summary loop per unit and day", naive_ms),
    ]
    try:
        CheckIn.objects.filter(event=event, ticket_text="bench").delete()
    except Exception as exc:  # e.g. a hash chain that refuses deletes: harmless refused scans stay
        print(f"# bench scans left in place: {exc}")
    load = os.getloadavg()
    print(f"# rakorwas-2022: {n_regs:,} registrations, {n_checkins:,} check-ins; "
          f"dashboard day {day}: {snap['totals']} online {snap['online']}")
    print(f"# snapshot queries: {n_snapshot_queries}; covering index {'ON' if has_index else 'off'}; "
          f"cache {type(cache).__name__}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if seed_seconds is not None:
        print(f"# seed_demo --participants {args.participants}: {seed_seconds:.0f} s")
    print("| what | calls | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for name, ms in results:
        print(row(name, ms))


if __name__ == "__main__":
    main()
