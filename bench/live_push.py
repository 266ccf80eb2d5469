"""Benchmark: "set live" to every connected portal socket, on 2 uvicorn workers and the Redis channel layer.

Issue target: with 5,000 participant sockets across 2 ASGI worker processes,
p99 from "set live" to receipt <= 1 s and no socket missed; 10,000 reported too,
and the plain Channels baseline (bench/baseline_consumer.py: a consumer that only
joins a group) for comparison.

    .venv/bin/python bench/live_push.py [--sockets 5000 10000] [--clients 4] [--target rakor baseline]

It drops and re-creates the PostgreSQL database ``rakor_bench_live``, migrates,
seeds one event, one approved online registration (every socket subscribes with
its portal secret: the same lookup as N different ones), a session and an
organiser's API token. Per target and size it flushes the Redis database, starts
``uvicorn --workers 2``, opens the sockets from several client processes
(asyncio + ``websockets``, at most 100 handshakes in flight per process), waits
until every socket got its first message (rakor: the snapshot, sent after it
joined the group; baseline: "ready"), then triggers:

- rakor: ``POST /api/v1/events/<event>/sessions/<id>/status/ {"status": "live"}``
  with the organiser's token (what the organiser's button does);
- baseline: ``group_send`` of the same payload from this process.

Clients record ``time.time()`` when the session message arrives; the trigger
time is taken just before the request. Everything runs on one machine, so the
clocks agree, and the clients share its cores with the servers and Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rakor_bench_live"
DATABASE_URL = f"{PG}/{DB_NAME}"
REDIS_DB = 13
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
HANDSHAKES_IN_FLIGHT = 100


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- set-up (this process, through the ORM)


def seed() -> dict:
    subprocess.run(["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-qc",
                    f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"], check=True)
    subprocess.run(["psql", f"{PG}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {DB_NAME}"],
                   check=True)
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from attendance.models import Participant, Registration, RegistrationDay
    from rakor.models import Event, Unit
    from rakor.roles import ORGANISER
    from agenda.models import Session
    from agenda.selectors import session_public_data

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    unit = Unit.objects.create(name="Kankemenag Kabupaten Bench", code="bench-kab", kind=Unit.Kind.PROVINCIAL,
                               province="Bench")
    event = Event.objects.create(slug="rakorwas-live-bench", name="Rakorwas Live Bench", start_date=today,
                                 end_date=today + dt.timedelta(days=2), requires_approval=False)
    person = Participant.objects.create(full_name="Peserta Daring Bench", id_kind=Participant.IdKind.OTHER,
                                        id_number="", position="Kepala Kantor", unit=unit)
    reg = Registration.objects.create(event=event, participant=person, status=Registration.Status.APPROVED)
    RegistrationDay.objects.bulk_create([RegistrationDay(registration=reg, date=d, mode=RegistrationDay.Mode.ONLINE)
                                         for d in event.days])
    start = timezone.now() + dt.timedelta(hours=1)
    session = Session.objects.create(event=event, title="Pembukaan oleh Menteri Agama", day=today, start=start,
                                     end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     meeting_url="https://zoom.example/j/81234567890")
    # A session of another event that nobody listens to: toggled before each measurement to warm both workers
    # (DRF, the database pool, the broadcast loop's Redis connection), as a server that has run a while is.
    other = Event.objects.create(slug="warmup-bench", name="Warm-up", start_date=today,
                                 end_date=today + dt.timedelta(days=2), requires_approval=False)
    warm = Session.objects.create(event=other, title="Warm-up", day=today, start=start,
                                  end=start + dt.timedelta(hours=2), mode=Session.Mode.ONLINE)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create(username="bench-organiser", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ORGANISER)[0])
    token = Token.objects.create(user=user).key
    payload = session_public_data(session)
    connection.close()
    return {"slug": event.slug, "secret": reg.portal_secret, "session": session.pk, "token": token,
            "payload": {**payload, "status": "live"}, "warm_slug": other.slug, "warm_session": warm.pk}


def reset_session(session_id: int) -> None:
    from django.db import connection

    from agenda.models import Session

    Session.objects.filter(pk=session_id).update(status=Session.Status.SCHEDULED)
    connection.close()


# ---------------------------------------------------------------- servers


WS_IMPL = "auto"


def start_server(app: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rakor.settings", "DATABASE_URL": DATABASE_URL,
           "REDIS_URL": REDIS_URL, "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--log-level", "warning", "--no-access-log", "--backlog", "4096", "--ws", WS_IMPL],
        cwd=ROOT, env=env, preexec_fn=raise_fd_limit, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(1.5)  # both workers import the app
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_rss_mb(proc: subprocess.Popen) -> list[float]:
    """Resident memory of uvicorn's worker processes (children of the master)."""
    out = subprocess.run(["ps", "--ppid", str(proc.pid), "-o", "rss="], capture_output=True, text=True).stdout
    return [int(x) / 1024 for x in out.split()]


