"""Benchmark: the online herd (issue 15) — participants open the portal, hold the socket, join and beat.

    .venv/bin/python bench/herd.py                       # defaults: 200 participants, 3 rounds, ~2.5 min
    .venv/bin/python bench/herd.py --participants 1000 --rounds 5 --json bench/out/herd.json
    .venv/bin/python bench/herd.py --phases push --push-sizes 1000 5000 10000   # "go live" to many sockets
    .venv/bin/python bench/herd.py --phases profile       # where one portal view and one heartbeat spend CPU
    .venv/bin/python bench/herd.py --from-json bench/out/herd.json --cap-cost portal=4   # capacity table again

What it builds: a PostgreSQL database (``--db-name``, dropped and re-created from a migrated
template kept between runs), one event
running today with a three-day agenda, N approved online participants (plus spares for
warm-up and profiling) and the sessions that go live; its own Redis (``redis-server`` on
``--redis-port``, so Redis's CPU is its own); then two servers, both ``uvicorn --workers 2``:

- the application (``bench.settings_herd``: the project's settings, DEBUG off, psycopg pool,
  Redis cache and channel layer — what a production node runs);
- the bare floor (``bench.settings_floor``): Django with no middleware and no apps, one view
  doing one INSERT and a redirect, on the same database.

The participants are asyncio clients in ``--clients`` processes of their own
(bench/herd_client.py), so their CPU is not the servers'. They reach the application through
its URLs only (``/t/<secret>/``, the join link the portal shows, ``/t/<secret>/heartbeat/<id>/``,
``/ws/events/<event>/sessions/``, ``/e/<event>/sessions/status.json``, and the organisers'
``POST /api/v1/events/<event>/sessions/<id>/status/`` to go live), so the harness keeps
working when the code behind those URLs moves.

Phases (``--phases``, each repeated ``--rounds`` times; the medians are the figures to quote):

- ``portal``: everyone opens the portal (arrivals spread over ``--spread`` seconds), then the
  application's own sub-resources the page links to (none today: the QR is inline), then the
  static files (first round only: in production the proxy serves them); once more as a revisit with the
  validators of the first visit (conditional GET: 304 where the page allows it);
- ``socket``: everyone opens the session socket (plus ``--sockets`` − N listeners), memory per
  socket from the workers' RSS; the polling fallback's status.json, plain and with its ETag;
- ``join``: a session goes live (the API call); each socket notes when it hears it, each
  participant taps Join after a reaction delay (``--reaction``), follows our own redirects and
  stops at the meeting URL; ``--repeat-share`` of them tap again; then the bare floor gets a
  burst of the same shape (one GET per new connection, same count and spread), in the same run;
- ``heartbeat``: ``--beat-rounds`` rounds per session, one beat per participant at a random moment
  of ``--beat-interval`` seconds (60 s in production); before each round the heartbeat rows are
  aged by a minute so each beat counts a minute, as a 60 s interval does (``--no-age-beats``:
  beats within the same minute, which today's code answers without writing); then as many rounds of
  the same beats sent as messages on the sockets held (stage ``heartbeat_socket``, the portal's way
  while its socket is open; needs the ``socket`` phase; ``--no-socket-beats``: POSTs only), Redis's
  hash counted after each (the POSTed beats folded before it);
- ``push``: for each of ``--push-sizes``, that many sockets, "go live", delay to each socket
  (p50/p99/max, missed), connect errors, server CPU per push, memory per socket (the workers'
  RSS against their idle RSS before the sweep);
- ``reconnect``: a node restart: ``--reconnect-size`` sockets held, the application's server stopped
  (SIGTERM: uvicorn closes every socket); each closed socket comes back as the portal's script
  does (a random 0.5 s..15 s, the window doubling per failed attempt; an attempt told 1013, "busy", retries
  within a third of the first window, two thirds after a second 1013 in a row, then the first window). ``--reconnect-to other``
  (default): to a second application server (uvicorn ×2, started and warmed before the stop), as the
  proxy of a cluster sends them to the nodes still up; ``same``: to the same server started again on
  its port (the node's start-up is then part of the time, and attempts while it is down fail).
  Reported: seconds until every socket is back (from the stop, and from the server listening),
  failed attempts by kind, the receiving server's CPU per reconnect, its memory per socket;
- ``profile``: in-process (Django test client, same database and Redis), CPU per request one at
  a time, and a sampled profile of portal views, heartbeats and repeat taps grouped into QR,
  templates, agenda, SQL, middleware (bench/herd_profile.py).

Reported per stage: requests, errors, requests/s, p50/p99 latency, and CPU per request of the
serving processes (from /proc: the uvicorn process group, this database's PostgreSQL backends,
the benchmark's redis-server), the load generator's and everyone else's CPU. After the run the
database is checked: one accepted online check-in and one OnlineAttendance row per participant
whose tap was redirected to the meeting, none lost, none doubled, nothing from repeat taps. The
machine's load average is printed with every stage: prefer CPU per request to wall-clock
figures on a shared machine. Last, a capacity table (cores, PostgreSQL, Redis, socket memory
for 10,000, 50,000 and 230,000 participants) from the CPU per request measured; its
assumptions are the ``--cap-*`` options (``capacity()``). Exit status 1 when the rows do not match.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.herd_client import Http, client_main, raise_fd_limit  # noqa: E402
from bench.urls_floor import MEETING_URL as FLOOR_MEETING_URL  # noqa: E402
from bench.urls_floor import TABLE as FLOOR_TABLE  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
PHASES = ("portal", "socket", "join", "heartbeat", "push", "reconnect", "profile")
DEFAULT_PHASES = ("portal", "socket", "join", "heartbeat", "profile")
HERD_SLUG = "rakorwas-herd"
WARM_SLUG = "herd-warmup"
WARM_PEOPLE = 16
HEALTHCHECK_SECONDS = 60


def meeting_url(session_index: int) -> str:
    return f"https://zoom.us/j/8123456{session_index:04d}?pwd=HerdRakorwas{session_index}"


# ---------------------------------------------------------------- models, found by name


def model(name: str):
    """The project's model of that class name, wherever the renovation puts it (one per name)."""
    from django.apps import apps

    found = [m for m in apps.get_models()
             if m.__name__ == name and not m.__module__.startswith(("django.", "rest_framework."))]
    if len(found) != 1:
        raise LookupError(f"expected one model named {name}, found {len(found)}")
    return found[0]


# ---------------------------------------------------------------- database and Redis


