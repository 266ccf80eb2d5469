"""Benchmark: votes from 10,000 online participants on one session's questions, to the hall's screen.

Issue 17 target: the projector and moderator views stay live under questions and votes from 10,000
online participants on one session: p99 <= 1 s from a vote to the projector, each vote counted once.

    .venv/bin/python bench/questions.py [--voters 10000] [--sockets 1000] [--rate 250] [--procs 4]

Drops and re-creates the PostgreSQL database ``rakor_h_questions`` (BENCH_PG for the server), migrates,
seeds one event with ``--voters`` approved online registrations, a live session and 20 approved questions,
then starts ``uvicorn --workers 2`` with the Redis channel layer (REDIS_URL's database 12 on port 6380),
and, for the baseline, a second uvicorn serving bench/baseline_consumer.py (a bare Channels consumer).

- Listeners: ``--sockets`` participant sockets (``?t=`` distinct portal secrets) on
  ``/ws/events/<e>/sessions/<id>/questions/``; the first is read as the projector (the screen gets the
  same public snapshot). One more socket listens on the baseline server.
- Voters: ``--procs`` processes call ``questions.services.question_vote`` (the service behind the portal's
  vote button: the person's rate limit, the unique constraint, the coalesced push on commit) for every
  registration once, at ``--rate`` votes a second in total, and 10 % of them vote a second time (refused).
  After each new vote a voter also ``group_send``s one message to the baseline group: the baseline is
  Channels delivering one message per vote, with no snapshot and no coalescing.

Latency of the k-th vote (by commit time): the first projector snapshot whose count of the measured
question reaches k, minus that vote's commit time. Baseline latency: receipt minus the send time it
carries. Everything runs on one machine; the clocks agree.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rakor_h_questions"
DATABASE_URL = f"{PG}/{DB_NAME}"
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6380/12")
ENV = {"DJANGO_SETTINGS_MODULE": "rakor.settings", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
       "ALLOWED_HOSTS": "127.0.0.1,localhost", "DEBUG": "false"}


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(voters: int) -> dict:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"], check=True)
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {DB_NAME}"], check=True)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, capture_output=True)
    import datetime as dt

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from agenda.models import Session
    from attendance.models import Participant, Registration, RegistrationDay
    from questions.models import Question
    from rakor.models import Event, Unit

    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    unit = Unit.objects.create(name="Kankemenag Kabupaten Bench", code="bench-kab", kind=Unit.Kind.PROVINCIAL,
                               province="Bench")
    event = Event.objects.create(slug="rakorwas-qa-bench", name="Rakorwas Tanya Jawab Bench", start_date=today,
                                 end_date=today + dt.timedelta(days=2), requires_approval=False)
    people = Participant.objects.bulk_create([
        Participant(full_name=f"Peserta Daring {i}", id_kind=Participant.IdKind.OTHER, id_number="", unit=unit)
        for i in range(voters)], batch_size=2000)
    regs = Registration.objects.bulk_create([
        Registration(event=event, participant=p, status=Registration.Status.APPROVED) for p in people],
        batch_size=2000)
    RegistrationDay.objects.bulk_create([RegistrationDay(registration=r, date=today, mode=RegistrationDay.Mode.ONLINE)
                                         for r in regs], batch_size=5000)
    start = timezone.now() - dt.timedelta(minutes=10)
    session = Session.objects.create(event=event, title="Pleno: tanya jawab", day=today, start=start,
                                     end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     status=Session.Status.LIVE)
    questions = [Question.objects.create(session=session, registration=regs[i], status=Question.Status.APPROVED,
                                         text=f"Pertanyaan nomor {i} tentang tindak lanjut hasil pengawasan?")
                 for i in range(20)]
    ids = list(Registration.objects.filter(event=event).order_by("pk").values_list("pk", flat=True))
    secrets = list(Registration.objects.filter(event=event).order_by("pk").values_list("portal_secret", flat=True))
    connection.close()
    return {"slug": event.slug, "session": session.pk, "question": questions[0].pk, "registrations": ids,
            "secrets": secrets}


def start_server(app: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--log-level", "warning", "--no-access-log", "--backlog", "4096"],
        cwd=ROOT, env={**os.environ, **ENV}, preexec_fn=raise_fd_limit, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(2.0)
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


# ---------------------------------------------------------------- listeners (one process)


def listen(port: int, base_port: int, path: str, secrets: list[str], question: int, ready, stop, out,
           projector: bool = True, expected=None) -> None:
    import websockets

    raise_fd_limit()

    async def main():
        curve, baseline, counts = [], [], [0] * len(secrets)
        sem = asyncio.Semaphore(100)

        async def one(i, secret):
            async with sem:
                ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}?t={secret}", open_timeout=120,
                                              max_size=2 ** 22, origin="http://127.0.0.1")
                await ws.recv()  # the snapshot on connect
            return i, ws

        async def read(i, ws):
            try:
                async for text in ws:
                    counts[i] += 1
                    if projector and i == 0:
                        now = time.time()
                        data = json.loads(text)
                        votes = next((w["votes"] for w in data["waiting"] if w["id"] == question), None)
                        if votes is not None:
                            curve.append((now, votes))
            except Exception:  # noqa: BLE001 - closed at the end
                pass

        async def read_baseline(ws):
            try:
                async for text in ws:
                    data = json.loads(text)
                    if data.get("type") == "session":
                        baseline.append(time.time() - data["sent"])
            except Exception:  # noqa: BLE001
                pass

        sockets = await asyncio.gather(*(one(i, s) for i, s in enumerate(secrets)))
        tasks = [asyncio.ensure_future(read(i, ws)) for i, ws in sockets]
        base = None
        if projector:
            base = await websockets.connect(f"ws://127.0.0.1:{base_port}/ws/baseline/", origin="http://127.0.0.1")
            await base.recv()
            tasks.append(asyncio.ensure_future(read_baseline(base)))
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        deadline = time.monotonic() + 60  # the last coalesced pushes (the projector waits for the final count)
        while time.monotonic() < deadline and projector and (not curve or curve[-1][1] < expected.value):
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        for _i, ws in sockets:
            await ws.close()
        if base is not None:
            await base.close()
        for t in tasks:
            t.cancel()
        out.put({"curve": curve, "baseline": baseline, "messages": counts})

    asyncio.run(main())


# ---------------------------------------------------------------- voters (several processes)


def vote(ids: list[int], question: int, rate: float, start_at: float, out) -> None:
    os.environ.update(ENV)
    import django

    django.setup()
    from attendance.models import Registration
    from questions.models import Question
    from questions.services import question_vote
    from rakor.broadcast import group_send as send  # through the process's background loop, as services send
    q = Question.objects.select_related("session__event").get(pk=question)
    regs = {r.pk: r for r in Registration.objects.filter(pk__in=ids)}
    committed, refused_again, errors = [], 0, 0
    while time.time() < start_at:
        time.sleep(0.01)
    for n, pk in enumerate(ids):
        due = start_at + n / rate
        if time.time() < due:
            time.sleep(due - time.time())
        try:
            if question_vote(registration=regs[pk], question=q):
                committed.append(time.time())
                send("baseline.live", {"type": "session.status", "session": {"sent": time.time()}})
            if pk % 10 == 0 and question_vote(registration=regs[pk], question=q) is False:
                refused_again += 1
        except Exception:  # noqa: BLE001
            errors += 1
    out.put({"committed": committed, "refused_again": refused_again, "errors": errors})


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=250.0, help="votes per second, all voters together")
    parser.add_argument("--procs", type=int, default=4)
    args = parser.parse_args()
    os.environ.update(ENV)
    world = seed(args.voters)
    print(f"seeded {args.voters} registrations", flush=True)
    server, port = start_server("rakor.asgi:application")
    base_server, base_port = start_server("bench.baseline_consumer:application")
    ctx = mp.get_context("spawn")
    try:
        ready, crowd_ready, stop, listened, crowd_heard = ctx.Event(), ctx.Event(), ctx.Event(), ctx.Queue(), ctx.Queue()
        expected = ctx.Value("i", 10 ** 9)
        path = f"/ws/events/{world['slug']}/sessions/{world['session']}/questions/"
        # The projector: one socket in a process of its own (as the hall's laptop is), and the baseline's.
        listener = ctx.Process(target=listen, args=(port, base_port, path, world["secrets"][:1],
                                                    world["question"], ready, stop, listened, True, expected))
        # The crowd: the other participants' portals, only counted.
        crowd = ctx.Process(target=listen, args=(port, base_port, path, world["secrets"][1:args.sockets],
                                                 world["question"], crowd_ready, stop, crowd_heard, False, expected))
        listener.start()
        crowd.start()
        if not ready.wait(600) or not crowd_ready.wait(600):
            raise RuntimeError("sockets did not connect")
        print(f"{args.sockets} sockets connected", flush=True)
        start_at = time.time() + 8  # the voters' django.setup()
        voted = ctx.Queue()
        voters = [ctx.Process(target=vote, args=(world["registrations"][i::args.procs], world["question"],
                                                 args.rate / args.procs, start_at, voted)) for i in range(args.procs)]
        for p in voters:
            p.start()
        results = [voted.get(timeout=3600) for _ in voters]
        for p in voters:
            p.join()
        expected.value = sum(len(r["committed"]) for r in results)
        stop.set()
        heard = listened.get(timeout=180)
        crowd_messages = crowd_heard.get(timeout=180)["messages"]
        listener.join()
        crowd.join()
    finally:
        stop_server(server)
        stop_server(base_server)

    import django
    from django.db import connection

    from questions.models import Vote

    committed = sorted(t for r in results for t in r["committed"])
    curve = heard["curve"]
    latencies, j = [], 0
    for k, t in enumerate(committed, start=1):
        while j < len(curve) and curve[j][1] < k:
            j += 1
        if j < len(curve):
            latencies.append(max(0.0, curve[j][0] - t))
    stored = Vote.objects.filter(question_id=world["question"]).count()
    connection.close()
    report = {
        "voters": args.voters, "sockets": args.sockets, "rate": args.rate,
        "votes_committed": len(committed), "votes_stored": stored,
        "projector_final_count": curve[-1][1] if curve else None,
        "second_votes_refused": sum(r["refused_again"] for r in results), "errors": sum(r["errors"] for r in results),
        "vote_seconds": round(committed[-1] - committed[0], 1) if committed else None,
        "projector_pushes": len(curve), "latencies_measured": len(latencies),
        "rakor_p50_ms": round(1000 * pct(latencies, 50)), "rakor_p95_ms": round(1000 * pct(latencies, 95)),
        "rakor_p99_ms": round(1000 * pct(latencies, 99)), "rakor_max_ms": round(1000 * max(latencies or [0])),
        "baseline_messages": len(heard["baseline"]),
        "baseline_p50_ms": round(1000 * pct(heard["baseline"], 50)),
        "baseline_p99_ms": round(1000 * pct(heard["baseline"], 99)),
        "crowd_messages_per_socket_median": statistics.median(crowd_messages) if crowd_messages else 0,
        "crowd_sockets_without_update": sum(1 for c in crowd_messages if c == 0),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "questions.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