def worker_pids(proc: subprocess.Popen) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(proc.pid), "-o", "pid="], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far: what the push cost, whatever else loads the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


# ---------------------------------------------------------------- load client (one process of many)


def client_process(url: str, origin: str, n: int, ready_type: str, pipe) -> None:
    raise_fd_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_client(url, origin, n, ready_type, pipe))


async def _client(url: str, origin: str, n: int, ready_type: str, pipe) -> None:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)
    received: list[float | None] = [None] * n
    errors: list[str] = []
    sockets = []
    all_ready = asyncio.Event()
    ready = 0
    loop = asyncio.get_running_loop()
    go = asyncio.Event()

    async def one(i: int) -> None:
        nonlocal ready
        try:
            async with gate:
                ws = await connect(url, origin=origin, compression=None, ping_interval=None, open_timeout=120,
                                   max_queue=4)
                sockets.append(ws)
                first = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if first.get("type") != ready_type:
                raise RuntimeError(f"first message {first.get('type')}")
        except Exception as exc:  # counted, reported
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
            ready += 1
            if ready == n:
                all_ready.set()
            return
        ready += 1
        if ready == n:
            all_ready.set()
        try:
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "session" and message.get("status") == "live":
                    received[i] = time.time()
                    return
        except Exception as exc:
            errors.append(f"after ready: {type(exc).__name__}: {exc}"[:200])

    started = time.time()
    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await all_ready.wait()
    pipe.send(("ready", n - len(errors), errors[:5], time.time() - started))
    # Wait for the parent's "collect" (sent after the trigger plus a grace period) without blocking the loop.
    await loop.run_in_executor(None, pipe.recv)
    go.set()
    for t in tasks:
        t.cancel()
    pipe.send(("times", received, errors[:5], len(errors)))
    for ws in sockets:
        ws.transport.abort()