class Database:
    """The benchmark's own database: PostgreSQL (dropped and re-created) or an SQLite file (smoke test).

    On PostgreSQL the migrated, empty database is kept as a template named after the migrations
    (``<name>_tmpl_<hash>``): the next run copies it in a second instead of migrating again, and a
    new or changed migration makes a new template (the old ones are dropped).
    """

    def __init__(self, args):
        self.sqlite = args.sqlite
        self.name = Path(args.sqlite).stem if args.sqlite else args.db_name
        self.server = args.pg.rstrip("/")
        self.template = ""

    @property
    def url(self) -> str:
        return f"sqlite:///{Path(self.sqlite).resolve()}" if self.sqlite else f"{self.server}/{self.name}"

    def _admin(self):
        import psycopg

        return psycopg.connect(f"{self.server}/postgres", autocommit=True)

    def recreate(self) -> bool:
        """A fresh database; True when it still needs migrating."""
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(self.sqlite + suffix).unlink(missing_ok=True)
            Path(self.sqlite).parent.mkdir(parents=True, exist_ok=True)
            return True
        import hashlib

        import django

        digest = hashlib.sha256(django.__version__.encode())
        for path in sorted(ROOT.glob("*/**/migrations/*.py")):
            if ".venv" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
        self.template = f"{self.name}_tmpl_{digest.hexdigest()[:10]}"
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                [f"{self.name}_tmpl_%"])]
            for old in names:
                if old != self.template:
                    conn.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            if self.template in names:
                conn.execute(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"')
                return False
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return True

    def keep_as_template(self) -> None:
        """After migrating, before anything else is written: the copy the next run starts from."""
        if not self.template:
            return
        try:
            with self._admin() as conn:
                conn.execute(f'CREATE DATABASE "{self.template}" TEMPLATE "{self.name}"')
        except Exception as exc:  # someone is connected to it: migrate again next time
            print(f"note: no template database kept ({exc})", flush=True)


class Redis:
    """``own``: a redis-server of the benchmark's own (its CPU is then measurable); a URL; or ``none``."""

    def __init__(self, args):
        self.mode, self.port, self.proc = args.redis, args.redis_port, None

    def start(self) -> str:
        if self.mode == "none":
            return ""
        if self.mode != "own":
            import redis

            redis.Redis.from_url(self.mode).flushdb()  # stale sessions of an earlier run would be served
            return self.mode
        if not shutil.which("redis-server"):
            raise SystemExit("redis-server not found: pass --redis URL (a database this run may empty) or --redis none")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--maxclients", "20000", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, start_new_session=True, preexec_fn=raise_fd_limit)
        wait_for_port(self.port, self.proc)
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc:
            stop_group(self.proc)


# ---------------------------------------------------------------- seed (this process, through the ORM)


AGENDA = [  # (day index, hour, minutes, title, mode, herd) — a Rakorwas's three days; "herd" sessions go live
    (0, None, 90, "Pembukaan Rakorwas oleh Menteri Agama", "hybrid", True),
    (0, None, 60, "Laporan Inspektur Jenderal: hasil pengawasan tahun berjalan", "hybrid", True),
    (0, None, 120, "Pleno: pengawasan intern dan akuntabilitas keuangan negara", "hybrid", True),
    (0, None, 90, "Pleno: pencegahan korupsi dan zona integritas", "hybrid", True),
    (0, None, 60, "Panel: Inspektorat Jenderal yang adaptif dan agile", "hybrid", True),
    (0, 21, 60, "Rehat, salat dan makan malam", "in_person", False),
    (1, 8, 120, "Pleno: rencana pengawasan tahun depan (PKPT)", "hybrid", False),
    (1, 10, 105, "Diskusi kelompok Inspektorat Wilayah I", "hybrid", False),
    (1, 10, 105, "Diskusi kelompok Inspektorat Wilayah II", "hybrid", False),
    (1, 13, 180, "Diskusi kelompok Inspektorat Investigasi", "hybrid", False),
    (1, 16, 75, "Pleno: laporan hasil diskusi kelompok", "hybrid", False),
    (2, 8, 120, "Perumusan rekomendasi Rakorwas", "hybrid", False),
    (2, 10, 60, "Penutupan dan pembacaan rekomendasi", "hybrid", False),
]
PUSH_TITLE = "Uji siaran (sesi yang dinyalakan dan dimatikan oleh benchmark)"


def seed(args, db: Database, migrate: bool) -> dict:
    """Migrate, then the event, agenda, participants, spares, a warm-up event and an organiser's API token."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from rakor.roles import ORGANISER

    Unit, Event, Participant = model("Unit"), model("Event"), model("Participant")
    Registration, RegistrationDay, Session = model("Registration"), model("RegistrationDay"), model("Session")

    if args.no_migrations:  # the smoke test: tables straight from the models, in a second instead of ten
        from django.conf import settings

        class NoMigrations(dict):
            def __contains__(self, app):
                return True

            def __getitem__(self, app):
                return None

        settings.MIGRATION_MODULES = NoMigrations()
        call_command("migrate", run_syncdb=True, verbosity=0)
    elif migrate:
        call_command("migrate", verbosity=0)
        connection.close()
        if connection.vendor == "postgresql":
            connection.close_pool()  # the template is copied only when nobody is connected to it
            db.keep_as_template()
    with connection.cursor() as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {FLOOR_TABLE} (id {'bigserial' if connection.vendor == 'postgresql' else 'integer'} "
                  "PRIMARY KEY, n bigint NOT NULL)")
    now = timezone.now()
    total = args.participants + args.spares
    with transaction.atomic():
        root = Unit(name="Inspektorat Jenderal Kementerian Agama", code="herd-itjen", kind=Unit.Kind.ECHELON_I)
        root.save()
        kanwil = []
        for i in range(34):
            u = Unit(name=f"Kantor Wilayah Kementerian Agama Provinsi Herd {i}", code=f"herd-kanwil-{i}",
                     kind=Unit.Kind.PROVINCIAL, province=f"Provinsi Herd {i}", parent=root, sort_order=i)
            u.save()
            kanwil.append(u)
        districts = []
        for i in range(min(170, total)):
            u = Unit(name=f"Kantor Kementerian Agama Kabupaten Herd {i}", code=f"herd-kab-{i}", kind=Unit.Kind.DISTRICT,
                     province=kanwil[i % 34].province, parent=kanwil[i % 34], sort_order=i)
            u.save()
            districts.append(u)
        common = dict(theme="Pengawasan yang adaptif dan agile", venue="Hotel Bench, Jakarta",
                      venue_address="Jl. Gunung Sahari Raya No. 1, Jakarta Utara", wa_service="+6281210212022",
                      requires_approval=True)
        event = Event(slug=HERD_SLUG, name="Rapat Koordinasi Pengawasan (herd bench)", start_date=now.date(),
                      end_date=now.date(), **common)
        if hasattr(event, "join_spread_seconds"):  # the jittered push (issue 15, item 4): --join-spread
            event.join_spread_seconds = args.join_spread
        today = timezone.localtime(now, event.tz).date()
        event.start_date, event.end_date = today, today + dt.timedelta(days=2)
        event.save()
        sessions, herd_sessions = [], []
        # Today's sessions start in an hour (the clock does not open their join: the push does).
        first = (now + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
        for index, (day, hour, minutes, title, mode, herd) in enumerate(AGENDA):
            date = event.days[day]
            start = (first + dt.timedelta(minutes=5 * index) if hour is None
                     else dt.datetime.combine(date, dt.time(hour), tzinfo=event.tz))
            s = Session(event=event, title=title, day=date, start=start, end=start + dt.timedelta(minutes=minutes),
                        mode=mode, room="Ballroom (ruang utama)",
                        description="Sambutan, laporan dan pembukaan resmi; peserta daring bergabung melalui "
                                    "tautan pribadi di portal.",
                        guest_speakers="Menteri Agama Republik Indonesia\nInspektur Jenderal Kementerian Agama",
                        moderator_name="Sekretaris Inspektorat Jenderal",
                        meeting_url=meeting_url(index) if mode != "in_person" else "",
                        stream_url="https://www.youtube.com/watch?v=HerdBench01" if herd else "")
            s.save()
            sessions.append(s)
            if herd:
                herd_sessions.append(s)
        push = Session.objects.create(event=event, title=PUSH_TITLE, day=event.days[2],
                                      start=dt.datetime.combine(event.days[2], dt.time(14), tzinfo=event.tz),
                                      end=dt.datetime.combine(event.days[2], dt.time(15), tzinfo=event.tz),
                                      mode="hybrid", meeting_url=meeting_url(99))
        people = Participant.objects.bulk_create(
            [Participant(full_name=f"Dr. H. Peserta Daring Herd {i}, S.Ag., M.Pd.", id_kind=Participant.IdKind.OTHER,
                         id_number="", position="Kepala Kantor Kementerian Agama", unit=districts[i % len(districts)])
             for i in range(total)], batch_size=2000)
        regs = Registration.objects.bulk_create(
            [Registration(event=event, participant=p, status=Registration.Status.APPROVED) for p in people],
            batch_size=2000)
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=r, date=d, mode=RegistrationDay.Mode.ONLINE) for r in regs for d in event.days],
            batch_size=5000)
        # A second event that nobody measures: both workers warm up on it (imports, pools, prepared statements).
        warm = Event.objects.create(slug=WARM_SLUG, name="Pemanasan", start_date=today, end_date=today, **common)
        warm_session = Session.objects.create(event=warm, title="Pemanasan", day=today, start=now - dt.timedelta(minutes=5),
                                              end=now + dt.timedelta(hours=6), mode="hybrid", meeting_url=meeting_url(98),
                                              status="live")
        warm_people = Participant.objects.bulk_create(
            [Participant(full_name=f"Peserta Pemanasan {i}", id_kind=Participant.IdKind.OTHER, id_number="",
                         position="Pelaksana", unit=districts[i % len(districts)]) for i in range(WARM_PEOPLE)])
        warm_regs = Registration.objects.bulk_create(
            [Registration(event=warm, participant=p, status=Registration.Status.APPROVED) for p in warm_people])
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=r, date=today, mode=RegistrationDay.Mode.ONLINE) for r in warm_regs])
        user = get_user_model().objects.create(username="herd-organiser", is_staff=True)
        user.groups.add(Group.objects.get_or_create(name=ORGANISER)[0])
        token = Token.objects.create(user=user).key
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    world = {
        "participants": [(r.pk, r.portal_secret) for r in regs[:args.participants]],
        "spares": [(r.pk, r.portal_secret) for r in regs[args.participants:]],
        "herd_sessions": [(s.pk, s.meeting_url) for s in herd_sessions],
        "push_session": push.pk, "agenda_sessions": len(sessions) + 1,
        "warm": {"session": warm_session.pk, "meeting_url": warm_session.meeting_url,
                 "secrets": [r.portal_secret for r in warm_regs]},
        "token": token,
    }
    connection.close()
    return world


def age_heartbeats(session_id: int) -> str:
    """Move each heartbeat row's last beat a minute back, so the next beat counts a minute (a 60 s interval)."""
    from django.core.exceptions import FieldError
    from django.db import connection
    from django.utils import timezone

    try:
        rows = model("OnlineAttendance").objects.filter(session_id=session_id).update(
            last_heartbeat_at=timezone.now() - dt.timedelta(seconds=61))
        return f"aged {rows} rows"
    except (LookupError, FieldError) as exc:  # the beats live elsewhere after the renovation: nothing to age
        return f"not aged ({exc})"
    finally:
        connection.close()


def fold_collected_beats(redis_url: str) -> str:
    """Heartbeats collected in Redis (issue 15, item 3) count once the worker folds them: fold what is left."""
    try:
        from attendance.online import beats
    except ImportError:
        return "no collector"
    if not redis_url:
        return "no Redis"
    import redis

    return str(beats.fold_beats(client=redis.Redis.from_url(redis_url)))


def collected_beats(redis_url: str, session_id: int) -> int | None:
    """How many people's beats of ``session_id`` Redis holds, not yet folded (one field per person per interval)."""
    try:
        from attendance.online import beats
    except ImportError:
        return None
    if not redis_url:
        return None
    import redis

    return redis.Redis.from_url(redis_url).hlen(beats.beats_key(session_id))


def count_rows(world: dict, first_taps: dict) -> dict:
    """Per herd session: accepted online check-ins and attendance rows against the participants redirected."""
    from django.db import connection
    from django.db.models import Count

    CheckIn, OnlineAttendance = model("CheckIn"), model("OnlineAttendance")
    checks = {}
    for session_id, _url in world["herd_sessions"]:
        if session_id not in first_taps:
            continue
        redirected = set(first_taps[session_id])
        accepted = CheckIn.objects.filter(session_id=session_id, result=CheckIn.Result.OK)
        per_reg = dict(accepted.values_list("registration_id").annotate(n=Count("id")).values_list("registration_id", "n"))
        attendance = dict(OnlineAttendance.objects.filter(session_id=session_id).values_list("registration_id")
                          .annotate(n=Count("id")).values_list("registration_id", "n"))
        minutes = sum(OnlineAttendance.objects.filter(session_id=session_id).values_list("heartbeat_minutes", flat=True))
        checks[session_id] = {
            "redirected": len(redirected),
            "accepted_checkins": sum(per_reg.values()),
            "lost": len(redirected - set(per_reg)),  # a redirect without its row
            "doubled": sum(n - 1 for n in per_reg.values() if n > 1),
            "unredirected_rows": len(set(per_reg) - redirected),  # a row whose tap got no redirect (an error answer)
            "attendance_rows": sum(attendance.values()),
            "attendance_lost": len(redirected - set(attendance)),
            "attendance_doubled": sum(n - 1 for n in attendance.values() if n > 1),
            "other_checkins": CheckIn.objects.filter(session_id=session_id).exclude(result=CheckIn.Result.OK).count(),
            "heartbeat_minutes": minutes,
        }
        c = checks[session_id]
        c["ok"] = (c["lost"] == c["doubled"] == c["attendance_lost"] == c["attendance_doubled"] == 0
                   and c["accepted_checkins"] == c["redirected"] == c["attendance_rows"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {FLOOR_TABLE}")
        checks["floor_rows"] = cursor.fetchone()[0]
    connection.close()
    return checks


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on port {port}")


def stop_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class Spy:
    """py-spy recording the application's workers (``--py-spy``) for one stage; raw stacks into ``path``."""

    def __init__(self, pid: int, path: Path):
        self.path = path
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid), "--subprocesses", "--nonblocking",
             "--gil", "--full-filenames",
             "--rate", "250", "--format", "raw", "--output", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)  # attached to every worker before the stage starts

    def stop(self) -> Path | None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self.path if self.path.exists() else None


def start_uvicorn(app: str, settings: str, port: int, workers: int, env: dict, factory: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log", "--backlog", "8192", *(["--factory"] if factory else []),
         # As deploy/: connections kept longer than nginx's upstream keepalive_timeout (60 s).
         "--timeout-keep-alive", "75",
         # As deploy/systemd/rakor-web.service: a worker starved by a storm is not killed for a late healthcheck.
         "--timeout-worker-healthcheck", str(HEALTHCHECK_SECONDS)],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": settings}, start_new_session=True, preexec_fn=raise_fd_limit)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (uvicorn's workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(raw[raw.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry))
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Meter:
    """CPU seconds so far of each party, read from /proc: servers by process group, PostgreSQL by database."""

    def __init__(self, db_name: str):
        self.db_title = f" {db_name} ".encode()
        self.groups: dict[str, int] = {}  # name -> process group (uvicorn master, celery)
        self.pids: dict[str, list[int]] = {}  # name -> processes (redis, clients)

    def read(self) -> dict:
        groups = dict.fromkeys(self.groups, 0.0)
        pids = dict.fromkeys(self.pids, 0.0)
        owner = {pid: name for name, ps in self.pids.items() for pid in ps}
        by_group = {pgid: name for name, pgid in self.groups.items()}
        backends: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
                title = Path(f"/proc/{entry}/cmdline").read_bytes() if "(postgres)" in raw else b""
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2:].split()
            pid, pgid, used = int(entry), int(fields[2]), (int(fields[11]) + int(fields[12])) / TICK
            if pid in owner:
                pids[owner[pid]] += used
            elif pgid in by_group:
                groups[by_group[pgid]] += used
            elif self.db_title in title:
                backends[pid] = used
        with open("/proc/stat") as f:
            cpu = [int(x) for x in f.readline().split()[1:]]
        busy = (sum(cpu) - cpu[3] - cpu[4]) / TICK  # all but idle and iowait
        return {**groups, **pids, "pg_backends": backends, "machine": busy, "self": sum(os.times()[:2]),
                "time": time.monotonic()}

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        out = {}
        for k, v in after.items():
            if k == "pg_backends":
                out["pg"] = sum(used - before[k].get(pid, 0.0) for pid, used in v.items())
            else:
                out[k] = v - before.get(k, 0.0)
        ours = sum(v for k, v in out.items() if k not in ("machine", "time"))
        out["others"] = max(0.0, out["machine"] - ours)
        out["wall"] = out.pop("time")
        return out


