"""bench/herd.py's pieces, and the whole harness with five participants on SQLite (no timings asserted)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.herd import merge, pct
from bench.herd_client import Herd, Http, Stage, page_links
from bench.herd_profile import Sampler, analyse

ROOT = Path(__file__).resolve().parents[2]

PAGE = b"""<!doctype html><html><head>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/rakor/site.css">
<link rel="canonical" href="/e/rakorwas/">
<link rel="stylesheet" href="https://cdn.example.org/x.css">
</head><body>
<img src="/t/abc/photo.jpg" alt="Foto"><img src="data:image/png;base64,AAAA">
<div class="qr-box" data-qr-ticket="x"><noscript><img src="/t/abc/qr.svg" alt="QR"></noscript></div>
<a class="button join" data-join href="/t/abc/join/12/">Bergabung</a>
<a href="/t/abc/join/13/">Bergabung</a>
<a href="/t/abc/data/">Data saya</a>
<script src="/static/rakor/live.js" defer></script>
<script src="/static/rakor/live.js" defer></script>
</body></html>"""


def test_page_links_lists_what_a_browser_fetches_from_our_site_and_the_join_links():
    links = page_links("http://127.0.0.1:8150/t/abc/", PAGE)
    # A browser running scripts does not fetch what <noscript> holds (the portal's fallback QR image).
    assert links.resources == ["/static/rakor/site.css", "/t/abc/photo.jpg", "/static/rakor/live.js"]
    assert links.joins == ["/t/abc/join/12/", "/t/abc/join/13/"]


async def test_http_client_reads_content_length_chunked_and_close_answers():
    answers = [
        b"HTTP/1.1 302 Found\r\nLocation: https://zoom.us/j/1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbye",
    ]

    async def serve(reader, writer):
        for answer in answers:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    conn = Http(server.sockets[0].getsockname()[1])
    got = [await conn.request("GET", "/t/abc/join/12/") for _ in answers]
    server.close()
    assert [(status, body) for status, _headers, body in got] == [(302, b""), (200, b"hello world"), (200, b"bye")]
    assert got[0][1]["location"] == "https://zoom.us/j/1"
    assert not conn.is_open


async def test_keepalive_reuses_idle_connections_up_to_the_pool_size_as_nginx_upstream_does():
    """--keepalive N: requests of many participants share a few connections (as behind nginx); 0: one each."""
    accepted = []

    async def serve(reader, writer):
        accepted.append(writer)
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def requests(keepalive: int, parallel: int, rounds: int) -> int:
        herd = Herd({"port": port, "slug": "x", "participants": [], "keepalive": keepalive})
        before = len(accepted)

        async def one():
            conn = herd._conn()
            await conn.request("GET", "/")
            herd._release(conn)

        for _ in range(rounds):
            await asyncio.gather(*(one() for _ in range(parallel)))
        assert sum(len(idle) for idle in herd.idle.values()) == min(keepalive, parallel)
        herd.fresh_pool()
        assert herd.idle == {}
        return len(accepted) - before

    # 3 rounds of 5 at once: with a pool of 2, the first round opens 5 and keeps 2; each later round opens 3.
    assert await requests(keepalive=2, parallel=5, rounds=3) == 5 + 3 + 3
    assert await requests(keepalive=8, parallel=5, rounds=3) == 5
    assert await requests(keepalive=0, parallel=5, rounds=3) == 15
    server.close()


def test_stages_of_several_clients_merge_into_one():
    a, b = Stage("join_first"), Stage("join_first")
    a.add(10.0, 10.2, 302, True)
    b.add(9.0, 9.1, 500, False)
    b.add(9.5, 11.0, None, False, "TimeoutError: ")
    merged = merge([a.as_dict(), b.as_dict()])["join_first"]
    assert (merged["first"], merged["last"], len(merged["latencies"])) == (9.0, 11.0, 3)
    assert merged["errors"] == {"HTTP 500": 1, "TimeoutError: ": 1}
    assert merged["statuses"] == {"302": 1, "500": 1, "None": 1}
    assert pct([1, 2, 3, 4, 5], 50) == 3 and pct([], 99) is None


def _view():
    return _busy()


def _busy():
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass


def test_sampler_sees_where_the_cpu_goes_and_analyse_groups_it():
    with Sampler() as sampler:
        _view()
    assert any(_busy.__code__ in stack for stack in sampler.samples)
    samples = [(_busy.__code__, _view.__code__)] * 3 + [(test_stages_of_several_clients_merge_into_one.__code__,)]
    result = analyse(samples, n=1, cpu_ms=8.0, view_code=_view.__code__)
    groups = {g["group"]: g for g in result["groups"]}
    assert groups["the view, decorators included"]["share"] == 75.0
    assert groups["the view, decorators included"]["ms_per_request"] == 6.0
    assert result["top_own"][0]["function"].endswith("(_busy)")


def test_the_harness_runs_a_small_herd_end_to_end(tmp_path):
    """Five participants on SQLite, one worker, no Redis: every phase but the in-process profile runs and adds up."""
    out = tmp_path / "herd.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "herd.py"), "--sqlite", str(tmp_path / "herd.sqlite3"),
         "--no-migrations", "--redis", "none", "--workers", "1", "--participants", "5", "--spares", "2",
         "--rounds", "1", "--spread", "0.1", "--beat-interval", "0.2", "--repeat-share", "0.5",
         "--phases", "portal", "socket", "join", "heartbeat", "push", "--push-sizes", "7", "--warm-up", "0",
         "--timeout", "30", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads(out.read_text())
    stages = {s["stage"]: s for s in report["summary"]}
    counts = {name: (s["requests"], s["errors"]) for name, s in stages.items()}
    assert counts == {
        # The browser draws the QR (issue 15): no request of the app's own besides the page (no portal_app),
        # and the revisit revalidates the page alone. Static files: 8 per page, the question box's stylesheet
        # and script with today's session (issue 17), the QR encoder and the script that draws with it.
        "portal": (5, 0), "portal_static": (40, 0), "portal_revisit": (5, 0),
        "socket": (5 + 7, 0),
        "status_poll": (5, 0), "status_poll_304": (5, 0), "join_first": (5, 0), "join_repeat": (3, 0),
        "floor_first": (5, 0), "floor_repeat": (3, 0), "heartbeat": (5, 0),
        # One beat each over the held socket too (sent and counted; without Redis the server takes beats by
        # POST only, so these record nothing and the minutes checked are the POSTed ones).
        "heartbeat_socket": (5, 0)}
    assert all(stages[name]["server_cpu_ms"] is not None for name in counts)
    (session,) = [c for key, c in report["checks"].items() if key != "floor_rows"]
    assert (session["redirected"], session["accepted_checkins"], session["attendance_rows"], session["lost"],
            session["doubled"], session["ok"]) == (5, 5, 5, 0, 0, True)
    assert report["checks"]["floor_rows"] == 8
    herd_push, sweep = report["push"]
    assert (herd_push["sockets"], herd_push["missed"], sweep["sockets"], sweep["missed"]) == (5, 0, 7, 0)
    assert "nothing lost, nothing doubled" in proc.stdout
