"""Benchmark: the join storm — many online participants tapping their join link at once.

Issue 4 target: ``GET /t/<secret>/join/<session>/`` reaches at least 60% of the
requests per second of a bare Django view doing one INSERT and a redirect, served
the same way (uvicorn, 2 workers, PostgreSQL), in the same run; and every 302 has
exactly one accepted online CheckIn behind it (nothing lost, nothing doubled).

    .venv/bin/python bench/join_storm.py [--registrations 20000] [--requests 4000] [--rounds 2]

Drops and re-creates the database ``rakor_bench_join``, seeds one event with N
approved online registrations and one live session with a meeting URL, then drives
both endpoints alternately with 32 keep-alive clients, each request a different
registration's link (redirects are not followed). Reuses bench/checkin_api.py's
client, CPU accounting and set-up helpers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checkin_api import (PG, Conn, free_port, redis_url, sh_psql, summary,  # noqa: E402
                               wait_for_port)
from bench.checkin_api import _TICK  # noqa: E402

DB_NAME = "rakor_bench_join"
MEETING_URL = "https://us02web.zoom.us/j/81234567890?pwd=BenchRapat"


def seed(n: int):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from attendance.models import Participant, Registration, RegistrationDay
    from rakor.models import Event, Unit
    from agenda.models import Session

    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, nonce uuid NOT NULL UNIQUE, "
                  "payload varchar(200) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
    with transaction.atomic():
        units = [Unit(name=f"Kantor Kementerian Agama Kabupaten Bench {i}", code=f"bench-{i}",
                      kind=Unit.Kind.DISTRICT, province=f"Provinsi {i % 34}", sort_order=i) for i in range(120)]
        for u in units:
            u.save()
        event = Event(slug="rakorwas-join-bench", name="Rakorwas Join Bench", start_date=dt.date.today(),
                      end_date=dt.date.today(), requires_approval=False)
        now = timezone.now()
        today = timezone.localtime(now, event.tz).date()
        event.start_date = today - dt.timedelta(days=1)
        event.end_date = today + dt.timedelta(days=1)
        event.save()
        session = Session.objects.create(
            event=event, title="Pembukaan oleh Menteri Agama", day=today, start=now - dt.timedelta(minutes=5),
            end=now + dt.timedelta(hours=6), mode=Session.Mode.HYBRID, meeting_url=MEETING_URL,
            status=Session.Status.LIVE)
        people = Participant.objects.bulk_create(
            [Participant(full_name=f"Peserta Daring {i}", id_kind=Participant.IdKind.OTHER, id_number="",
                         position="Kepala Kantor", unit=units[i % len(units)]) for i in range(n)], batch_size=2000)
        regs = Registration.objects.bulk_create(
            [Registration(event=event, participant=p, status=Registration.Status.APPROVED) for p in people],
            batch_size=2000)
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=r, date=d, mode=RegistrationDay.Mode.ONLINE) for r in regs for d in event.days],
            batch_size=5000)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    paths = [f"/t/{r.portal_secret}/join/{session.pk}/" for r in regs]
    session_id = session.pk
    connection.close()
    return session_id, paths


async def get(conn: Conn, path: str) -> tuple[int, bytes]:
    """GET without following the redirect: (status, Location)."""
    status, head, _body = await conn.request("GET", path)
    for line in head.split(b"\r\n"):
        if line[:9].lower() == b"location:":
            return status, line[9:].strip()
    return status, b""


async def drive(port, paths, concurrency):
    queue = list(reversed(paths))
    latencies, errors, redirects = [], [], 0
    conns = [Conn(port) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))

    async def worker(conn):
        nonlocal redirects
        while queue:
            path = queue.pop()
            t0 = time.perf_counter()
            status, location = await get(conn, path)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status == 302 and location == MEETING_URL.encode():
                redirects += 1
            else:
                errors.append((status, location[:200]))

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed, latencies, errors, redirects


def cpu_by_process(server_pgid: int) -> dict:
    """CPU seconds so far: the server's processes (one sum) and each PostgreSQL backend of this benchmark's database.

    Backends are told by their process title ("postgres: user rakor_bench_join ..."), so other
    engineers' databases on the same server do not count (bench.checkin_api.cpu_seconds sums
    every postgres process, and one that exits mid-run makes its total go down).
    """
    server, backends, client = 0.0, {}, 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
            title = Path(f"/proc/{entry}/cmdline").read_bytes() if "(postgres)" in raw else b""
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        pgid, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK
        if int(entry) == os.getpid():
            client += used
        elif pgid == server_pgid:
            server += used
        elif f" {DB_NAME} ".encode() in title:
            backends[int(entry)] = used
    return {"server": server, "backends": backends, "client": client}


def cpu_delta(before: dict, after: dict) -> dict:
    """Seconds used between two cpu_by_process() readings (a backend started meanwhile counts from zero)."""
    return {"server": after["server"] - before["server"], "client": after["client"] - before["client"],
            "postgres": sum(used - before["backends"].get(pid, 0.0) for pid, used in after["backends"].items())}


def count_rows(session_id: int) -> dict:
    import django
    from django.db import connection

    django.setup()
    from attendance.models import CheckIn
    from attendance.models import OnlineAttendance

    counts = {
        "checkin_ok_online": CheckIn.objects.filter(session_id=session_id, method=CheckIn.Method.ONLINE,
                                                     result=CheckIn.Result.OK).count(),
        "checkin_other": CheckIn.objects.filter(session_id=session_id).exclude(result=CheckIn.Result.OK).count(),
        "online_attendance": OnlineAttendance.objects.filter(session_id=session_id).count(),
    }
    connection.close()
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registrations", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=4000, help="measured requests per endpoint per round")
    ap.add_argument("--warmup", type=int, default=800)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    needed = args.warmup + args.requests * args.rounds
    if needed > args.registrations:
        raise SystemExit(f"need at least {needed} registrations (one join per registration)")

    sh_psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    sh_psql(f"CREATE DATABASE {DB_NAME}")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings_join_bench", DATABASE_URL=f"{PG}/{DB_NAME}",
               REDIS_URL=redis_url(), DEBUG="0", PYTHONPATH=str(ROOT))
    os.environ.update(env)
    t0 = time.time()
    session_id, paths = seed(args.registrations)
    print(f"seeded {len(paths)} online registrations in {time.time() - t0:.1f}s; "
          f"redis={'yes' if env['REDIS_URL'] else 'no'}", flush=True)
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/uvicorn"), "--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "rakor.asgi:application"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port, server)
        redirects = asyncio.run(run_load(args, port, paths, env, server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    counts = count_rows(session_id)
    print(f"join 302s to the meeting URL: {redirects}; accepted online CheckIn rows: {counts['checkin_ok_online']}; "
          f"other CheckIn rows: {counts['checkin_other']}; OnlineAttendance rows: {counts['online_attendance']}")
    consistent = counts["checkin_ok_online"] == redirects == counts["online_attendance"]
    print("nothing lost, nothing doubled" if consistent else "MISMATCH between redirects and attendance rows")
    if args.json:
        data = json.loads(Path(args.json).read_text())
        data.update({"redirects": redirects, "rows": counts, "consistent": consistent})
        Path(args.json).write_text(json.dumps(data, indent=2))
    if not consistent:
        raise SystemExit(1)


async def run_load(args, port, paths, env, server_pgid):
    it = iter(paths)
    counter = iter(range(10 ** 9))
    c = args.concurrency

    def joins(n):
        return [next(it) for _ in range(n)]

    def baselines(n):
        return [f"/bench/join/{next(counter)}/" for _ in range(n)]

    total_redirects = 0
    _, _, errs, ok = await drive(port, baselines(args.warmup), c)
    _, _, errs2, ok2 = await drive(port, joins(args.warmup), c)
    total_redirects += ok2
    if errs or errs2:
        print(f"warm-up errors: baseline {errs[:1]} join {errs2[:1]}", flush=True)
    results = {"baseline": [], "join": []}
    cpu = {"baseline": {}, "join": {}}

    async def measured(name, batch):
        nonlocal total_redirects
        before = cpu_by_process(server_pgid)
        run = await drive(port, batch, c)
        used = cpu_delta(before, cpu_by_process(server_pgid))
        results[name].append(run)
        if name == "join":
            total_redirects += run[3]
        for k, v in used.items():
            cpu[name][k] = cpu[name].get(k, 0.0) + v

    for _ in range(args.rounds):
        await measured("baseline", baselines(args.requests))
        await measured("join", joins(args.requests))
    rows = []
    for name, runs in results.items():
        elapsed = sum(r[0] for r in runs)
        lat = [x for r in runs for x in r[1]]
        errs = [x for r in runs for x in r[2]]
        if errs:
            print(f"{name}: {len(errs)} errors, first: {errs[0]}", flush=True)
        rows.append(summary(name, elapsed, lat, errs))
        rows[-1]["cpu_ms_per_request"] = {k: round(v * 1000 / len(lat), 2) for k, v in cpu[name].items()}
    ratio = rows[1]["rps"] / rows[0]["rps"]
    print(f"{'endpoint':<10} {'req':>6} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6}")
    for r in rows:
        print(f"{r['endpoint']:<10} {r['requests']:>6} {r['rps']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7} "
              f"{r['errors']:>6}")
    for r in rows:
        print(f"{r['endpoint']:<10} CPU per request (ms): " + ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_request"].items()))
    print(f"ratio join / baseline = {ratio:.2f} (target >= 0.60); load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "registrations": args.registrations, "concurrency": c, "workers": args.workers, "rounds": args.rounds,
            "redis": bool(env["REDIS_URL"]), "cpus": os.cpu_count(), "results": rows, "ratio": round(ratio, 3),
            "target_ratio_met": ratio >= 0.6}, indent=2))
    return total_redirects


if __name__ == "__main__":
    import uvloop

    uvloop.install()
    main()
