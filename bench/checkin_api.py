"""Benchmark: POST /api/v1/checkins/ against a bare Django endpoint doing one INSERT.

Issue target: the check-in API reaches at least 60% of the baseline's requests
per second, both served the same way (uvicorn, 2 workers, PostgreSQL, Redis when
available), measured in the same run; p99 <= 100 ms with 32 concurrent scanners.

    .venv/bin/python bench/checkin_api.py [--registrations 20000] [--requests 4000] [--rounds 2]

It drops and re-creates the database ``rakor_bench_checkin``, migrates, seeds
one event with N approved in-person registrations and a scanner device, starts
uvicorn and drives both endpoints alternately with C concurrent keep-alive
clients (each check-in a different ticket and a fresh nonce). The load
generator is a minimal asyncio HTTP/1.1 client on uvloop so that it takes as
little as possible of the CPU it shares with the server; it still competes for
the same cores, which lowers both numbers alike.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from loadclient import Conn  # noqa: E402  (re-exported for bench/join_storm.py)
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rakor_bench_checkin"


def sh_psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True)


def redis_url() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(16).startswith(b"+PONG"):
                return "redis://127.0.0.1:6379/14"
    except OSError:
        pass
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- set-up (in this process, through the ORM)


def seed(n: int):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from attendance.models import CheckInWindow, Participant, Registration, RegistrationDay
    from attendance.services import device_create
    from rakor.models import Event, Unit
    from rakor.signing import sign_ticket

    call_command("migrate", verbosity=0)
    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, nonce uuid NOT NULL UNIQUE, "
                  "payload varchar(200) NOT NULL, created_at timestamptz NOT NULL DEFAULT now())")
    # Today, with the door open all day: the server's clock decides a check-in's day (issue 19), and a
    # device of an event that has ended is refused, so the benchmark scans an event that is running.
    day = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
    with transaction.atomic():
        units = [Unit(name=f"Kanwil Kemenag Provinsi Bench {i}", code=f"bench-{i}", kind=Unit.Kind.PROVINCIAL,
                      province=f"Provinsi {i}", sort_order=i) for i in range(34)]
        for u in units:
            u.save()
        event = Event.objects.create(slug="rakorwas-bench", name="Rakorwas Bench", start_date=day,
                                     end_date=day + dt.timedelta(days=2), requires_approval=False)
        people = Participant.objects.bulk_create(
            [Participant(full_name=f"Peserta Bench {i}", id_kind=Participant.IdKind.OTHER, id_number="",
                         position="Kepala Bagian Tata Usaha", unit=units[i % len(units)]) for i in range(n)],
            batch_size=2000)
        regs = Registration.objects.bulk_create(
            [Registration(event=event, participant=p, status=Registration.Status.APPROVED) for p in people],
            batch_size=2000)
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=r, date=d, mode=RegistrationDay.Mode.IN_PERSON)
             for r in regs for d in event.days], batch_size=5000)
        CheckInWindow.objects.bulk_create([CheckInWindow(event=event, date=d, opens=dt.time(0), closes=dt.time(23, 59, 59))
                                           for d in event.days])
        _, token = device_create(event=event, name="Meja Bench", by=None)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    tickets = [sign_ticket(event_slug=event.slug, public_id=r.public_id, signing_key=event.signing_key) for r in regs]
    connection.close()
    scanned_at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=event.tz).isoformat()
    return event.slug, token, tickets, scanned_at


# ---------------------------------------------------------------- load generator


async def drive(port, path, bodies, headers, concurrency, expect):
    """Send every body once with `concurrency` clients; returns (seconds, latencies in ms, errors)."""
    queue = list(reversed(bodies))
    latencies, errors = [], []
    conns = [Conn(port) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))

    async def worker(conn):
        while queue:
            body = queue.pop()
            t0 = time.perf_counter()
            status, answer = await conn.post(path, body, headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200 or not expect(answer):
                errors.append((status, answer[:200]))

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed, latencies, errors


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_pgid: int) -> dict:
    """CPU seconds used so far by the server processes, PostgreSQL and this client (from /proc)."""
    totals = {"server": 0.0, "postgres": 0.0, "client": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        pgid, used = int(fields[2]), (int(fields[11]) + int(fields[12])) / _TICK
        if int(entry) == os.getpid():
            totals["client"] += used
        elif pgid == server_pgid:
            totals["server"] += used
        elif comm == "postgres":
            totals["postgres"] += used
    return totals


async def drive_paced(port, path, bodies, headers, scanners, interval, expect):
    """`scanners` desks, each sending its next scan `interval` seconds after the previous one
    started (with a random phase): the desk at the door, not a saturating client."""
    import random

    per = len(bodies) // scanners
    latencies, errors = [], []
    conns = [Conn(port) for _ in range(scanners)]
    await asyncio.gather(*(c.open() for c in conns))

    async def desk(i, conn):
        await asyncio.sleep(random.random() * interval)
        for body in bodies[i * per:(i + 1) * per]:
            t0 = time.perf_counter()
            status, answer = await conn.post(path, body, headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200 or not expect(answer):
                errors.append((status, answer[:200]))
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))

    start = time.perf_counter()
    await asyncio.gather(*(desk(i, c) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    return elapsed, latencies, errors


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name, elapsed, lat, errors):
    return {"endpoint": name, "requests": len(lat), "seconds": round(elapsed, 2), "rps": round(len(lat) / elapsed, 1),
            "p50_ms": round(pct(lat, 50), 1), "p95_ms": round(pct(lat, 95), 1), "p99_ms": round(pct(lat, 99), 1),
            "mean_ms": round(statistics.fmean(lat), 1), "errors": len(errors)}


def wait_for_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"uvicorn exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("uvicorn did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registrations", type=int, default=20000)
    ap.add_argument("--requests", type=int, default=4000, help="measured requests per endpoint per round")
    ap.add_argument("--warmup", type=int, default=800)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--paced-seconds", type=float, default=20, help="length of the paced run (32 desks, 1 scan/s each)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    needed = args.warmup + args.requests * args.rounds + int(args.concurrency * args.paced_seconds) + args.concurrency
    if needed > args.registrations:
        raise SystemExit(f"need at least {needed} registrations (one ticket per check-in)")

    sh_psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    sh_psql(f"CREATE DATABASE {DB_NAME}")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings_bench", DATABASE_URL=f"{PG}/{DB_NAME}",
               REDIS_URL=redis_url(), DEBUG="0", PYTHONPATH=str(ROOT))
    os.environ.update(env)
    t0 = time.time()
    slug, token, tickets, scanned_at = seed(args.registrations)
    print(f"seeded {len(tickets)} registrations in {time.time() - t0:.1f}s; redis={'yes' if env['REDIS_URL'] else 'no'}",
          flush=True)

    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/uvicorn"), "--workers", str(args.workers), "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning", "rakor.asgi:application"],
        cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for_port(port, server)
        asyncio.run(run_load(args, port, slug, token, tickets, scanned_at, env, server.pid))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


async def run_load(args, port, slug, token, tickets, scanned_at, env, server_pgid):
    import uvloop  # noqa: F401  (imported to fail early if missing; the loop policy is set below)

    device_header = f"Authorization: Device {token}\r\n"
    it = iter(tickets)

    def checkin_bodies(n):
        return [json.dumps({"ticket": next(it), "event": slug, "kind": "entry", "nonce": str(uuid.uuid4()),
                            "scanned_at": scanned_at}).encode() for _ in range(n)]

    def insert_bodies(n):
        return [json.dumps({"ticket": "x" * 80, "nonce": str(uuid.uuid4())}).encode() for _ in range(n)]

    ok = lambda answer: json.loads(answer).get("result") == "ok"  # noqa: E731
    c = args.concurrency
    # Warm-up: every worker process, its connections and code paths.
    await drive(port, "/bench/insert/", insert_bodies(args.warmup), "", c, ok)
    await drive(port, "/api/v1/checkins/", checkin_bodies(args.warmup), device_header, c, ok)
    results = {"baseline": [], "checkin": []}
    cpu = {"baseline": {}, "checkin": {}}

    async def measured(name, path, bodies, headers):
        before = cpu_seconds(server_pgid)
        results[name].append(await drive(port, path, bodies, headers, c, ok))
        after = cpu_seconds(server_pgid)
        for k in after:
            cpu[name][k] = cpu[name].get(k, 0.0) + after[k] - before[k]

    for _ in range(args.rounds):
        await measured("baseline", "/bench/insert/", insert_bodies(args.requests), "")
        await measured("checkin", "/api/v1/checkins/", checkin_bodies(args.requests), device_header)
    paced_n = int(c * args.paced_seconds)
    paced = await drive_paced(port, "/api/v1/checkins/", checkin_bodies(paced_n), device_header, c, 1.0, ok)
    rows = []
    for name, runs in results.items():
        elapsed = sum(r[0] for r in runs)
        lat = [x for r in runs for x in r[1]]
        errs = [x for r in runs for x in r[2]]
        if errs:
            print(f"{name}: {len(errs)} errors, first: {errs[0]}", flush=True)
        rows.append(summary(name, elapsed, lat, errs))
        rows[-1]["cpu_ms_per_request"] = {k: round(v * 1000 / len(lat), 2) for k, v in cpu[name].items()}
    paced_row = summary("paced", *paced)
    ratio = rows[1]["rps"] / rows[0]["rps"]
    report = {"registrations": args.registrations, "concurrency": c, "workers": args.workers, "rounds": args.rounds,
              "redis": bool(env["REDIS_URL"]), "cpus": os.cpu_count(), "results": rows, "ratio": round(ratio, 3),
              "target_ratio_met": ratio >= 0.6, "paced": paced_row, "target_p99_met": paced_row["p99_ms"] <= 100}
    print(f"{'endpoint':<10} {'req':>6} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'errors':>6}")
    for r in rows:
        print(f"{r['endpoint']:<10} {r['requests']:>6} {r['rps']:>8} {r['p50_ms']:>7} {r['p95_ms']:>7} {r['p99_ms']:>7} "
              f"{r['errors']:>6}")
    for r in rows:
        print(f"{r['endpoint']:<10} CPU per request (ms): " + ", ".join(f"{k} {v}" for k, v in r["cpu_ms_per_request"].items()))
    print(f"ratio check-in / baseline = {ratio:.2f} (target >= 0.60)")
    print(f"paced: {c} desks scanning once a second for {args.paced_seconds:.0f} s: {paced_row['requests']} scans, "
          f"p50 {paced_row['p50_ms']} ms, p95 {paced_row['p95_ms']} ms, p99 {paced_row['p99_ms']} ms, "
          f"errors {paced_row['errors']} (target p99 <= 100 ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    import uvloop

    uvloop.install()
    main()
