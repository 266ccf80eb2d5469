"""bench/herd.py's in-process measurement: CPU per request one at a time, and where it goes.

Run by bench/herd.py after its phases (same database, Redis and settings, the session live):

    python bench/herd_profile.py '{"secrets": [...], "session": 12, "count": 30, "slug": "...", "out": ""}'

With Django's test client (the same middleware and views, without the ASGI server and its
thread hops), over spare registrations that the herd did not use:

- CPU per request (``time.process_time``), one request at a time, for a portal view, its
  revisit with the first visit's ETag (``portal_revisit``), a reload without it (``portal_reload``), a first-tap join, a repeat tap and a heartbeat (the heartbeat rows aged a minute first, so
  each beat counts a minute as at a 60 s interval); SQL statements and Redis commands of one;
- a sampled profile (``Sampler``: the busy threads' stacks every 0.5 ms) of portal views,
  heartbeats and repeat taps, grouped by what the CPU is spent on (QR, templates, agenda, SQL,
  middleware…) and the functions with the most own time; the shares are applied to the CPU per
  request measured without the sampler. With ``out``, cProfile files (.prof) as well.

Groups are found by module path or function name, so they survive code moving between
modules: a group that no longer exists shows 0. Prints one JSON line.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, predicate on a frame's (file, first line, function)); a sample counts for a group when any frame
# of its stack is in the group, so groups nest and overlap (templates call the ORM, the view calls templates).
GROUPS = [
    ("QR drawing (segno)", lambda f: "/segno/" in f[0]),
    ("template rendering (django.template)", lambda f: "/django/template/" in f[0]),
    ("agenda (agenda_context)", lambda f: f[2] == "agenda_context"),
    ("SQL statements, client side (Django cursor, psycopg)", lambda f: "/django/db/backends/" in f[0] or "/psycopg/" in f[0]),
    ("ORM: building SQL (as_sql)", lambda f: f[2] == "as_sql" and "/django/db/models/" in f[0]),
    ("cache and Redis (django.core.cache, redis-py)", lambda f: "/redis/" in f[0] or "/django/core/cache/" in f[0]),
    ("translation (django.utils.translation)", lambda f: "/django/utils/translation/" in f[0]),
    ("date and number formatting", lambda f: f[0].endswith(("/django/utils/dateformat.py", "/django/utils/formats.py",
                                                            "/django/utils/numberformat.py"))),
    ("ticket signing (rakor.signing)", lambda f: f[0].endswith("/rakor/signing.py")),
    ("transactions (django.db.transaction)", lambda f: f[0].endswith("/django/db/transaction.py")),
]
# Counted by the innermost frame outside Python's standard library (own time, with the stdlib it calls).
OWN_GROUPS = [
    ("asgiref: sync/async hops and context (own time)", lambda f: "/asgiref/" in f[0]),
]
STDLIB = str(Path(os.__file__).parent) + "/"


def _innermost_outside_stdlib(stack: list) -> tuple | None:
    for f in stack:
        if not f[0].startswith(STDLIB) or "site-packages" in f[0]:
            return f
    return None


def _label(key) -> str:
    filename, line, name = key
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({name})" if line else name


# Where a thread is waiting, not working (its innermost Python frame): left out of the CPU shares.
IDLE = [("threading.py", {"wait", "_wait_for_tstate_lock"}), ("selectors.py", {"select"}), ("queue.py", {"get"}),
        ("concurrent/futures/thread.py", {"_worker"})]
WAITS = [("waiting for PostgreSQL", lambda f: "/psycopg/waiting.py" in f[0] or (f[2] == "wait" and "/psycopg/" in f[0])),
         ("waiting for Redis", lambda f: "/redis/" in f[0] and "read" in f[2] and "socket" in f[0])]


class Sampler:
    """A statistical profiler: every ``interval`` seconds, the stack of each busy thread of this process.

    Cheap enough (a few % here, where cProfile multiplies a template-heavy request's time by
    seven and so inflates whatever makes many small calls) to give the shares as they are. A
    thread whose innermost frame waits (a lock, a queue, a selector) is idle and left out; one
    waiting for PostgreSQL or Redis is counted apart, as waiting, not CPU.
    """

    def __init__(self, interval: float = 0.0005):
        import threading

        self.interval, self.samples, self.running = interval, [], False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(self.interval / 2)  # the sampler gets the GIL often enough to sample at its pace
        self.running = True
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        sys.setswitchinterval(self.switch)

    def _run(self):
        import threading

        me = threading.get_ident()
        while self.running:
            for tid, frame in sys._current_frames().items():
                if tid == me:
                    continue
                stack = []
                while frame is not None:
                    stack.append(frame.f_code)
                    frame = frame.f_back
                leaf = stack[0]
                if any(leaf.co_filename.endswith(path) and leaf.co_name in names for path, names in IDLE):
                    continue
                self.samples.append(tuple(stack))
            time.sleep(self.interval)


def _key(code) -> tuple:
    return (code.co_filename, code.co_firstlineno, code.co_name)


def analyse(samples: list[tuple], n: int, cpu_ms: float, view_code) -> dict:
    """Shares of the sampled stacks: per group (a stack counts when any of its frames is in the group), per function."""
    keyed = [[_key(c) for c in stack] for stack in samples]
    waits = {label: sum(1 for st in keyed if pred(st[0])) for label, pred in WAITS}
    busy = [st for st in keyed if not any(pred(st[0]) for _label, pred in WAITS)]
    total = len(busy) or 1
    groups = []
    outside_by_module: dict = {}
    if view_code is not None:
        view = _key(view_code)
        inside = sum(1 for st in busy if view in st)
        groups.append(("the view, decorators included", inside))
        groups.append(("outside the view: middleware, URL resolving, handler, thread hops", len(busy) - inside))
        # Middleware wraps the view (every middleware is on every stack), so what is outside the view is told
        # apart by its innermost module outside the standard library.
        for st in busy:
            if view not in st:
                f = _innermost_outside_stdlib(st)
                module = _label(f).split(":")[0] if f else "Python standard library"
                outside_by_module[module] = outside_by_module.get(module, 0) + 1
    groups += [(label, sum(1 for st in busy if any(pred(f) for f in st))) for label, pred in GROUPS]
    innermost = [_innermost_outside_stdlib(st) for st in busy]
    groups += [(label, sum(1 for f in innermost if f is not None and pred(f))) for label, pred in OWN_GROUPS]
    own: dict = {}
    for st in busy:
        own[st[0]] = own.get(st[0], 0) + 1
    return {
        "requests": n, "cpu_ms_per_request": cpu_ms, "samples": len(busy),
        "waits": {label: count for label, count in waits.items()},
        "groups": [{"group": g, "share": round(100 * c / total, 1), "ms_per_request": round(cpu_ms * c / total, 2)}
                   for g, c in groups],
        "outside_view_by_module": [{"module": m, "ms_per_request": round(cpu_ms * c / total, 3)} for m, c in
                                   sorted(outside_by_module.items(), key=lambda kv: kv[1], reverse=True)[:8]],
        "top_own": [{"function": _label(k), "share": round(100 * c / total, 1), "ms_per_request": round(cpu_ms * c / total, 3)}
                    for k, c in sorted(own.items(), key=lambda kv: kv[1], reverse=True)[:15]],
    }


def analyse_collapsed(path: str, cpu_ms: float) -> dict:
    """The same groups over py-spy's raw (collapsed) stacks of the servers' workers during a stage.

    Each line is ``frame;frame;…;frame count``, the outermost frame first, a frame
    ``function (file:line)``; py-spy leaves idle threads out. Here the ASGI side shows, which
    the test client does not have: uvicorn, the thread hops between the event loop and the
    sync views, middleware in async mode.
    """
    import re

    frame_re = re.compile(r"^(.*) \((.*):(\d+)\)$")
    busy: list[list[tuple]] = []
    for line in Path(path).read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        frames = []
        for text in stack_text.split(";"):
            m = frame_re.match(text)
            if m:
                frames.append((m.group(2), int(m.group(3)), m.group(1)))
        if frames and count.isdigit():
            busy += [frames[::-1]] * int(count)  # innermost first, as in the Sampler
    busy = [st for st in busy if not any(pred(st[0]) for _label, pred in WAITS)]
    total = len(busy) or 1
    groups = [(label, sum(1 for st in busy if any(pred(f) for f in st))) for label, pred in GROUPS]
    by_module: dict = {}
    for st in busy:
        f = _innermost_outside_stdlib(st)
        module = _label(f).split(":")[0] if f else "Python standard library"
        by_module[module] = by_module.get(module, 0) + 1
    return {
        "samples": len(busy), "cpu_ms_per_request": cpu_ms,
        "groups": [{"group": g, "share": round(100 * c / total, 1), "ms_per_request": round(cpu_ms * c / total, 2)}
                   for g, c in groups],
        "by_module": [{"module": m, "share": round(100 * c / total, 1), "ms_per_request": round(cpu_ms * c / total, 3)}
                      for m, c in sorted(by_module.items(), key=lambda kv: kv[1], reverse=True)[:12]],
    }


class RedisCounter:
    """Counts the Redis commands sent through redis-py's sync client (the cache)."""

    def __init__(self):
        import redis.client

        self.count = 0
        original = redis.client.Redis.execute_command
        counter = self

        def execute_command(self, *args, **kwargs):
            counter.count += 1
            return original(self, *args, **kwargs)

        redis.client.Redis.execute_command = execute_command