# ---------------------------------------------------------------- one run


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def set_status(port: int, token: str, slug: str, session_id: int, status: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/events/{slug}/sessions/{session_id}/status/",
        data=json.dumps({"status": status}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        response.read()


def warm_up(port: int, info: dict) -> None:
    """Requests on fresh connections land on either worker: eight reach both with near certainty."""
    for i in range(8):
        set_status(port, info["token"], info["warm_slug"], info["warm_session"], "live" if i % 2 == 0 else "scheduled")


def trigger_rakor(port: int, info: dict) -> tuple[float, float]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/events/{info['slug']}/sessions/{info['session']}/status/",
        data=b'{"status": "live"}', method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {info['token']}"})
    t0 = time.time()
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200, response.status
        response.read()
    return t0, time.time() - t0


def trigger_baseline(info: dict) -> tuple[float, float]:
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[REDIS_URL], capacity=1500, expiry=30)

    async def send():
        t0 = time.time()
        await layer.group_send("baseline.live", {"type": "session.status", "session": info["payload"]})
        return t0, time.time() - t0

    return asyncio.run(send())


def run(target: str, sockets: int, clients: int, info: dict) -> dict:
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)
    if target == "rakor":
        reset_session(info["session"])
        proc, port = start_server("rakor.asgi:application")
        path, ready_type = f"/ws/events/{info['slug']}/sessions/?t={info['secret']}", "snapshot"
    else:
        proc, port = start_server("bench.baseline_consumer:application")
        path, ready_type = "/ws/baseline/", "ready"
    rss_before = worker_rss_mb(proc)
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    try:
        per = [sockets // clients + (1 if i < sockets % clients else 0) for i in range(clients)]
        for n in per:
            parent, child = ctx.Pipe()
            p = ctx.Process(target=client_process, args=(f"ws://127.0.0.1:{port}{path}", f"http://127.0.0.1:{port}",
                                                         n, ready_type, child))
            p.start()
            pipes.append(parent)
            procs.append(p)
        connected, connect_s, errors = 0, 0.0, []
        for pipe in pipes:
            _, ok, errs, seconds = pipe.recv()
            connected += ok
            connect_s = max(connect_s, seconds)
            errors += errs
        if target == "rakor":
            warm_up(port, info)
        time.sleep(2)  # let the handshakes' CPU settle before measuring the push
        rss_connected = worker_rss_mb(proc)
        servers, client_pids = worker_pids(proc), [p.pid for p in procs]
        idle0 = cpu_seconds(servers)
        time.sleep(5)  # what the connected sockets cost with nothing to push (keep-alive pings): subtracted below
        idle_per_s = (cpu_seconds(servers) - idle0) / 5
        cpu0 = (cpu_seconds(servers), cpu_seconds(client_pids))
        t0, trigger_s = trigger_rakor(port, info) if target == "rakor" else trigger_baseline(info)
        time.sleep(10)
        cpu1 = (cpu_seconds(servers), cpu_seconds(client_pids))
        delays, missed = [], 0
        for pipe in pipes:
            pipe.send("collect")
        for pipe in pipes:
            _, received, errs, _n = pipe.recv()
            errors += errs
            for r in received:
                if r is None:
                    missed += 1
                else:
                    delays.append(r - t0)
        for p in procs:
            p.join(timeout=30)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
        stop_server(proc)
    load = os.getloadavg()
    result = {
        "target": target, "sockets": sockets, "connected": connected, "connect_s": round(connect_s, 1),
        "trigger_ms": round(trigger_s * 1000, 1), "received": len(delays), "missed": missed,
        "p50_ms": round(pct(delays, 50) * 1000) if delays else None,
        "p95_ms": round(pct(delays, 95) * 1000) if delays else None,
        "p99_ms": round(pct(delays, 99) * 1000) if delays else None,
        "max_ms": round(max(delays) * 1000) if delays else None,
        "mean_ms": round(statistics.mean(delays) * 1000) if delays else None,
        "worker_rss_mb_idle": [round(x) for x in rss_before], "worker_rss_mb_connected": [round(x) for x in rss_connected],
        "push_cpu_s_servers": round(cpu1[0] - cpu0[0] - 10 * idle_per_s, 2), "idle_cpu_per_s_servers": round(idle_per_s, 3), "push_cpu_s_clients": round(cpu1[1] - cpu0[1], 2),
        "loadavg_1m": round(load[0], 2), "errors": errors[:5],
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, nargs="+", default=[5000, 10000])
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--target", nargs="+", default=["rakor", "baseline"], choices=["rakor", "baseline"])
    parser.add_argument("--ws", default="auto", help="uvicorn's WebSocket implementation (auto, websockets, "
                        "websockets-sansio, wsproto)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "live_push.json"))
    args = parser.parse_args()
    global WS_IMPL
    WS_IMPL = args.ws
    raise_fd_limit()
    os.environ["DJANGO_SETTINGS_MODULE"] = "rakor.settings"
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["REDIS_URL"] = REDIS_URL
    info = seed()
    print(f"machine: {os.cpu_count()} cores; load before: {os.getloadavg()}; --ws {WS_IMPL}", flush=True)
    results = []
    for sockets in args.sockets:
        for target in args.target:
            results.append(run(target, sockets, args.clients, info))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
