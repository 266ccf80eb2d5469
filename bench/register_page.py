"""Benchmark: GET /e/<event>/register/ under 16 concurrent clients, against a bare Django view.

    .venv/bin/python bench/register_page.py [--database-url postgres://postgres@127.0.0.1:5432/rakor_bench_reg]
                                            [--requests 3000] [--concurrency 16] [--workers 2]

Creates the database if needed, migrates, seeds (``seed_demo --participants 200`` when that
command exists, else a Kemenag-sized unit tree and one open event), serves the project with
uvicorn (``--workers``) on a free 127.0.0.1 port, warms up, then measures p50/p95/p99 latency
and requests per second for the registration page and for the baseline, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "bench.settings_register_bench"
EVENT_SLUG = "rakor-bench"


sys.path.insert(0, str(Path(__file__).resolve().parent))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seed(env: dict) -> str:
    """Seed the demo data when seed_demo exists; else a realistic unit tree and one open event. Returns the slug."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import get_commands

    if "seed_demo" in get_commands():
        manage(env, "seed_demo", "--participants", "200")
        return "rakorwas-demo"
    import datetime as dt

    from rakor.models import Event, Unit

    if not Unit.objects.filter(code="bench-itjen").exists():
        Unit.objects.create(name="Inspektorat Jenderal", code="bench-itjen", kind=Unit.Kind.ECHELON_I)
        for i in range(11):
            Unit.objects.create(name=f"Unit Eselon I Contoh {i + 1}", code=f"bench-e1-{i}", kind=Unit.Kind.ECHELON_I)
        for p in range(34):
            kanwil = Unit.objects.create(name=f"Kantor Wilayah Kementerian Agama Provinsi Contoh {p + 1}",
                                         code=f"bench-kanwil-{p}", kind=Unit.Kind.PROVINCIAL, province=f"Provinsi {p + 1}")
            for k in range(15):
                Unit.objects.create(name=f"Kantor Kementerian Agama Kabupaten Contoh {p + 1}-{k + 1}",
                                    code=f"bench-kab-{p}-{k}", kind=Unit.Kind.DISTRICT, parent=kanwil)
        for b in range(14):
            Unit.objects.create(name=f"Balai Diklat Keagamaan Contoh {b + 1}", code=f"bench-bdk-{b}", kind=Unit.Kind.TRAINING)
    today = dt.date.today()
    Event.objects.update_or_create(slug=EVENT_SLUG, defaults={
        "name": "Rapat Koordinasi Pengawasan (Rakorwas) Benchmark", "start_date": today,
        "end_date": today + dt.timedelta(days=2), "venue": "Hotel Novotel Mangga Dua, Jakarta",
        "wa_service": "+6281234567801", "wa_complaints": "+6281234567802",
        "registration_opens": None, "registration_closes": None,
    })
    return EVENT_SLUG


async def hammer(base: str, path: str, *, total: int, concurrency: int) -> dict:
    from loadclient import drive_get

    port = int(base.rsplit(":", 1)[1])
    elapsed, latencies, sizes, errors = await drive_get(port, path, total, concurrency)
    if errors:
        raise RuntimeError(f"{path}: HTTP {errors[0]} ({len(errors)} errors)")
    q = statistics.quantiles([x / 1000 for x in latencies], n=100)
    return {"n": total, "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000,
            "rps": total / elapsed, "bytes": max(sizes)}


def in_process(path: str, *, total: int) -> dict:
    """Server-side cost alone: the same request through Django in this process, one at a time, no HTTP."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(50):
        client.get(path)
    times = []
    for _ in range(total):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    q = statistics.quantiles(times, n=100)
    return {"p50": q[49] * 1000, "p95": q[94] * 1000, "mean": statistics.mean(times) * 1000}


def wait_until_up(base: str, proc, timeout: float = 60) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("uvicorn exited")
        try:
            if httpx.get(base + "/bench/baseline/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("uvicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rakor_bench_reg"))
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEBUG": "false",
           "PYTHONPATH": str(ROOT)}
    ensure_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    slug = seed(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "rakor.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        wait_until_up(base, proc)
        results = {}
        for label, path in (("baseline (bare view)", "/bench/baseline/"), ("register page", f"/e/{slug}/register/")):
            asyncio.run(hammer(base, path, total=args.warmup, concurrency=args.concurrency))
            results[label] = asyncio.run(hammer(base, path, total=args.requests, concurrency=args.concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=20)

    serial = {label: in_process(path, total=500) for label, path in
              (("baseline (bare view)", "/bench/baseline/"), ("register page", f"/e/{slug}/register/"))}
    load = os.getloadavg()[0]

    engine = urlparse(args.database_url).scheme or "sqlite"
    print(f"\n{engine}, uvicorn --workers {args.workers}, {args.concurrency} concurrent clients, "
          f"{args.requests} requests after {args.warmup} warm-up, {os.cpu_count()} CPUs\n")
    print(f"load average at the end: {load:.1f}\n")
    print("| page | p50 ms | p95 ms | p99 ms | req/s | bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r in results.items():
        print(f"| {label} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | {r['rps']:.0f} | {r['bytes']} |")
    print("\nIn-process, one request at a time (Django test client, same settings and database):\n")
    print("| page | p50 ms | p95 ms | mean ms |")
    print("|---|---:|---:|---:|")
    for label, r in serial.items():
        print(f"| {label} | {r['p50']:.2f} | {r['p95']:.2f} | {r['mean']:.2f} |")


if __name__ == "__main__":
    main()