def socket_connects(slug: str, secrets: list[str]) -> dict:
    """CPU per session-socket connect, one at a time, through the project's ASGI router (Channels' test
    communicator: no uvicorn, no network), until the snapshot arrived, then a disconnect. One socket stays
    open meanwhile, as in the herd: the process's hub is listening and its snapshot shared."""
    import asyncio

    from channels.testing import WebsocketCommunicator

    from rakor.asgi import application

    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]

    async def one(secret: str, keep: bool = False):
        comm = WebsocketCommunicator(application, f"/ws/events/{slug}/sessions/?t={secret}", headers=headers)
        comm.scope["client"] = ["127.0.0.1", 50123]
        connected, _ = await comm.connect(timeout=10)
        first = await comm.receive_json_from(timeout=10) if connected else {}
        if not keep:
            await comm.disconnect()
        return comm, first.get("type") == "snapshot"

    async def run():
        anchor, _ = await one(secrets[0], keep=True)
        for s in secrets[-3:]:  # warm
            await one(s)
        t0 = time.process_time()
        oks = [(await one(s))[1] for s in secrets[1:]]
        cpu = time.process_time() - t0
        await anchor.disconnect()
        return cpu, oks

    cpu, oks = asyncio.run(run())
    n = len(oks)
    return {"cpu_ms": round(cpu * 1000 / n, 2), "requests": n, "queries": None, "redis_commands": None,
            "bytes": None, "errors": sum(1 for ok in oks if not ok), "sql": []}