# ---------------------------------------------------------------- figures


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def merge(stage_dicts: list[dict]) -> dict[str, dict]:
    merged: dict[str, dict] = {}
    for d in stage_dicts:
        m = merged.setdefault(d["name"], {"name": d["name"], "latencies": [], "errors": {}, "statuses": {},
                                          "first": None, "last": None, "bytes": 0})
        m["latencies"] += d["latencies"]
        for key in ("errors", "statuses"):
            for k, v in d[key].items():
                m[key][k] = m[key].get(k, 0) + v
        for key, fn in (("first", min), ("last", max)):
            if d[key] is not None:
                m[key] = d[key] if m[key] is None else fn(m[key], d[key])
        m["bytes"] += d["bytes"]
    return merged


def r2(x):
    return None if x is None else round(x, 2)


class Results:
    def __init__(self):
        self.stages: list[dict] = []  # one per stage and round

    def add(self, stage: dict, rnd: int, cpu: dict | None, serving: str, **extra) -> dict:
        n = len(stage["latencies"])
        errors = sum(stage["errors"].values())
        span = (stage["last"] - stage["first"]) if n else 0.0
        row = {"stage": stage["name"], "round": rnd, "requests": n, "errors": errors, "error_kinds": stage["errors"],
               "statuses": stage["statuses"], "span_s": r2(span), "rps": r2(n / span) if span > 0 else None,
               "p50_ms": r2(pct(stage["latencies"], 50)), "p95_ms": r2(pct(stage["latencies"], 95)),
               "p99_ms": r2(pct(stage["latencies"], 99)), "max_ms": r2(max(stage["latencies"], default=None)),
               "bytes_per_request": round(stage["bytes"] / n) if n else 0, "serving": serving,
               "load1": round(os.getloadavg()[0], 2), "latencies": stage["latencies"], **extra}
        if cpu is not None and n:
            row["cpu_s"] = {k: round(v, 3) for k, v in cpu.items()}
            row["cpu_ms_per_request"] = {
                "server": round(cpu.get(serving, 0.0) * 1000 / n, 3), "pg": round(cpu.get("pg", 0.0) * 1000 / n, 3),
                "redis": round(cpu.get("redis", 0.0) * 1000 / n, 3) if "redis" in cpu else None,
                "worker": round(cpu.get("celery", 0.0) * 1000 / n, 3) if "celery" in cpu else None,
                "clients": round(cpu.get("clients", 0.0) * 1000 / n, 3)}
        self.stages.append(row)
        return row

    def summary(self) -> list[dict]:
        out = []
        for name in dict.fromkeys(r["stage"] for r in self.stages):
            rows = [r for r in self.stages if r["stage"] == name and r["requests"]]
            if not rows:
                continue
            lat = [x for r in rows for x in r["latencies"]]
            cpu = [r["cpu_ms_per_request"] for r in rows if "cpu_ms_per_request" in r]

            def med(key):
                values = [c[key] for c in cpu if c.get(key) is not None]
                return r2(statistics.median(values)) if values else None

            def spread(key):
                values = [c[key] for c in cpu if c.get(key) is not None]
                return [r2(min(values)), r2(max(values))] if values else None

            rps = [r["rps"] for r in rows if r["rps"]]
            errors: dict = {}
            for r in rows:
                for k, v in r["error_kinds"].items():
                    errors[k] = errors.get(k, 0) + v
            out.append({
                "stage": name, "rounds": len(rows), "requests": sum(r["requests"] for r in rows),
                "errors": sum(r["errors"] for r in rows), "error_kinds": errors, "serving": rows[0]["serving"],
                "rps_median": r2(statistics.median(rps)) if rps else None,
                "p50_ms": r2(pct(lat, 50)), "p99_ms": r2(pct(lat, 99)), "max_ms": r2(max(lat)),
                "server_cpu_ms": med("server"), "server_cpu_ms_range": spread("server"), "pg_cpu_ms": med("pg"),
                "redis_cpu_ms": med("redis"), "worker_cpu_ms": med("worker"), "clients_cpu_ms": med("clients"),
                "bytes_per_request": rows[0]["bytes_per_request"],
                "load1": [min(r["load1"] for r in rows), max(r["load1"] for r in rows)],
            })
        return out