def main(spec: dict) -> dict:
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve
    from django.utils import timezone

    def model(name):
        (found,) = [m for m in apps.get_models()
                    if m.__name__ == name and not m.__module__.startswith(("django.", "rest_framework."))]
        return found

    secrets, session, n = spec["secrets"], spec["session"], spec["count"]
    if len(secrets) < n + 1:
        raise SystemExit(f"need {n + 1} spare registrations, have {len(secrets)}")
    client = Client(HTTP_HOST="127.0.0.1")
    redis_counter = RedisCounter()
    registration_ids = list(model("Registration").objects.filter(portal_secret__in=secrets).values_list("pk", flat=True))

    def age():
        try:
            model("OnlineAttendance").objects.filter(session_id=session, registration_id__in=registration_ids).update(
                last_heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
        except Exception:  # the beats live elsewhere after the renovation
            pass

    etags = {}

    def portal(s):
        response = client.get(f"/t/{s}/")
        etags[s] = response.get("ETag", "")
        return response

    kinds = {
        "portal": (portal, (200,)),
        # The same pages again with the validators of the first visit (a browser's revisit): 304 when unchanged.
        "portal_revisit": (lambda s: client.get(f"/t/{s}/", HTTP_IF_NONE_MATCH=etags.get(s, "")), (200, 304)),
        # Again without a validator (a reload, a second device): the page kept under its state where the code keeps one.
        "portal_reload": (lambda s: client.get(f"/t/{s}/"), (200,)),
        "join_first": (lambda s: client.get(f"/t/{s}/join/{session}/"), (302,)),
        "join_repeat": (lambda s: client.get(f"/t/{s}/join/{session}/"), (302,)),
        "heartbeat": (lambda s: client.post(f"/t/{s}/heartbeat/{session}/"), (200,)),
    }
    for s in secrets[-3:]:  # warm: imports, templates, the pool
        client.get(f"/t/{s}/")
    inprocess = {}
    for name, (call, ok) in kinds.items():
        if name == "heartbeat":
            age()
        batch = secrets[:n + 1]
        redis_counter.count = 0
        with CaptureQueriesContext(connection) as queries:
            response = call(batch[0])
        captured = list(queries.captured_queries)  # read now: the next request clears Django's query log
        if response.status_code not in ok:
            raise SystemExit(f"{name}: HTTP {response.status_code} for the first request")
        first_redis = redis_counter.count
        t0 = time.process_time()
        statuses = [call(s).status_code for s in batch[1:]]
        cpu = time.process_time() - t0
        inprocess[name] = {"cpu_ms": round(cpu * 1000 / n, 2), "requests": n, "queries": len(captured),
                           "redis_commands": first_redis, "bytes": len(response.content),
                           "errors": sum(1 for s in statuses if s not in ok),
                           "sql": [q["sql"][:160] for q in captured]}
    inprocess["socket"] = socket_connects(spec["slug"], secrets[:n + 1])
    profiles = {}
    out = Path(spec["out"]) if spec.get("out") else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
    for name, path_of in (("portal", lambda s: f"/t/{s}/"), ("heartbeat", lambda s: f"/t/{s}/heartbeat/{session}/"),
                          ("join_repeat", lambda s: f"/t/{s}/join/{session}/")):
        call = kinds[name][0]
        if name == "heartbeat":
            age()
        view = resolve(path_of(secrets[0])).func
        with Sampler() as sampler:
            for s in secrets[1:n + 1]:
                call(s)
        profiles[name] = analyse(sampler.samples, n, inprocess[name]["cpu_ms"], getattr(view, "__code__", None))
        if out:  # the call graph too, for a closer look (cProfile: slower, and it inflates many small calls)
            if name == "heartbeat":
                age()
            profile = cProfile.Profile(time.process_time)
            for s in secrets[1:n + 1]:
                profile.enable()
                call(s)
                profile.disable()
            pstats.Stats(profile).dump_stats(str(out / f"herd-{name}.prof"))
    connection.close()
    return {"inprocess": inprocess, "profiles": profiles}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