# ---------------------------------------------------------------- the run


class Run:
    def __init__(self, args):
        self.args = args
        self.db = Database(args)
        self.redis = Redis(args)
        self.meter = Meter(self.db.name)
        self.results = Results()
        self.procs: list[subprocess.Popen] = []
        self.clients: list = []
        self.pipes: list = []
        self.floor_n = 0
        self.first_taps: dict[int, list[int]] = {}
        self.push: list[dict] = []
        self.memory: dict = {}
        self.idle: list[float] = []  # the application server's CPU ms per second while idle (measure_idle)
        self.notes: list[str] = []
        self.world: dict = {}
        self.spies: dict = {}
        self.reconnect: dict = {}

    # ------------------------------------------------------------ set-up

    def setup(self) -> None:
        a = self.args
        needs_migrating = self.db.recreate()
        redis_url = self.redis.start()
        if self.redis.proc:
            self.meter.pids["redis"] = [self.redis.proc.pid]
        workers = a.workers
        self.workers = workers
        if not redis_url and workers > 1:
            self.notes.append("no Redis: one worker per server (the in-memory channel layer does not cross processes)")
            workers = self.workers = 1
        self.env = {**os.environ, "DATABASE_URL": self.db.url, "REDIS_URL": redis_url, "DEBUG": "false",
                    "ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT),
                    "DJANGO_SETTINGS_MODULE": "bench.settings_herd"}
        os.environ.update(self.env)
        # The servers import Django while the database is built: they touch it only when asked.
        self.port = a.port or free_port()
        self.floor_port = (a.port + 1) if a.port else free_port()
        app = start_uvicorn("rakor.asgi:application", "bench.settings_herd", self.port, workers, self.env)
        floor = start_uvicorn("django.core.asgi:get_asgi_application", "bench.settings_floor", self.floor_port,
                              workers, self.env, factory=True)
        self.procs += [app, floor]
        self.app, self.floor = app, floor
        self.meter.groups.update({"app": app.pid, "floor": floor.pid})
        t0 = time.monotonic()
        self.world = seed(a, self.db, needs_migrating)
        self.seconds_seed = time.monotonic() - t0
        if a.celery:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "rakor", "worker", "-B", "--concurrency", "1", "-l", "warning",
                 "--schedule", str(Path(tempfile.mkdtemp(prefix="herd-beat-")) / "schedule")],
                cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL)
            self.procs.append(worker)
            self.meter.groups["celery"] = worker.pid
        wait_for_port(self.port, app)
        wait_for_port(self.floor_port, floor)
        self._start_clients()
        self.warm_up()

    def _start_clients(self) -> None:
        a = self.args
        ctx = mp.get_context("spawn")
        people = [(i, secret) for i, (_pk, secret) in enumerate(self.world["participants"])]
        n = a.clients or max(2, math.ceil(max([a.sockets or 0, *(a.push_sizes if "push" in a.phases else []),
                                               *([a.reconnect_size] if "reconnect" in a.phases else [])]) / 2500))
        for c in range(n):
            parent, child = ctx.Pipe()
            config = {"port": self.port, "slug": HERD_SLUG, "participants": people[c::n], "client": c, "seed": a.seed,
                      "spare_secrets": [s for _pk, s in self.world["spares"]], "keepalive": a.keepalive}
            proc = ctx.Process(target=client_main, args=(config, child), daemon=True)
            proc.start()
            self.clients.append(proc)
            self.pipes.append(parent)
        for pipe in self.pipes:
            assert pipe.recv()[0] == "ready"
        self.meter.pids["clients"] = [p.pid for p in self.clients]

    def _call(self, command: str, per_client: list[dict] | dict) -> list:
        per_client = per_client if isinstance(per_client, list) else [per_client] * len(self.pipes)
        for pipe, kwargs in zip(self.pipes, per_client):
            pipe.send((command, kwargs))
        answers = []
        for pipe in self.pipes:
            status, result = pipe.recv()
            if status == "failed":
                raise RuntimeError(f"client failed in {command}:\n{result}")
            answers.append(result)
        return answers

    def spy(self, stage: str, rnd: int):
        """A py-spy recording of the workers for the first round of a stage, with ``--py-spy``."""
        if not self.args.py_spy or rnd != 0 or not shutil.which(str(Path(sys.executable).parent / "py-spy")):
            return None
        Path(self.args.py_spy).mkdir(parents=True, exist_ok=True)
        return Spy(self.app.pid, Path(self.args.py_spy) / f"herd-{stage}.txt")

    def spied(self, spy, stage: str, row: dict) -> None:
        if spy is None:
            return
        path = spy.stop()
        if path and row.get("cpu_ms_per_request"):
            from bench.herd_profile import analyse_collapsed

            self.spies[stage] = analyse_collapsed(str(path), row["cpu_ms_per_request"]["server"])

    def measured(self, command: str, kwargs, rnd: int, serving: str = "app", spy: str = "", **extra) -> dict[str, dict]:
        recording = self.spy(spy, rnd) if spy else None
        before = self.meter.read()
        answers = self._call(command, kwargs)
        cpu = Meter.delta(before, self.meter.read())
        stages = merge([s for answer in answers for s in answer])
        rows = {}
        for i, (name, stage) in enumerate(stages.items()):
            # A command's CPU belongs to its first stage (e.g. the join's redirects it follows share it).
            rows[name] = self.results.add(stage, rnd, cpu if i == 0 else None, serving, **extra)
        if recording is not None:
            self.spied(recording, spy, next(iter(rows.values())))
        return rows

    def warm_up(self) -> None:
        """Both workers of both servers: imports, pools, prepared statements, templates, before anything counts."""
        warm, port = self.world["warm"], self.port

        async def go():
            async def get(p, path, method="GET"):
                conn = Http(p)
                try:
                    return (await conn.request(method, path))[0]
                finally:
                    conn.close()

            statuses = []
            for _ in range(self.args.warm_up):
                for secret in warm["secrets"]:
                    statuses.append(await get(port, f"/t/{secret}/"))
                    statuses.append(await get(port, f"/t/{secret}/join/{warm['session']}/"))
                    statuses.append(await get(port, f"/t/{secret}/heartbeat/{warm['session']}/", "POST"))
                    statuses.append(await get(port, f"/e/{HERD_SLUG}/sessions/status.json"))
                    statuses.append(await get(port, "/static/rakor/site.css"))
            for i in range(40 * self.args.warm_up):
                statuses.append(await get(self.floor_port, f"/floor/{self._floor_next()}/"))
            from websockets.asyncio.client import connect

            for secret in warm["secrets"]:
                ws = await connect(f"ws://127.0.0.1:{port}/ws/events/{WARM_SLUG}/sessions/?t={secret}",
                                   origin=f"http://127.0.0.1:{port}", compression=None, ping_interval=None)
                await ws.recv()
                await ws.close()
            return statuses

        statuses = asyncio.run(go())
        bad = [s for s in statuses if s not in (200, 302)]
        if bad:
            self.notes.append(f"warm-up: {len(bad)} answers not 200/302 (first: {bad[0]})")
        for i in range(8):  # the API, on both workers
            self.set_status(self.world["warm"]["session"], "scheduled" if i % 2 == 0 else "live", slug=WARM_SLUG)

    def _floor_next(self) -> int:
        self.floor_n += 1
        return self.floor_n

    def set_status(self, session_id: int, status: str, slug: str = HERD_SLUG) -> float:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/events/{slug}/sessions/{session_id}/status/",
            data=json.dumps({"status": status}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Token {self.world['token']}"})
        t0 = time.time()
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        return t0

    # ------------------------------------------------------------ phases

    def phase_portal(self) -> None:
        a = self.args
        for rnd in range(a.rounds):
            self.measured("portal", {"spread": a.spread}, rnd, spy="portal")
            self.measured("resources", {"kind": "app", "spread": a.spread}, rnd)
            if rnd == 0:  # the same few files for everyone; in production the proxy serves them
                self.measured("resources", {"kind": "static", "spread": a.spread}, rnd)
        links = {}
        for answer in self._call("join_links", {}):
            for k, v in answer.items():
                links[int(k)] = links.get(int(k), 0) + v
        self.join_links = links
        self.measured("portal", {"spread": a.spread, "revisit": True}, 0)

    def phase_socket(self, rounds: int) -> None:
        a = self.args
        listeners = max(0, (a.sockets or 0) - a.participants)
        per = self._split(listeners)
        workers = children(self.app.pid) or [self.app.pid]
        for rnd in range(rounds):
            if rnd:
                self._call("disconnect", {})
                time.sleep(1.5)
            rss0 = rss_mb(workers)
            rows = self.measured("connect", [{"listeners": n, "spread": a.spread, "timeout": a.timeout} for n in per], rnd)
            time.sleep(1)
            rss1 = rss_mb(workers)
            ok = rows["socket"]["requests"] - rows["socket"]["errors"]
            if rnd == 0:
                self.memory = {"sockets": ok, "workers_rss_mb_before": round(rss0, 1),
                               "workers_rss_mb_after": round(rss1, 1),
                               "kb_per_socket": round((rss1 - rss0) * 1024 / ok, 1) if ok else None}
        self.measured("poll", {"spread": a.spread, "conditional": False}, 0)
        self.measured("poll", {"spread": a.spread, "conditional": True}, 0)

    def _split(self, n: int) -> list[int]:
        k = len(self.pipes)
        return [n // k + (1 if i < n % k else 0) for i in range(k)]

    def _push_delays(self, session_id: int, t0: float, participants_only: bool = False) -> dict:
        delays, missed, dropped = [], 0, {}
        for answer in self._call("push_times", {"session": session_id}):
            heard = answer["heard"][:answer["participants"]] if participants_only else answer["heard"]
            for t in heard:
                if t is None:
                    missed += 1
                else:
                    delays.append((t - t0) * 1000)
            for k, v in answer["dropped"].items():
                dropped[k] = dropped.get(k, 0) + v
        return {"sockets": len(delays) + missed, "heard": len(delays), "missed": missed,
                "p50_ms": r2(pct(delays, 50)), "p99_ms": r2(pct(delays, 99)), "max_ms": r2(max(delays, default=None)),
                "dropped": dropped}

    def phase_join(self, beat: bool) -> None:
        a = self.args
        sessions = self.world["herd_sessions"][:a.rounds]
        for rnd, (session_id, url) in enumerate(sessions):
            if rnd:
                self.set_status(sessions[rnd - 1][0], "ended")  # the previous session ends, as on the day
                time.sleep(1)
            self._call("arm", {"session": session_id, "tap": True, "reaction": a.reaction, "meeting_url": url})
            recording = self.spy("join_first", rnd)
            before = self.meter.read()
            t0 = self.set_status(session_id, "live")
            api_ms = (time.time() - t0) * 1000
            answers = self._call("wait_taps", {"timeout": a.timeout})
            cpu = Meter.delta(before, self.meter.read())
            stages = merge([s for answer in answers for s in answer])
            push = self._push_delays(session_id, t0)
            push.update(round=rnd, session=session_id, api_ms=round(api_ms, 1))
            self.push.append({"kind": "herd", **push})
            first = self.results.add(stages["join_first"], rnd, cpu, "app",
                                     note="CPU includes delivering the push to every socket")
            self.spied(recording, "join_first", first)
            if stages["join_follow"]["latencies"]:
                self.results.add(stages["join_follow"], rnd, None, "app")
            self.first_taps[session_id] = self._redirected(session_id)
            repeat = self.measured("repeat", {"session": session_id, "share": a.repeat_share, "spread": a.reaction,
                                              "meeting_url": url}, rnd, spy="join_repeat")["join_repeat"]
            for name, size, row in (("floor_first", first["requests"], first), ("floor_repeat", repeat["requests"], repeat)):
                if not size:
                    continue
                paths = [f"/floor/{self._floor_next()}/" for _ in range(size)]
                k = len(self.pipes)
                spread = a.reaction + (a.join_spread if name == "floor_first" else 0.0)  # shaped as the taps
                self.measured("burst", [{"port": self.floor_port, "paths": paths[i::k], "spread": spread,
                                         "stage_name": name, "meeting_url": FLOOR_MEETING_URL} for i in range(k)],
                              rnd, serving="floor")
            if beat:
                for b in range(a.beat_rounds):
                    note = age_heartbeats(session_id) if a.age_beats else "not aged (same-minute beats)"
                    started = time.monotonic()
                    self.measured("beat", {"session": session_id, "spread": a.beat_interval},
                                  rnd * a.beat_rounds + b, spy="heartbeat", note=note)
                    time.sleep(max(0.0, a.beat_interval - (time.monotonic() - started)))
                    self.measure_idle(a.beat_interval)
                for b in range(a.beat_rounds if a.socket_beats else 0):
                    # The same beats as messages on the sockets held (the portal's script while its socket is open).
                    # What the POSTs collected is folded first, so Redis's hash then counts this stage's beats alone.
                    folded = fold_collected_beats(self.env.get("REDIS_URL", ""))
                    note = age_heartbeats(session_id) if a.age_beats else "not aged (same-minute beats)"
                    started = time.monotonic()
                    rows = self.measured("beat_socket", {"session": session_id, "spread": a.beat_interval},
                                         rnd * a.beat_rounds + b, spy="heartbeat_socket", note=note)
                    time.sleep(max(0.0, a.beat_interval - (time.monotonic() - started)))
                    collected = collected_beats(self.env.get("REDIS_URL", ""), session_id)
                    rows["heartbeat_socket"]["collected"] = collected
                    sent = rows["heartbeat_socket"]["requests"] - rows["heartbeat_socket"]["errors"]
                    self.notes.append(f"heartbeat_socket round {rnd * a.beat_rounds + b}: {sent} sent, {collected} "
                                      f"collected in Redis (before it: POSTed beats folded {folded})")
                    self.measure_idle(a.beat_interval)

    def measure_idle(self, seconds: float) -> None:
        """The application server's CPU while nobody asks anything (the sockets still held), per second.

        A heartbeat stage is a few hundred small requests spread over its interval: the workers' own
        idle work in that time (event loops, the socket hub's timers, connection pools) weighs on its
        CPU per request. The report gives the stage net of it too, for the marginal cost of a beat."""
        before = self.meter.read()
        time.sleep(seconds)
        cpu = Meter.delta(before, self.meter.read())
        self.idle.append(cpu.get("app", 0.0) * 1000 / cpu["wall"])

    def _redirected(self, session_id: int) -> list[int]:
        """Registration ids of the participants whose first tap reached the meeting."""
        people = self.world["participants"]
        return [people[i][0] for answer in self._call("joined", {"session": session_id}) for i in answer]

    def phase_push(self) -> None:
        a = self.args
        self._call("disconnect", {})
        time.sleep(min(1.0, a.participants / 1000))
        session_id = self.world["push_session"]
        workers = children(self.app.pid) or [self.app.pid]
        idle = rss_mb(workers)  # the workers' memory before any socket of the sweep (what a bigger size frees is reused)
        for size in a.push_sizes:
            settle = min(2.0, size / 2500)  # seconds for the server to finish the handshakes' work, and the closes'
            listeners = max(0, size - a.participants)
            rss0 = rss_mb(workers)
            pids0 = sorted(children(self.app.pid))
            rows = self.measured("connect", [{"listeners": n, "spread": a.spread, "timeout": a.timeout}
                                             for n in self._split(listeners)], 0, sockets=size)
            time.sleep(settle)  # the handshakes' work settles before the push is measured
            rss1 = rss_mb(workers)
            ok = rows["socket"]["requests"] - rows["socket"]["errors"]
            self._call("arm", {"session": session_id, "tap": False, "reaction": 0.0, "meeting_url": ""})
            before = self.meter.read()
            t0 = self.set_status(session_id, "live")
            api_ms = (time.time() - t0) * 1000
            deadline = time.monotonic() + a.timeout
            while time.monotonic() < deadline:
                got = self._push_delays(session_id, t0)
                if got["missed"] == 0:
                    break
                time.sleep(0.25)
            cpu = Meter.delta(before, self.meter.read())
            got = self._push_delays(session_id, t0)
            got.update(kind="push", requested=size, connect_errors=rows["socket"]["errors"],
                       connect_error_kinds=rows["socket"]["error_kinds"], connect_p99_ms=rows["socket"]["p99_ms"],
                       connect_span_s=rows["socket"]["span_s"], api_ms=round(api_ms, 1),
                       server_cpu_s=round(cpu["app"], 3), redis_cpu_s=r2(cpu.get("redis")),
                       kb_per_socket=round((rss1 - idle) * 1024 / ok, 1) if ok else None,
                       workers_rss_mb=[round(idle, 1), round(rss0, 1), round(rss1, 1)],
                       # uvicorn's manager replaces a worker that died or missed its healthcheck: its sockets are gone
                       workers_replaced=len(set(pids0) - set(children(self.app.pid))),
                       load1=round(os.getloadavg()[0], 2))
            if got["workers_replaced"]:
                workers = children(self.app.pid) or [self.app.pid]
            self.push.append(got)
            print(f"push {size}: {json.dumps({k: v for k, v in got.items() if k != 'dropped'})}", flush=True)
            self.set_status(session_id, "scheduled")
            self._call("disconnect", {})
            time.sleep(settle)

    def restart_app(self) -> float:
        """Stop the application's server (SIGTERM, as a deploy does) and start it again; when it listens again."""
        stop_group(self.app)
        self.procs.remove(self.app)
        self.app = start_uvicorn("rakor.asgi:application", "bench.settings_herd", self.port, self.workers, self.env)
        self.procs.append(self.app)
        self.meter.groups["app"] = self.app.pid
        wait_for_port(self.port, self.app, timeout=120)
        return time.time()

    def start_second_app(self) -> tuple[int, subprocess.Popen]:
        """Another node: the same application on another port, warmed up (imports, pools) before it counts."""
        port = free_port()
        proc = start_uvicorn("rakor.asgi:application", "bench.settings_herd", port, self.workers, self.env)
        self.procs.append(proc)
        wait_for_port(port, proc, timeout=120)
        warm = self.world["warm"]

        async def go():
            from websockets.asyncio.client import connect

            for _ in range(4):
                for secret in warm["secrets"]:
                    conn = Http(port)
                    try:
                        await conn.request("GET", f"/e/{HERD_SLUG}/sessions/status.json")
                    finally:
                        conn.close()
                    ws = await connect(f"ws://127.0.0.1:{port}/ws/events/{WARM_SLUG}/sessions/?t={secret}",
                                       origin=f"http://127.0.0.1:{port}", compression=None, ping_interval=None)
                    await ws.recv()
                    await ws.close()

        asyncio.run(go())
        return port, proc

    def phase_reconnect(self) -> None:
        a = self.args
        self._call("disconnect", {})
        time.sleep(1.0)
        other = self.start_second_app() if a.reconnect_to == "other" else None
        size = a.reconnect_size
        rows = self.measured("connect", [{"listeners": n, "spread": a.spread, "timeout": a.timeout}
                                         for n in self._split(max(0, size - a.participants))], 0, sockets=size)
        time.sleep(min(2.0, size / 2500))
        held = rows["socket"]["requests"] - rows["socket"]["errors"]
        self._call("watch_reconnect", {"window": a.reconnect_window, "open_timeout": a.reconnect_open_timeout,
                                       "port": other[0] if other else self.port})
        t_stop = time.time()
        serving = "app"
        if other:
            serving = "other_node"
            self.meter.groups[serving] = other[1].pid
            before = self.meter.read()
            stop_group(self.app)  # its sockets closed with 1012; they come back to the other node
            self.procs.remove(self.app)
            self.app = other[1]
            up = t_stop
        else:
            up = self.restart_app()
            before = self.meter.read()
        workers = children(self.app.pid) or [self.app.pid]
        rss0 = rss_mb(workers)
        deadline = time.monotonic() + a.reconnect_timeout
        while True:
            answers = self._call("reconnect_status", {})
            back = [t for ans in answers for t in ans["back"]]
            done = sum(1 for t in back if t is not None)
            if done >= held or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        cpu = Meter.delta(before, self.meter.read())
        time.sleep(1)
        rss = rss_mb(workers)
        times = sorted(t for t in back if t is not None)
        errors: dict = {}
        for ans in answers:
            for k, v in ans["errors"].items():
                errors[k] = errors.get(k, 0) + v
        got = {"kind": "reconnect", "held": held, "back": done, "missing": held - done,
               "attempts": sum(ans["attempts"] for ans in answers), "failed_attempts": sum(errors.values()),
               "failed_kinds": errors, "node_down_s": round(up - t_stop, 1),
               "all_back_after_stop_s": round(times[-1] - t_stop, 1) if times and done >= held else None,
               "all_back_after_up_s": round(times[-1] - up, 1) if times and done >= held else None,
               "p50_back_after_up_s": r2(pct([t - up for t in times], 50)),
               "p99_back_after_up_s": r2(pct([t - up for t in times], 99)),
               "server_cpu_s": round(cpu[serving], 3), "pg_cpu_s": round(cpu.get("pg", 0.0), 3),
               "server_cpu_ms_per_reconnect": round(cpu[serving] * 1000 / done, 3) if done else None,
               "pg_cpu_ms_per_reconnect": round(cpu.get("pg", 0.0) * 1000 / done, 3) if done else None,
               "workers_rss_mb": [round(rss0, 1), round(rss, 1)],
               "kb_per_socket": round((rss - rss0) * 1024 / done, 1) if done else None,
               "load1": round(os.getloadavg()[0], 2), "window_s": a.reconnect_window, "to": a.reconnect_to}
        self.reconnect = got
        print(f"reconnect {size}: {json.dumps(got)}", flush=True)
        self._call("disconnect", {})

    def phase_profile(self) -> dict:
        a = self.args
        live = [s for s, _u in self.world["herd_sessions"]][:max(1, a.rounds)][-1]
        if not any(r["stage"] == "join_first" for r in self.results.stages):
            self.set_status(live, "live")
        spec = {"secrets": [s for _pk, s in self.world["spares"]], "session": live, "count": a.profile_count,
                "slug": HERD_SLUG, "out": str(Path(a.profile_dir).resolve()) if a.profile_dir else ""}
        proc = subprocess.run([sys.executable, str(ROOT / "bench" / "herd_profile.py"), json.dumps(spec)],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"profile failed:\n{proc.stderr[-4000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    # ------------------------------------------------------------ all of it

    def run(self) -> int:
        a = self.args
        phases = set(a.phases)
        if phases & {"join", "heartbeat"}:
            phases |= {"socket", "join"}
        load_before = os.getloadavg()
        started = self.started = time.monotonic()
        profile = None
        try:
            self.setup()
            self._progress("set-up")
            print(f"seeded {a.participants} participants (+{a.spares} spares) in {self.seconds_seed:.1f}s; "
                  f"app :{self.port}, floor :{self.floor_port}, {len(self.pipes)} client processes; "
                  f"load {load_before[0]:.2f}", flush=True)
            if "portal" in phases:
                self.phase_portal()
                self._progress("portal")
            if "socket" in phases:
                self.phase_socket(a.rounds if "join" not in phases else a.rounds)
                self._progress("socket")
            if "join" in phases:
                self.phase_join(beat="heartbeat" in phases)
                self._progress("join")
            if "push" in phases:
                self.phase_push()
                self._progress("push")
            if "reconnect" in phases:
                self.phase_reconnect()
                self._progress("reconnect")
            if "heartbeat" in phases:
                print(f"beats folded before the check: {fold_collected_beats(self.env.get('REDIS_URL', ''))}", flush=True)
            checks = count_rows(self.world, self.first_taps) if "join" in phases else {}
            if "profile" in phases:
                profile = self.phase_profile()
                self._progress("profile")
        finally:
            self.teardown()
        report = self.report(checks, profile, load_before, time.monotonic() - started)
        if a.json:
            Path(a.json).parent.mkdir(parents=True, exist_ok=True)
            Path(a.json).write_text(json.dumps(report, indent=2, default=str))
        bad = [k for k, c in checks.items() if isinstance(c, dict) and not c["ok"]]
        return 1 if bad else 0

    def _progress(self, phase: str) -> None:
        print(f"{phase} done at {time.strftime('%H:%M:%S')} ({time.monotonic() - self.started:.0f} s), "
              f"load {os.getloadavg()[0]:.2f}", flush=True)

    def teardown(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(("stop", {}))
            except (BrokenPipeError, OSError):
                pass
        for proc in self.clients:
            proc.join(timeout=20)
            if proc.is_alive():
                proc.kill()
        for proc in self.procs:
            stop_group(proc)
        self.redis.stop()

    # ------------------------------------------------------------ report

    def _idle_summary(self) -> dict | None:
        """Idle CPU per second (median of the rounds) and each heartbeat round's CPU per beat net of it."""
        if not self.idle:
            return None
        rate = statistics.median(self.idle)
        net = [r2(r["cpu_ms_per_request"]["server"] - rate * r["cpu_s"]["wall"] / r["requests"])
               for r in self.results.stages if r["stage"] == "heartbeat" and "cpu_ms_per_request" in r]
        net_socket = [r2(r["cpu_ms_per_request"]["server"] - rate * r["cpu_s"]["wall"] / r["requests"])
                      for r in self.results.stages if r["stage"] == "heartbeat_socket" and "cpu_ms_per_request" in r]
        return {"app_cpu_ms_per_s": r2(rate), "rounds": [r2(x) for x in self.idle],
                "heartbeat_net_ms": r2(statistics.median(net)) if net else None, "heartbeat_net_ms_rounds": net,
                "heartbeat_socket_net_ms": r2(statistics.median(net_socket)) if net_socket else None,
                "heartbeat_socket_net_ms_rounds": net_socket}

    def report(self, checks: dict, profile: dict | None, load_before, seconds: float) -> dict:
        a = self.args
        summary = self.results.summary()
        by = {s["stage"]: s for s in summary}
        ratios = self._ratios()
        print()
        print(f"herd: {a.participants} participants, {a.rounds} rounds, {len(self.pipes)} client processes, "
              f"{os.cpu_count()} CPUs; load average before {load_before[0]:.2f}/{load_before[1]:.2f}, "
              f"after {os.getloadavg()[0]:.2f}; {seconds:.0f} s")
        head = (f"{'stage':<16}{'served by':>10}{'req':>7}{'err':>5}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
                f"{'server CPU ms/req':>24}{'pg':>7}{'redis':>7}{'load':>11}")
        print(head)
        for s in summary:
            rng = s["server_cpu_ms_range"]
            cpu = f"{s['server_cpu_ms']} ({rng[0]}–{rng[1]})" if rng else "–"
            print(f"{s['stage']:<16}{s['serving']:>10}{s['requests']:>7}{s['errors']:>5}{str(s['rps_median']):>8}"
                  f"{str(s['p50_ms']):>9}{str(s['p99_ms']):>9}{cpu:>24}{str(s['pg_cpu_ms'] or '–'):>7}"
                  f"{str(s['redis_cpu_ms'] if s['redis_cpu_ms'] is not None else '–'):>7}"
                  f"{s['load1'][0]:>5.1f}–{s['load1'][1]:<5.1f}"
                  + (f" worker {s['worker_cpu_ms']}" if s["worker_cpu_ms"] is not None else ""))
            if s["errors"]:
                print(f"{'':<16}errors: {s['error_kinds']}")
        for name, r in ratios.items():
            print(f"{name}: req/s ratio per round {r['rps_ratios']} (median {r['rps_ratio_median']}); "
                  f"CPU ratio floor/join (server + pg) {r['cpu_ratio_median']}")
        idle = self._idle_summary()
        if idle:
            print(f"idle: the application server used {idle['app_cpu_ms_per_s']} ms of CPU per second with nothing asked "
                  f"(rounds {idle['rounds']}); heartbeat net of it: {idle['heartbeat_net_ms']} ms per beat"
                  + (f", over the socket {idle['heartbeat_socket_net_ms']} ms per beat"
                     if idle["heartbeat_socket_net_ms"] is not None else ""))
        if self.memory:
            print(f"memory: {self.memory['sockets']} sockets, workers' RSS {self.memory['workers_rss_mb_before']} → "
                  f"{self.memory['workers_rss_mb_after']} MB, {self.memory['kb_per_socket']} KB per socket")
        for p in self.push:
            print(f"push ({p['kind']}{', round ' + str(p['round']) if 'round' in p else ''}): {p['sockets']} sockets, "
                  f"heard {p['heard']}, missed {p['missed']}, p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms, "
                  f"max {p['max_ms']} ms" + (f", server CPU {p['server_cpu_s']} s, {p['kb_per_socket']} KB/socket, "
                                             f"connect errors {p['connect_errors']}" if p["kind"] == "push" else ""))
        if self.reconnect:
            r = self.reconnect
            print(f"reconnect (node restart, to the {r['to']} node): {r['held']} sockets held, {r['back']} back, "
                  f"node down {r['node_down_s']} s, "
                  f"all back {r['all_back_after_up_s']} s after it listened ({r['all_back_after_stop_s']} s after the "
                  f"stop), p99 {r['p99_back_after_up_s']} s; {r['attempts']} attempts, {r['failed_attempts']} failed "
                  f"{r['failed_kinds']}; server CPU {r['server_cpu_ms_per_reconnect']} ms + PostgreSQL "
                  f"{r['pg_cpu_ms_per_reconnect']} ms per reconnect")
        if getattr(self, "join_links", None) is not None:
            print(f"join links found on the portals, per session: {self.join_links}")
        for key, c in checks.items():
            if isinstance(c, dict):
                verdict = "nothing lost, nothing doubled" if c["ok"] else "MISMATCH"
                print(f"session {key}: {c['redirected']} redirected, {c['accepted_checkins']} accepted check-ins, "
                      f"{c['attendance_rows']} attendance rows, lost {c['lost']}, doubled {c['doubled']}, "
                      f"rows without a redirect {c['unredirected_rows']}, other check-in rows {c['other_checkins']} "
                      f"(repeat taps), heartbeat minutes {c['heartbeat_minutes']}: {verdict}")
        cap = capacity(summary, a, kb_per_socket(a, self.push, self.memory)) if summary else None
        if cap:
            print_capacity(cap)
        if profile:
            print_profile(profile)
        for stage, spied in self.spies.items():
            print(f"py-spy on the workers during {stage} ({spied['samples']} samples, {spied['cpu_ms_per_request']} ms "
                  f"server CPU per request; groups nest and overlap):")
            print("  " + "; ".join(f"{g['group']} {g['share']} %" for g in spied["groups"] if g["share"]))
            print("  by innermost module: " + "; ".join(f"{m['module']} {m['share']} %" for m in spied["by_module"]))
        for note in self.notes:
            print(f"note: {note}")
        return {"args": vars(a), "cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
                "seconds": round(seconds, 1), "summary": summary, "ratios": ratios, "memory": self.memory,
                "push": self.push, "reconnect": self.reconnect, "idle": idle, "checks": {str(k): v for k, v in checks.items()}, "profile": profile, "capacity": cap, "py_spy": self.spies,
                "join_links": getattr(self, "join_links", None), "notes": self.notes,
                "stages": [{k: v for k, v in r.items() if k != "latencies"} for r in self.results.stages]}

    def _ratios(self) -> dict:
        out = {}
        rows = self.results.stages
        for join, floor in (("join_first", "floor_first"), ("join_repeat", "floor_repeat")):
            pairs = []
            for rnd in sorted({r["round"] for r in rows if r["stage"] == join}):
                j = next((r for r in rows if r["stage"] == join and r["round"] == rnd), None)
                f = next((r for r in rows if r["stage"] == floor and r["round"] == rnd), None)
                if j and f and j.get("rps") and f.get("rps") and "cpu_ms_per_request" in j and "cpu_ms_per_request" in f:
                    jc = j["cpu_ms_per_request"]["server"] + j["cpu_ms_per_request"]["pg"]
                    fc = f["cpu_ms_per_request"]["server"] + f["cpu_ms_per_request"]["pg"]
                    pairs.append((j["rps"] / f["rps"], fc / jc if jc else None))
            if pairs:
                out[f"{join} vs {floor}"] = {
                    "rps_ratios": [round(p[0], 2) for p in pairs],
                    "rps_ratio_median": round(statistics.median(p[0] for p in pairs), 2),
                    "cpu_ratio_median": r2(statistics.median(p[1] for p in pairs if p[1] is not None))}
        return out


def capacity(summary: list[dict], args, memory_kb_per_socket: float | None) -> dict:
    """Cores, PostgreSQL and Redis for the herd minute and for heartbeats, from the CPU per request measured here.

    The herd minute, per participant: the portal page once and the application's own resources it
    links to (static files: the proxy's), one socket, one first tap, ``--repeat-share`` repeat taps,
    and ``--cap-poll-share`` of them polling status.json three times (20 s) instead of a socket;
    arrivals even over the minute. Heartbeats: one per participant per ``--cap-beat-interval``
    seconds, all session long. CPU planned at ``--cap-utilisation`` busy. PostgreSQL: its backends'
    CPU only (not the WAL writer, checkpoints, autovacuum).
    """
    by = {s["stage"]: s for s in summary}
    people = args.participants

    def per_participant(stage: str) -> float:
        s = by.get(stage)
        return s["requests"] / s["rounds"] / people if s else 0.0

    overrides = dict(item.split("=", 1) for item in args.cap_cost)

    def cost(stage: str, key: str) -> float:
        if key == "server_cpu_ms" and stage in overrides:
            return float(overrides[stage])
        s = by.get(stage)
        return (s.get(key) or 0.0) if s else 0.0

    mix = {"portal": 1.0, "portal_app": per_participant("portal_app"), "socket": 1.0 if "socket" in by else 0.0,
           "join_first": 1.0 if "join_first" in by else 0.0,
           "join_repeat": args.repeat_share if "join_repeat" in by else 0.0,
           "status_poll_304": 3 * args.cap_poll_share if "status_poll_304" in by else 0.0}
    minute = {key: sum(n * cost(stage, key) for stage, n in mix.items()) for key in ("server_cpu_ms", "pg_cpu_ms",
                                                                                     "redis_cpu_ms")}
    beat = {key: cost("heartbeat", key) for key in ("server_cpu_ms", "pg_cpu_ms", "redis_cpu_ms")}
    u, interval = args.cap_utilisation, args.cap_beat_interval
    rows = []
    for size in args.cap_sizes:
        rows.append({
            "participants": size,
            "minute_app_cores": round(size * minute["server_cpu_ms"] / 1000 / 60 / u, 1),
            "minute_pg_cores": round(size * minute["pg_cpu_ms"] / 1000 / 60 / u, 1),
            "minute_redis_cores": round(size * minute["redis_cpu_ms"] / 1000 / 60 / u, 2),
            "joins_per_s": round(size * (mix["join_first"] + mix["join_repeat"]) / 60),
            "beat_app_cores": round(size * beat["server_cpu_ms"] / 1000 / interval / u, 1),
            "beat_pg_cores": round(size * beat["pg_cpu_ms"] / 1000 / interval / u, 1),
            "beats_per_s": round(size / interval),
            "socket_memory_gb": round(size * memory_kb_per_socket / 1024 / 1024, 1) if memory_kb_per_socket else None,
        })
    return {"mix_per_participant": {k: round(v, 2) for k, v in mix.items()}, "overrides": overrides,
            "ms_per_participant_minute": {k: round(v, 2) for k, v in minute.items()},
            "ms_per_beat": beat, "utilisation": u, "beat_interval_s": interval,
            "kb_per_socket": memory_kb_per_socket, "rows": rows}


def kb_per_socket(args, push: list[dict], memory: dict) -> float | None:
    """Memory per socket for the capacity table: given, else the largest push size, else the herd's from 1,000 up."""
    if args.cap_kb_per_socket:
        return args.cap_kb_per_socket
    sweep = [p for p in push if p["kind"] == "push" and p.get("kb_per_socket") and p["sockets"] >= 1000]
    if sweep:
        return max(sweep, key=lambda p: p["sockets"])["kb_per_socket"]
    if memory.get("sockets", 0) >= 1000:
        return memory["kb_per_socket"]
    return None  # a few hundred sockets move the workers' RSS by less than its noise


def print_capacity(cap: dict) -> None:
    m = cap["ms_per_participant_minute"]
    print(f"capacity at these costs (per participant in the minute {cap['mix_per_participant']}: "
          f"{m['server_cpu_ms']} ms app, {m['pg_cpu_ms']} ms PostgreSQL, {m['redis_cpu_ms']} ms Redis; a beat every "
          f"{cap['beat_interval_s']:.0f} s; CPU planned {cap['utilisation']:.0%} busy):")
    print(f"{'participants':>12} {'minute: app cores':>18} {'PG cores':>9} {'Redis':>6} {'joins/s':>8} "
          f"{'beats: app cores':>17} {'PG cores':>9} {'beats/s':>8} {'socket GB':>10}")
    for r in cap["rows"]:
        print(f"{r['participants']:>12,} {r['minute_app_cores']:>18} {r['minute_pg_cores']:>9} {r['minute_redis_cores']:>6} "
              f"{r['joins_per_s']:>8} {r['beat_app_cores']:>17} {r['beat_pg_cores']:>9} {r['beats_per_s']:>8} "
              f"{r['socket_memory_gb'] if r['socket_memory_gb'] is not None else '–':>10}")


def print_profile(profile: dict) -> None:
    print("in-process, one request at a time (Django test client, same database and Redis):")
    for name, v in profile["inprocess"].items():
        print(f"  {name:<14} {v['cpu_ms']:>7} ms CPU per request over {v['requests']}, {v['queries']} queries, "
              f"{v['bytes']} bytes")
    for name, p in profile["profiles"].items():
        waits = ", ".join(f"{k} {v}" for k, v in p["waits"].items())
        print(f"where a {name} spends its {p['cpu_ms_per_request']} ms of CPU (sampled, {p['samples']} busy samples; "
              f"{waits} samples of waiting left out; groups nest and overlap):")
        for g in p["groups"]:
            print(f"  {g['share']:>5.1f} %  {g['ms_per_request']:>7.2f} ms  {g['group']}")
        if p.get("outside_view_by_module"):
            print("  outside the view, by module: " + ", ".join(
                f"{m['module']} {m['ms_per_request']}" for m in p["outside_view_by_module"]))
        print("  functions with the most own time: " + "; ".join(
            f"{f['function']} {f['share']} %" for f in p["top_own"][:8]))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--sockets", type=int, default=0, help="sockets held during the herd (≥ participants: the "
                    "rest only listen)")
    ap.add_argument("--phases", nargs="+", default=list(DEFAULT_PHASES), choices=PHASES)
    ap.add_argument("--rounds", type=int, default=3, help="repeats of each phase (and sessions going live)")
    ap.add_argument("--spread", type=float, default=3.0, help="seconds over which the herd's arrivals are spread")
    ap.add_argument("--reaction", type=float, default=0.0, help="seconds between hearing 'live' and tapping (uniform "
                    "0..REACTION); 0: everyone taps at once, the burst saturates both servers (a capacity figure)")
    ap.add_argument("--repeat-share", type=float, default=0.3, help="share of participants who tap Join twice")
    ap.add_argument("--beat-interval", type=float, default=5.0, help="seconds between heartbeats (60 in production)")
    ap.add_argument("--beat-rounds", type=int, default=1, help="heartbeat rounds per session going live")
    ap.add_argument("--no-socket-beats", dest="socket_beats", action="store_false",
                    help="heartbeat phase: POSTed beats only (by default, after them, as many rounds of beats sent as "
                         "messages on the sockets held: stage heartbeat_socket)")
    ap.add_argument("--no-age-beats", dest="age_beats", action="store_false",
                    help="do not age the rows: beats within the same minute (no write today)")
    ap.add_argument("--push-sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--join-spread", type=float, default=0.0, help="the event's join spread (seconds): each "
                    "participant's Join button lights 0..SPREAD s after the push, and the floor's first-tap burst "
                    "is spread the same; 0 (default): everyone at once, the worst case and a capacity figure")
    ap.add_argument("--reconnect-size", type=int, default=10000, help="sockets held when the node restarts")
    ap.add_argument("--reconnect-to", choices=("other", "same"), default="other", help="where the closed sockets "
                    "reconnect: another node, up and warm (a cluster's proxy), or the same node started again")
    ap.add_argument("--reconnect-window", type=float, default=15.0, help="the first reconnect's window (live.js: "
                    "data-reconnect-seconds, default 15)")
    ap.add_argument("--reconnect-open-timeout", type=float, default=30.0, help="a handshake slower than this is "
                    "abandoned and retried (live.js: 30 s)")
    ap.add_argument("--reconnect-timeout", type=float, default=120.0, help="seconds to wait for every socket back")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for sockets, pushes and taps")
    ap.add_argument("--profile-count", type=int, default=30, help="requests per kind in the in-process profile")
    ap.add_argument("--profile-dir", default="", help="also write the cProfile files (.prof) here")
    ap.add_argument("--spares", type=int, default=40, help="registrations for the profile and the listeners")
    ap.add_argument("--clients", type=int, default=0, help="client processes (default: 2, more for many sockets)")
    ap.add_argument("--keepalive", type=int, default=0, metavar="N",
                    help="each client process reuses up to N idle connections per server, as nginx's upstream "
                         "keepalive pool does in production (deploy/nginx: 64); 0: a new connection per request")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    ap.add_argument("--port", type=int, default=0, help="the application's port, the floor's is the next (0: any)")
    ap.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                    help="PostgreSQL server (the database --db-name on it is dropped and re-created)")
    ap.add_argument("--db-name", default="rakor_herd")
    ap.add_argument("--sqlite", default="", help="an SQLite file instead of PostgreSQL (smoke test only)")
    ap.add_argument("--no-migrations", action="store_true", help="tables from the models without running the "
                    "migrations (smoke test only)")
    ap.add_argument("--redis", default="own", help="'own' (start redis-server on --redis-port), a redis:// URL whose "
                    "database this run empties, or 'none'")
    ap.add_argument("--redis-port", type=int, default=6380)
    ap.add_argument("--py-spy", default="", metavar="DIR", help="record the application's workers with py-spy during "
                    "the first round of portal, first taps, repeat taps and heartbeats; raw stacks into DIR")
    ap.add_argument("--celery", action="store_true", help="also run a Celery worker with beat (its CPU: 'worker')")
    ap.add_argument("--cap-sizes", type=int, nargs="+", default=[10000, 50000, 230000],
                    help="capacity table: participants in the herd minute")
    ap.add_argument("--cap-utilisation", type=float, default=0.7, help="capacity table: CPU planned this busy")
    ap.add_argument("--cap-beat-interval", type=float, default=60.0, help="capacity table: seconds between beats")
    ap.add_argument("--cap-poll-share", type=float, default=0.05,
                    help="capacity table: share of participants polling status.json (socket blocked)")
    ap.add_argument("--cap-kb-per-socket", type=float, default=0.0,
                    help="capacity table: memory per socket (default: measured with 1,000 sockets or more)")
    ap.add_argument("--cap-cost", action="append", default=[], metavar="STAGE=MS",
                    help="capacity table: use this server CPU per request for a stage (e.g. portal=4 for a target)")
    ap.add_argument("--from-json", default="", help="run nothing: print the capacity table from an earlier --json, "
                    "with this call's --cap-* assumptions")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--warm-up", type=int, default=2, help="passes over the warm-up event before measuring")
    ap.add_argument("--json", default="", help="write everything (per stage and round) to this file")
    args = ap.parse_args(argv)
    if args.rounds > len([x for x in AGENDA if x[5]]):
        ap.error(f"at most {len([x for x in AGENDA if x[5]])} rounds (sessions going live)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text())
        args.participants, args.repeat_share = report["args"]["participants"], report["args"]["repeat_share"]
        print_capacity(capacity(report["summary"], args, kb_per_socket(args, report["push"], report.get("memory") or {})))
        return 0
    raise_fd_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return Run(args).run()


if __name__ == "__main__":
    sys.exit(main())
