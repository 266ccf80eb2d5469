#!/usr/bin/env python3
"""`make rehearsal`: Rakor on several machines, played on this one (issue 14, item 9).

Starts two app nodes (uvicorn, each in a working directory of its own: no shared disk) behind
Debian's nginx with the shipped configuration (deploy/nginx), PostgreSQL through PgBouncer in
transaction mode, its own Redis, an S3-compatible server (moto), a Celery worker and beat, all
with DEBUG=0 and the documented production environment (deploy/env.example); migrates, seeds
the demo and plays an event through the proxy. Prints every check with PASS or FAIL and what it
measured; a check that depends on an application feature not built yet FAILS naming it. Stops
everything it started, also on failure or Ctrl-C, and exits 1 when any check failed.

    python deploy/rehearsal/rehearse.py [--keep]     (--keep: leave the temporary directory and logs)

Ports (8120-8131, 6390, 6432, 9000 by default) and the database name are in stack.Config.
"""

from __future__ import annotations

import argparse
from collections import Counter
import concurrent.futures as cf
import hashlib
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # deploy/selfsigned.py

from client import Sockets, Web  # noqa: E402
from selfsigned import write_selfsigned  # noqa: E402
from stack import HOST, REPO, Config, Stack, StackError, port_open, wait_port  # noqa: E402

EVENT = "rakorwas-demo"
ORGANISER = ("panitia", "rakor-panitia-2022")
TICKET = re.compile(r'id="ticket-string"[^>]*>\s*([^<\s]+)\s*<')
PORTAL = re.compile(r"^/t/([^/]+)/$")


class Report:
    def __init__(self):
        self.results: list[tuple[str, bool]] = []
        self.started = time.monotonic()

    def check(self, name: str, ok: bool, measured: str, *, needs: str = "") -> bool:
        word = "PASS" if ok else "FAIL"
        line = f"{word}  {name} — {measured}"
        if not ok and needs:
            line += f"\n      missing: {needs}"
        print(line, flush=True)
        self.results.append((name, ok))
        return ok

    def note(self, text: str) -> None:
        print(f"   {text}", flush=True)

    def summary(self) -> int:
        failed = [n for n, ok in self.results if not ok]
        took = time.monotonic() - self.started
        print(f"\n{len(self.results) - len(failed)} passed, {len(failed)} failed  (rehearsal took {took:.0f} s)")
        for name in failed:
            print(f"   FAILED: {name}")
        return 1 if failed else 0


def nip(i: int) -> str:
    """An 18-digit NIP nobody in the demo data has: born 31-12-1969, appointed 01-1995, then a sequence."""
    return f"19691231199501{1 + i % 2}{i + 1:03d}"


def manage(env: dict, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def psql(config: Config, sql: str, params=()) -> list[tuple]:
    """Read the rehearsal's database directly (not through PgBouncer): what was really stored."""
    import psycopg

    with psycopg.connect(host=config.pg_host, port=config.pg_port, user=config.pg_user, dbname=config.db_name,
                         connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def psql_write(config: Config, sql: str, params=()) -> None:
    """Write to the rehearsal's database directly (set-up only, before the nodes start)."""
    import psycopg

    with psycopg.connect(host=config.pg_host, port=config.pg_port, user=config.pg_user, dbname=config.db_name,
                         connect_timeout=5) as conn:
        conn.execute(sql, params)


def last_line(text: str) -> str:
    lines = [x.strip() for x in (text or "").strip().splitlines() if x.strip()]
    return lines[-1][:200] if lines else "(no output)"


class Rehearsal:
    def __init__(self, stack: Stack, report: Report):
        self.stack, self.report, self.config = stack, report, stack.config
        self.registrations: list[dict] = []  # {"name", "secret", "public_id", "pk", "ticket"}
        self.sockets: Sockets | None = None
        self.organiser: Web | None = None
        self.api: Web | None = None
        self.envs: dict[str, dict] = {}
        self.bases: dict[str, Path] = {}
        self.request_ids: list[str] = []

    # ------------------------------------------------------------------ setting up

    def setup(self) -> None:
        s, c, r = self.stack, self.config, self.report
        t0 = time.monotonic()
        for binary in ("nginx", "pgbouncer", "redis-server"):
            if not shutil.which(binary) and not Path(f"/usr/sbin/{binary}").exists():
                raise StackError(f"{binary} is not installed (apt-get install nginx pgbouncer redis-server)")
        busy = [p for p in (c.http_port, c.https_port, *c.node_ports, c.redis_port, c.pgbouncer_port, c.s3_port)
                if port_open(p)]
        if busy:
            raise StackError(f"ports already in use: {busy} (another rehearsal still running?)")
        steps = []

        def step(what):
            steps.append((what, time.monotonic()))

        signer = s.make_signer()
        s.create_database()
        s.start_redis()
        s.start_s3()
        s.start_pgbouncer()
        step("services")
        for name in ("node-a", "node-b", "worker", "beat", "install"):
            self.bases[name] = s.node_dir(name)
        for name, base in self.bases.items():
            self.envs[name] = s.production_env(media_root=base / "media", static_root=base / "static", signer=signer)
        install, env = self.bases["install"] / "app", self.envs["install"]
        bucket = subprocess.run([sys.executable, str(REPO / "deploy" / "create_bucket.py")], env=env,
                                capture_output=True, text=True, timeout=60)
        if bucket.returncode != 0:
            raise StackError("deploy/create_bucket.py: " + last_line(bucket.stderr))
        step("working directories, bucket")
        # Install steps, straight to PostgreSQL as the README says (PgBouncer in transaction mode is for serving).
        for args in (("migrate", "--noinput", "-v0"), ("seed_demo", "--participants", str(c.participants))):
            done = manage(s.direct_env(env), install, *args)
            if done.returncode != 0:
                raise StackError(f"manage.py {' '.join(args)} failed: {last_line(done.stderr or done.stdout)}")
            step(args[0])
        # The rehearsal runs at any hour (CI at night too): the door is open all day on every day of
        # the event, as an organiser sets it for a round-the-clock rehearsal; otherwise scans after
        # 22:00 WIB answer "outside_window", as they should at a real door.
        psql_write(c, "INSERT INTO attendance_checkinwindow (event_id, date, opens, closes) "
                      "SELECT e.id, d::date, '00:00', '23:59:59.999999' FROM rakor_event e, "
                      "generate_series(e.start_date, e.end_date, interval '1 day') d WHERE e.slug = %s "
                      "ON CONFLICT (event_id, date) DO UPDATE SET opens = EXCLUDED.opens, closes = EXCLUDED.closes",
                   (EVENT,))
        # The proxy host's static files: collectstatic into the folder nginx serves (STATIC_ROOT there).
        static = s.root / "nginx" / "static"
        static.mkdir(parents=True)
        done = manage({**env, "STATIC_ROOT": str(static)}, install, "collectstatic", "--noinput", "-v0")
        if done.returncode != 0:
            raise StackError("collectstatic failed: " + last_line(done.stderr))
        token = manage(env, install, "drf_create_token", ORGANISER[0])
        match = re.search(r"\b([0-9a-f]{40})\b", token.stdout)
        if not match:
            raise StackError("drf_create_token failed: " + last_line(token.stderr or token.stdout))
        self.api_token = match.group(1)
        step("collectstatic, API token")
        for name, port in zip(("node-a", "node-b"), c.node_ports):
            s.start_node(name, port, self.envs[name], self.bases[name])
        s.start_worker(self.envs["worker"], self.bases["worker"])
        s.start_beat(self.envs["beat"], self.bases["beat"])
        for name, port in zip(("node-a", "node-b"), c.node_ports):
            wait_port(port, f"app node {name}", timeout=90, proc=s.nodes[name])
        cert, key = write_selfsigned(s.root / "tls", [HOST, "127.0.0.1"])
        c.ca = str(cert)
        s.start_nginx(s.nginx_config(static, cert, key))
        step("nodes, worker, beat, nginx")
        self.organiser = Web(c)
        self.organiser.sign_in(*ORGANISER)
        self.api = Web(c, token=self.api_token)
        self.sockets = Sockets(c)
        marks = [t0] + [t for _, t in steps]
        r.note("set-up: " + ", ".join(f"{what} {marks[n + 1] - marks[n]:.0f} s" for n, (what, _) in enumerate(steps)))
        r.note(f"set up in {time.monotonic() - t0:.0f} s: PostgreSQL {c.pg_host}:{c.pg_port}/{c.db_name} via PgBouncer "
               f":{c.pgbouncer_port} (transaction mode), Redis :{c.redis_port}, S3 (moto) :{c.s3_port}, nodes "
               f":{c.node_ports[0]} and :{c.node_ports[1]} ({c.web_workers} uvicorn workers each), nginx "
               f"https :{c.https_port} / http :{c.http_port}, worker, beat; files in {s.root}")

    # ------------------------------------------------------------------ checks before serving

    def check_startup_checks(self) -> None:
        r, env, app = self.report, self.envs["install"], self.bases["install"] / "app"
        done = manage(env, app, "check", "--deploy", "--fail-level", "WARNING")
        warnings = [x for x in (done.stdout + done.stderr).splitlines() if re.search(r"\(\w+\.[WE]\d+\)", x)]
        r.check("check --deploy passes clean with the documented production environment", done.returncode == 0,
                "exit 0, no warning" if done.returncode == 0 else
                f"exit {done.returncode}, {len(warnings)} finding(s): " + "; ".join(w.strip()[:90] for w in warnings[:4]),
                needs="HTTPS settings from the environment (SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS, secure cookies, "
                      "proxy SSL header) and start-up checks (issue 14, items 2 and 3)")
        half = {k: v for k, v in env.items() if k != "REDIS_URL"}
        done = manage(half, app, "check", "--deploy")
        said = "REDIS_URL" in (done.stdout + done.stderr)
        r.check("refuses to start half-configured (DEBUG=0 without REDIS_URL)", done.returncode != 0 and said,
                f"manage.py check exit {done.returncode}, names REDIS_URL: {'yes' if said else 'no'}",
                needs="start-up system checks refusing a half-configured production (issue 14, item 3)")

    def check_celery_queues(self) -> None:
        script = ("from rakor.celery import app\n"
                  "import django; django.setup(); app.loader.import_default_modules()\n"
                  "for name in ('sessions_app.tasks.sessions_tick_task', 'attendance.tasks.seal_attendance_task',"
                  " 'certificates.tasks.issue_certificates_task', 'attendance.tasks.send_portal_link',"
                  " 'certificates.tasks.send_certificate_email'):\n"
                  "    route = app.amqp.router.route({}, name)\n"
                  "    print(name, route['queue'].name)\n")
        done = subprocess.run([sys.executable, "-c", script], cwd=self.bases["install"] / "app",
                              env=self.envs["install"], capture_output=True, text=True, timeout=60)
        routes = dict(line.split() for line in done.stdout.splitlines() if line.count(" ") == 1)
        want = {"sessions_app.tasks.sessions_tick_task": "periodic", "attendance.tasks.seal_attendance_task": "periodic",
                "certificates.tasks.issue_certificates_task": "certificates",
                "attendance.tasks.send_portal_link": "email", "certificates.tasks.send_certificate_email": "email"}
        ok = bool(routes) and all(routes.get(k) == v for k, v in want.items())
        shown = ", ".join(f"{k.rsplit('.', 1)[1]}→{routes.get(k, '?')}" for k in want) if routes else last_line(done.stderr)
        self.report.check("Celery: periodic work, certificates and e-mail on queues of their own", ok, shown,
                          needs="Celery queues periodic / certificates / email with task routes (issue 14, item 5)")

    # ------------------------------------------------------------------ the proxy and the nodes

    def check_proxy(self) -> None:
        r, web = self.report, Web(self.config)
        try:
            redirect = web.get("/e/rakorwas-demo/?x=1", via="http")
            want = f"https://{HOST}:{self.config.https_port}/e/rakorwas-demo/?x=1"
            r.check("nginx: plain HTTP redirects to HTTPS", redirect.status_code == 301
                    and redirect.headers.get("location") == want,
                    f"{redirect.status_code} → {redirect.headers.get('location')}")
            try:
                other = web.get("/", headers={"Host": "evil.example"})
                r.check("nginx: another host name gets no answer", False, f"answered {other.status_code}")
            except Exception:  # noqa: BLE001 (444: the connection is closed without an answer)
                r.check("nginx: another host name gets no answer", True, "connection closed (444)")
            css = next((REPO / "static").rglob("*.css"))
            rel = css.relative_to(REPO / "static").as_posix()
            got = web.get(f"/static/{rel}")
            ok = got.status_code == 200 and got.content == css.read_bytes() and "max-age" in got.headers.get(
                "cache-control", "")
            r.check("nginx: serves static files from STATIC_ROOT with cache headers", ok,
                    f"/static/{rel}: {got.status_code}, {len(got.content)} bytes, Cache-Control "
                    f"{got.headers.get('cache-control')!r}")
            page = web.get(f"/e/{EVENT}/")
            rid = page.headers.get("x-request-id", "")
            if rid:
                self.request_ids.append(rid)
            r.check("nginx → app: the event page over HTTPS with a request id", page.status_code == 200 and bool(rid),
                    f"{page.status_code}, X-Request-ID {rid or 'missing'}")
        finally:
            web.close()

    def check_health(self) -> None:
        r, web = self.report, Web(self.config)
        try:
            answers = {}
            for node in "ab":
                for path in ("/healthz", "/readyz"):
                    try:
                        answers[(node, path)] = web.get(path, via=node, timeout=10).status_code
                    except Exception as error:  # noqa: BLE001
                        answers[(node, path)] = repr(error)[:60]
            ok = all(v == 200 for v in answers.values())
            r.check("health: /healthz and /readyz answer 200 on both nodes", ok,
                    ", ".join(f"{n}{p}={v}" for (n, p), v in answers.items()),
                    needs="/healthz and /readyz (issue 14, item 7)")
            # The image's HEALTHCHECK script against each node, with the production environment.
            results = []
            for node, port in zip("ab", self.config.node_ports):
                done = subprocess.run([sys.executable, str(REPO / "deploy" / "healthcheck.py"),
                                       f"http://127.0.0.1:{port}"], env=self.envs["node-a"], capture_output=True,
                                      text=True, timeout=20)
                results.append(f"node {node}: exit {done.returncode} {done.stdout.strip()}".strip())
            r.check("the container's HEALTHCHECK (deploy/healthcheck.py) passes on both nodes",
                    all(" exit 0" in x for x in results), "; ".join(results), needs="/healthz (issue 14, item 7)")
            metrics = {}
            for node in "ab":
                got = web.get("/metrics", via=node, timeout=10)
                metrics[node] = (got.status_code, "# TYPE" in got.text)
            hidden = web.get("/metrics").status_code
            r.check("metrics: Prometheus /metrics on each node, not through the public name",
                    all(code == 200 and typed for code, typed in metrics.values()) and hidden == 404,
                    ", ".join(f"node {n}: {code}{' prometheus' if typed else ''}" for n, (code, typed) in
                              metrics.items()) + f"; through nginx: {hidden}",
                    needs="Prometheus /metrics (issue 14, item 7)")
        finally:
            web.close()

    # ------------------------------------------------------------------ registrations and approvals

    def register_people(self, count: int) -> None:
        r, c = self.report, self.config
        t0 = time.monotonic()
        web = Web(c)
        page = web.get(f"/e/{EVENT}/register/")
        units = re.findall(r'<option value="(\d+)"[^>]*>\s*Sekretariat Jenderal\s*<', page.text) or \
            re.findall(r'<option value="(\d+)"', page.text)
        days = sorted(set(re.findall(r'name="(day_\d+)"', page.text)))
        self.raise_quota(int(units[0]), count)
        failures = []
        token = web.form_token(f"/e/{EVENT}/register/")  # one CSRF cookie, one form token: a browser tab
        for i in range(count):
            data = {"csrfmiddlewaretoken": token, "full_name": f"Peserta Gladi {i:03d}", "id_kind": "nip",
                    "id_number": nip(i), "position": "Auditor", "rank": "", "email": f"gladi{i:03d}@example.go.id",
                    "whatsapp": "", "unit": units[0], "consent": "on"}
            for n, day in enumerate(days):
                data[day] = "in_person" if n == 0 else "online"  # in person today, online on the other days
            answer = web.post(f"/e/{EVENT}/register/", data=data)
            match = PORTAL.match(answer.headers.get("location", ""))
            if answer.status_code != 302 or not match:
                errors = re.findall(r'<li>([^<]{5,200})</li>', answer.text.split('errorlist', 1)[-1])
                failures.append(f"#{i}: {answer.status_code} {errors[:2]}")
                continue
            self.registrations.append({"name": data["full_name"], "secret": match.group(1), "i": i})
        web.close()
        r.check("registrations through nginx (self-registration form)", not failures and len(self.registrations) == count,
                f"{len(self.registrations)}/{count} registered in {time.monotonic() - t0:.1f} s"
                + (f"; refused: {failures[:3]}" if failures else ""))

    def raise_quota(self, unit_id: int, seats: int) -> None:
        """The organiser gives the unit the rehearsal registers into enough in-person seats (in /admin/)."""
        rows = psql(self.config, "SELECT q.id, q.event_id, q.unit_id, q.in_person_seats FROM attendance_unitquota q "
                    "JOIN rakor_unit qu ON qu.id = q.unit_id JOIN rakor_event e ON e.id = q.event_id, rakor_unit u "
                    "WHERE e.slug = %s AND u.id = %s AND u.path LIKE qu.path || '%%' ORDER BY length(qu.path) DESC "
                    "LIMIT 1", (EVENT, unit_id))
        if not rows:
            return
        pk, event_id, quota_unit, current = rows[0]
        path = f"/admin/attendance/unitquota/{pk}/change/"
        token = self.organiser.form_token(path)
        answer = self.organiser.post(path, data={"csrfmiddlewaretoken": token, "event": event_id, "unit": quota_unit,
                                                 "in_person_seats": current + seats + 10, "_save": "Simpan"})
        if answer.status_code != 302:
            raise StackError(f"raising the unit's quota in /admin/: {answer.status_code}")

    def approve(self) -> None:
        r = self.report
        rows = psql(self.config, "SELECT r.id, r.public_id, r.portal_secret, r.status FROM attendance_registration r "
                    "JOIN attendance_participant p ON p.id = r.participant_id JOIN rakor_event e ON e.id = r.event_id "
                    "WHERE e.slug = %s AND p.full_name LIKE 'Peserta Gladi %%'", (EVENT,))
        by_secret = {row[2]: row for row in rows}
        for reg in self.registrations:
            row = by_secret.get(reg["secret"])
            if row:
                reg.update(pk=row[0], public_id=row[1])
        pending = [reg["public_id"] for reg in self.registrations if reg.get("public_id")]
        web = self.organiser
        path = f"/e/{EVENT}/unit/?status=pending"
        token = web.form_token(path, via="a")  # the list on node A, the approval through nginx
        data = {"csrfmiddlewaretoken": token, "action": "approve", "reason": "", "ids": pending}
        answer = web.post(path, data=data)
        statuses = psql(self.config, "SELECT status, count(*) FROM attendance_registration WHERE public_id = ANY(%s) "
                        "GROUP BY status", (pending,))
        approved = dict(statuses).get("approved", 0)
        r.check("approvals by the organiser (signed in through nginx, page from node A)",
                answer.status_code == 302 and approved == len(self.registrations),
                f"POST {answer.status_code}; {approved}/{len(self.registrations)} approved; statuses {dict(statuses)}")
        t0 = time.monotonic()
        web_p = Web(self.config)
        missing = 0
        for n, reg in enumerate(self.registrations):
            portal = web_p.get(f"/t/{reg['secret']}/", via="ab"[n % 2])
            match = TICKET.search(portal.text)
            if match:
                reg["ticket"] = match.group(1)
            else:
                missing += 1
        web_p.close()
        r.check("portals show each approved person's QR ticket (read alternately from both nodes)", missing == 0,
                f"{len(self.registrations) - missing}/{len(self.registrations)} tickets in {time.monotonic() - t0:.1f} s")

    # ------------------------------------------------------------------ check-ins

    def make_device(self, name: str) -> tuple[int, str]:
        web = self.organiser
        token = web.form_token(f"/e/{EVENT}/devices/")
        page = web.post(f"/e/{EVENT}/devices/", data={"csrfmiddlewaretoken": token, "name": name})
        match = re.search(r"#token=([A-Za-z0-9_\-]+)", page.text)
        if page.status_code != 200 or not match:
            raise StackError(f"creating scanner device {name}: {page.status_code}")
        pk = psql(self.config, "SELECT id FROM attendance_scannerdevice WHERE name = %s", (name,))[0][0]
        return pk, match.group(1)

    def scan(self, web: Web, device: str, ticket: str, *, via: str, nonce: str | None = None, timeout: float = 15):
        body = {"ticket": ticket, "event": EVENT, "session": None, "kind": "entry", "nonce": nonce or str(uuid.uuid4())}
        return web.post("/api/v1/checkins/", via=via, json_body=body, timeout=timeout,
                        headers={"Authorization": f"Device {device}"})

    def accepted_entries(self, registration_pks: list[int]) -> dict[int, int]:
        """Accepted door entries (not online joins) per registration."""
        rows = psql(self.config, "SELECT registration_id, count(*) FROM attendance_checkin WHERE registration_id = ANY(%s)"
                    " AND kind = 'entry' AND result = 'ok' AND session_id IS NULL AND method <> 'online' "
                    "GROUP BY registration_id", (registration_pks,))
        return dict(rows)

    def check_checkins(self, people: list[dict]) -> None:
        r = self.report
        self.device_pk, self.device = self.make_device("Gladi pintu utama")
        web = Web(self.config)
        answers = []
        for n, reg in enumerate(people):
            via = "ab"[n % 2] if n < len(people) - 4 else "nginx"  # the last few through nginx's upstream
            got = self.scan(web, self.device, reg["ticket"], via=via)
            answers.append((via, got.status_code, got.json().get("result") if got.status_code == 200 else got.text[:80]))
        web.close()
        counts = self.accepted_entries([reg["pk"] for reg in people])
        ok_answers = sum(1 for _, code, result in answers if code == 200 and result == "ok")
        per_node = {v: sum(1 for x in answers if x[0] == v and x[2] == "ok") for v in ("a", "b", "nginx")}
        once = all(counts.get(reg["pk"]) == 1 for reg in people)
        r.check("check-ins sent alternately to both nodes: every scan ok and stored once", ok_answers == len(people) and once,
                f"{ok_answers}/{len(people)} ok (node a {per_node['a']}, node b {per_node['b']}, nginx {per_node['nginx']}); "
                f"in the database once each: {'yes' if once else counts}"
                + (f"; refused: {dict(Counter(str(x[2]) for x in answers if x[2] != 'ok'))}" if ok_answers < len(people) else ""))
        upstreams = self.nginx_upstreams()
        r.check("nginx spreads requests over both app nodes", all(upstreams.get(f"127.0.0.1:{p}", 0) > 0
                                                                   for p in self.config.node_ports),
                ", ".join(f"{k}: {v} requests" for k, v in sorted(upstreams.items())))

    def nginx_upstreams(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        log = self.stack.root / "nginx" / "logs" / "rakor.access.log"
        for line in log.read_text(errors="replace").splitlines():
            match = re.search(r" upstream=(\S+)", line)
            if match and match.group(1) != "-":
                for addr in match.group(1).replace(" : ", ", ").split(", "):
                    counts[addr] = counts.get(addr, 0) + 1
        return counts

    def check_device_revocation(self, reg: dict) -> None:
        """Revoked on node A, refused by node B within 1 s (B has just used the device: its cache is warm)."""
        r = self.report
        pk, device = self.make_device("Gladi pintu samping")
        web = Web(self.config)
        warm = [self.scan(web, device, reg["ticket"], via="b").status_code for _ in range(2 * self.config.web_workers + 2)]
        token = self.organiser.form_token(f"/e/{EVENT}/devices/", via="a")
        t0 = time.monotonic()
        revoked = self.organiser.post(f"/e/{EVENT}/devices/{pk}/revoke/", via="a",
                                      data={"csrfmiddlewaretoken": token})
        probes = []
        while time.monotonic() - t0 < 1.6:
            code = self.scan(web, device, reg["ticket"], via="b").status_code
            probes.append((time.monotonic() - t0, code))
            time.sleep(0.05)
        web.close()
        first_refusal = next((t for t, code in probes if code in (401, 403)), None)
        late_accepts = [t for t, code in probes if t >= 1.0 and code == 200]
        ok = revoked.status_code == 302 and all(code == 200 for code in warm) and first_refusal is not None \
            and not late_accepts
        r.check("scanner device revoked on node A is refused by node B within 1 s", ok,
                f"revoke {revoked.status_code}; node B's first refusal after "
                + (f"{first_refusal:.2f} s" if first_refusal is not None else "— none in 1.6 s")
                + f"; {len(late_accepts)} scan(s) still accepted after 1 s of {len(probes)} probes",
                needs="cross-node invalidation of the device cache (Redis pub/sub or versioned keys; "
                      "today each process keeps a device for DEVICE_CACHE_SECONDS = 5, issue 14 item 1)")

    # ------------------------------------------------------------------ sessions and sockets

    def pick_sessions(self) -> list[dict]:
        answer = self.api.get(f"/api/v1/events/{EVENT}/sessions/?page_size=100", via="a")
        sessions = answer.json()["sessions"]
        days = sorted({s["day"] for s in sessions})
        later = [s for s in sessions if s["day"] != days[0] and s["mode"] != "in_person"
                 and s["status"] == "scheduled" and s.get("meeting_url")]
        if len(later) < 2:
            raise StackError(f"the demo agenda has {len(later)} online sessions on later days; need 2")
        return later

    def set_status(self, session_id: int, status: str, via: str) -> tuple[int, float]:
        t0 = time.monotonic()
        answer = self.api.post(f"/api/v1/events/{EVENT}/sessions/{session_id}/status/", via=via,
                               json_body={"status": status})
        return answer.status_code, t0

    def heard_by(self, names: list[str], session_id: int, status: str, since: float, timeout: float) -> dict:
        heard = {}
        deadline = time.monotonic() + timeout
        for name in names:
            got = self.sockets.wait(name, lambda m: m.get("type") == "session" and m.get("id") == session_id
                                    and m.get("status") == status, since=since,
                                    timeout=max(0.0, deadline - time.monotonic()))
            heard[name] = None if got is None else got[0] - since
        return heard

    def check_go_live(self, session: dict) -> None:
        r = self.report
        people = self.registrations
        plan = [("sock-a", "a"), ("sock-b", "b"), ("sock-nginx-1", "nginx"), ("sock-nginx-2", "nginx")]
        opened = []
        for n, (name, via) in enumerate(plan):
            try:
                self.sockets.open(name, via, EVENT, people[n]["secret"])
                opened.append(name)
            except Exception as error:  # noqa: BLE001
                r.note(f"socket {name} via {via}: {error}")
        code, t0 = self.set_status(session["id"], "live", via="a")
        heard = self.heard_by(opened, session["id"], "live", t0, timeout=3)
        ok = code == 200 and len(opened) == len(plan) and all(v is not None for v in heard.values())
        r.check("a session set live on node A is heard by sockets on both nodes (and through nginx)", ok,
                f"status {code}; " + ", ".join(f"{k}: {'%.0f ms' % (v * 1000) if v is not None else 'NOT heard'}"
                                               for k, v in heard.items())
                + (f"; could not open {len(plan) - len(opened)} socket(s)" if len(opened) < len(plan) else ""))

    # ------------------------------------------------------------------ certificates

    def check_certificate(self, reg: dict) -> None:
        r, web = self.report, self.organiser
        event_id = psql(self.config, "SELECT id FROM rakor_event WHERE slug = %s", (EVENT,))[0][0]
        templates = psql(self.config, "SELECT count(*) FROM certificates_certificatetemplate WHERE event_id = %s",
                         (event_id,))[0][0]
        if not templates:
            token = web.form_token(f"/e/{EVENT}/sertifikat/")
            web.post(f"/e/{EVENT}/sertifikat/templat-bawaan/", data={"csrfmiddlewaretoken": token})
        token = web.form_token(f"/e/{EVENT}/sertifikat/")
        web.post(f"/e/{EVENT}/sertifikat/peserta/{reg['pk']}/pengecualian/",
                 data={"csrfmiddlewaretoken": token, "reason": "Gladi operasi: hadir penuh sebagai panitia."})
        t0 = time.monotonic()
        started = web.post(f"/e/{EVENT}/sertifikat/terbitkan/", data={"csrfmiddlewaretoken": token}, via="a")
        progress = {}
        while time.monotonic() - t0 < 120:
            progress = web.get(f"/e/{EVENT}/sertifikat/progres/").json()
            if progress.get("status") in ("done", "failed", "interrupted"):
                break
            time.sleep(0.5)
        took = time.monotonic() - t0
        rows = psql(self.config, "SELECT code, sha256, pdf, status FROM certificates_certificate WHERE registration_id = %s"
                    " ORDER BY id DESC LIMIT 1", (reg["pk"],))
        if progress.get("status") != "done" or not rows:
            r.check("a certificate issued by the worker, downloaded through the other node", False,
                    f"run {progress.get('status')} {progress.get('done')}/{progress.get('total')} after {took:.0f} s "
                    f"(start {started.status_code}); certificate rows: {len(rows)} {progress.get('error', '')[:120]}")
            return
        code, sha, name, status = rows[0]
        web_p = Web(self.config)
        pdf = web_p.get(f"/t/{reg['secret']}/sertifikat.pdf", via="b")
        web_p.close()
        redirected = ""
        if pdf.status_code in (301, 302, 303, 307) and pdf.headers.get("location", "").startswith("http"):
            # A short-lived signed URL of the bucket: the browser fetches the file from object storage.
            redirected = f" → signed URL {pdf.headers['location'].split('?')[0]}"
            with httpx.Client(trust_env=False, timeout=30) as plain:
                pdf = plain.get(pdf.headers["location"])
        body_ok = pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        same = body_ok and hashlib.sha256(pdf.content).hexdigest() == sha
        on_worker_disk = (self.bases["worker"] / "media" / name).exists() if name else False
        r.check("a certificate issued by the worker, downloaded through the other node (B)", same,
                f"run done {progress.get('done')}/{progress.get('total')} in {took:.1f} s; {code} {status}; "
                f"node B answered {pdf.status_code}{redirected}{', PDF with the issued SHA-256' if same else ''}"
                + ("; the PDF sits on the worker's own disk" if on_worker_disk else ""),
                needs="media on S3-compatible storage via django-storages (AWS_STORAGE_BUCKET_NAME, issue 14 item 1)")

    # ------------------------------------------------------------------ Redis restart

    def scan_until_answered(self, web: Web, device: str, reg: dict, vias: list[str], stats: dict) -> str | None:
        """A scanner: one nonce per scan, repeated until the server decides (as the scanner page does)."""
        nonce = str(uuid.uuid4())
        for attempt in range(40):
            via = vias[attempt % len(vias)]
            try:
                got = self.scan(web, device, reg["ticket"], via=via, nonce=nonce, timeout=10)
            except Exception:  # noqa: BLE001 (connection refused or reset: try again)
                stats["errors"] = stats.get("errors", 0) + 1
                time.sleep(0.25)
                continue
            if got.status_code == 200:
                reg["nonce"] = nonce
                return got.json().get("result")
            stats[got.status_code] = stats.get(got.status_code, 0) + 1
            time.sleep(0.25)
        return None

    def join_until_answered(self, web: Web, reg: dict, session_id: int, via: str, stats: dict) -> bool:
        for _ in range(40):
            try:
                got = web.get(f"/t/{reg['secret']}/join/{session_id}/", via=via, timeout=10)
            except Exception:  # noqa: BLE001
                stats["errors"] = stats.get("errors", 0) + 1
                time.sleep(0.25)
                continue
            if got.status_code in (301, 302):
                return True
            stats[got.status_code] = stats.get(got.status_code, 0) + 1
            time.sleep(0.25)
        return False

    def check_redis_restart(self, people: list[dict], joiners: list[dict], live: dict, next_session: dict) -> None:
        r, s = self.report, self.stack
        scan_stats, join_stats = {}, {}
        results: dict[int, str | None] = {}
        joined: dict[int, bool] = {}
        redis = next(p for p in s.procs if p.name == "redis")

        def scanner():
            web = Web(self.config)
            for n, reg in enumerate(people):
                results[reg["pk"]] = self.scan_until_answered(web, self.device, reg, ["ab"[n % 2]], scan_stats)
                time.sleep(0.1)
            web.close()

        def joiner():
            web = Web(self.config)
            for n, reg in enumerate(joiners):
                joined[reg["pk"]] = self.join_until_answered(web, reg, live["id"], "ab"[n % 2], join_stats)
                time.sleep(0.1)
            web.close()

        threads = [threading.Thread(target=scanner), threading.Thread(target=joiner)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        t_down = time.monotonic()
        s.stop(redis, sig=signal.SIGKILL)  # Redis dies; it comes back empty, as after a failover
        time.sleep(1.5)
        s.procs.remove(redis)
        s.start_redis()
        t_up = time.monotonic()
        for t in threads:
            t.join(180)
        counts = self.accepted_entries([reg["pk"] for reg in people])
        ok_scans = [pk for pk, result in results.items() if result == "ok"]
        lost = [pk for pk in results if results[pk] != "ok" or counts.get(pk) != 1]
        r.check("Redis restarted mid-event: no check-in lost or doubled", not lost and len(ok_scans) == len(people),
                f"Redis down {t_up - t_down:.1f} s; {len(ok_scans)}/{len(people)} scans ok, each stored once: "
                f"{'yes' if not lost else f'no ({len(lost)} not)'}; retried answers {scan_stats or 'none'}")
        stored = dict(psql(self.config, "SELECT registration_id, count(*) FROM sessions_app_onlineattendance WHERE "
                           "session_id = %s AND registration_id = ANY(%s) AND first_joined_at IS NOT NULL "
                           "GROUP BY registration_id", (live["id"], [reg["pk"] for reg in joiners])))
        missing = [pk for pk, ok in joined.items() if not ok or stored.get(pk) != 1]
        r.check("Redis restarted mid-event: no online join lost", not missing and len(joined) == len(joiners),
                f"{sum(joined.values())}/{len(joiners)} joins redirected to the meeting, each recorded: "
                f"{'yes' if not missing else f'no ({len(missing)} not)'}; retried answers {join_stats or 'none'}")
        errors = {k: v for k, v in {**{f"scan {k}": v for k, v in scan_stats.items()},
                                    **{f"join {k}": v for k, v in join_stats.items()}}.items()
                  if not str(k).split()[-1].isdigit() or int(str(k).split()[-1]) >= 500}
        r.check("Redis restarted mid-event: every check-in and join answered without a server error", not errors,
                f"answers 5xx or failed connections while Redis was away and after: {errors or 'none'}",
                needs="answers without a server error (issue 14, items 4 and 6). Seen on 2026-12-03: these 500s "
                      "come from PgBouncer, not Redis: attendance/checkin.py _fetchone_prepared prepares statements "
                      "(prepare=True), which PgBouncer 1.18 in transaction mode loses (PostgreSQL's log: prepared "
                      "statement \"_pg3_N\" does not exist / already exists; bind message supplies 2 parameters, but "
                      "prepared statement requires 16); the app's own log is silent because with DEBUG=0 Django "
                      "logs no 500 (JSON logs, issue 14 item 7)")
        # Sockets opened before the restart, and new ones after it, must all hear the next "go live".
        for name, via, reg in (("sock-a-after", "a", self.registrations[4]), ("sock-b-after", "b", self.registrations[5])):
            try:
                self.sockets.open(name, via, EVENT, reg["secret"])
            except Exception as error:  # noqa: BLE001
                r.note(f"socket {name}: {error}")
        time.sleep(3)  # "within seconds" of Redis coming back
        code, t0 = self.set_status(next_session["id"], "live", via="b")
        names = self.sockets.names()
        heard = self.heard_by(names, next_session["id"], "live", t0, timeout=5)
        r.check("after the Redis restart the next \"go live\" reaches every socket", code == 200 and all(
            v is not None for v in heard.values()),
                f"set live on node B {t0 - t_up:.0f} s after Redis came back: "
                + ", ".join(f"{k} {'%.0f ms' % (v * 1000) if v is not None else 'NOT heard'}" for k, v in heard.items())
                + (f" (sockets closed by the server: {sum(1 for k in heard if k in self.sockets.closed)})"),
                needs="the WebSocket hub re-joining its channel-layer group after a Redis error or restart "
                      "(issue 14, item 4)")

    # ------------------------------------------------------------------ a node dies

    def check_node_killed(self, people: list[dict]) -> None:
        r, s = self.report, self.stack
        stats: dict = {}
        results: dict[int, str | None] = {}
        sent = [0]
        lock = threading.Lock()

        def one(n_reg):
            n, reg = n_reg
            web = Web(self.config)
            with lock:
                sent[0] += 1
            # First to its node (alternating), then, like a scanner retrying, through the public name.
            result = self.scan_until_answered(web, self.device, reg, ["ab"[n % 2], "nginx", "nginx"], stats)
            web.close()
            results[reg["pk"]] = result
            return result

        node_b = s.nodes["node-b"]
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(one, item) for item in enumerate(people)]
            while sent[0] < len(people) // 3 and time.monotonic() - t0 < 30:
                time.sleep(0.01)
            node_b.signal_group(signal.SIGKILL)
            killed_at = sent[0]
            for f in futures:
                f.result(180)
        took = time.monotonic() - t0
        counts = self.accepted_entries([reg["pk"] for reg in people])
        nonces = [reg.get("nonce") for reg in people if reg.get("nonce")]
        per_nonce = dict(psql(self.config, "SELECT nonce::text, count(*) FROM attendance_checkin WHERE nonce::text = ANY(%s)"
                              " GROUP BY nonce", (nonces,)))
        ok = [pk for pk, res in results.items() if res == "ok"]
        doubled = [pk for pk, n in counts.items() if n != 1] + [x for x, n in per_nonce.items() if n != 1]
        missing = [pk for pk in ok if counts.get(pk) != 1]
        r.check("node B killed (SIGKILL) during a check-in burst: every accepted scan stored exactly once",
                len(ok) == len(people) and not doubled and not missing,
                f"{len(people)} scans, 8 at a time, node B killed after {killed_at} were sent; {len(ok)} ok in "
                f"{took:.1f} s; stored once each: "
                + ("yes" if not doubled and not missing else f"no ({len(doubled)} doubled, {len(missing)} missing: "
                   f"{[(pk, results.get(pk), counts.get(pk)) for pk in (doubled + missing)[:4]]})") + "; "
                f"retried answers {stats or 'none'}")

    # ------------------------------------------------------------------ the client's address

    def check_forwarded_for(self) -> None:
        r, web = self.report, Web(self.config)
        codes = []
        for n in range(24):
            got = web.get(f"/t/{'x' * 20}{n:012d}/", headers={"X-Forwarded-For": f"198.51.100.{n + 1}"})
            codes.append(got.status_code)
        good = web.get(f"/t/{self.registrations[0]['secret']}/").status_code
        web.close()
        limited = 429 in codes
        r.check("behind nginx a forged X-Forwarded-For does not dodge the portal guess limit; a real link still works",
                limited and good == 200, f"24 unknown links with forged addresses: {codes.count(404)}×404, "
                f"{codes.count(429)}×429; the real portal then: {good}")
        log = (self.stack.root / "nginx" / "logs" / "rakor.access.log").read_text(errors="replace")
        secrets = [reg["secret"] for reg in self.registrations if reg["secret"] in log]
        portal_lines = log.count(" /t/*/")
        r.check("nginx's access log records portal links without their secret", not secrets and portal_lines > 0,
                f"{portal_lines} portal request(s) logged as /t/*/; secrets found in the log: {len(secrets)}")

    # ------------------------------------------------------------------ at the end

    def bucket_objects(self) -> int:
        import boto3

        env = self.envs["install"]
        client = boto3.client("s3", endpoint_url=env["AWS_S3_ENDPOINT_URL"], region_name=env["AWS_S3_REGION_NAME"],
                              aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
        return client.list_objects_v2(Bucket=env["AWS_STORAGE_BUCKET_NAME"]).get("KeyCount", 0)

    def check_chain(self) -> None:
        r = self.report
        t0 = time.monotonic()
        unsealed = None
        while time.monotonic() - t0 < 40:
            unsealed = psql(self.config, "SELECT count(*) FROM attendance_checkin c JOIN rakor_event e ON e.id = c.event_id "
                            "LEFT JOIN attendance_checkinseal s ON s.checkin_id = c.id WHERE e.slug = %s AND s.checkin_id IS NULL",
                            (EVENT,))[0][0]
            if unsealed == 0:
                break
            time.sleep(1)
        r.check("beat and worker kept sealing through the Redis restart (every check-in sealed)", unsealed == 0,
                f"{unsealed} check-in(s) not sealed {time.monotonic() - t0:.0f} s after the last scan")
        done = manage(self.envs["install"], self.bases["install"] / "app", "verify_attendance", EVENT)
        r.check("the attendance chain verifies at the end (verify_attendance, through PgBouncer)", done.returncode == 0,
                f"exit {done.returncode}: {last_line(done.stdout or done.stderr)}")

    PGBOUNCER_PROBE = '''
import os
import threading
import time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
django.setup()
from django.db import connections
from rakor.models import Unit
errors = {"prepared": [], "cursor": []}
def repeat():
    try:
        for n in range(60):  # psycopg prepares a statement after 5 runs (prepare_threshold)
            list(Unit.objects.filter(code="itjen").values_list("id", flat=True))
            list(Unit.objects.filter(pk__gt=n).values_list("code", flat=True)[:3])
            time.sleep(0.002)
    except Exception as error:
        errors["prepared"].append(repr(error)[:160])
    finally:
        connections.close_all()
def iterate():
    try:
        for _ in range(10):  # a server-side cursor outlives the transaction that declared it
            sum(1 for _ in Unit.objects.all().iterator(chunk_size=20))
    except Exception as error:
        errors["cursor"].append(repr(error)[:160])
    finally:
        connections.close_all()
threads = [threading.Thread(target=f) for f in [repeat] * 8 + [iterate] * 2]
for t in threads: t.start()
for t in threads: t.join()
print("queries", len(errors["prepared"]), "error(s)", errors["prepared"][:1])
print("cursor", len(errors["cursor"]), "error(s) in iterator()", errors["cursor"][:1])
'''

    def check_pgbouncer(self) -> None:
        """The app's own database settings through PgBouncer in transaction mode, from ten threads at once."""
        done = subprocess.run([sys.executable, "-c", self.PGBOUNCER_PROBE], cwd=self.bases["install"] / "app",
                              env=self.envs["install"], capture_output=True, text=True, timeout=120)
        found = dict(re.findall(r"^(queries|cursor) (\d+)", done.stdout, flags=re.M))
        ok = done.returncode == 0 and found.get("queries") == "0" and found.get("cursor") == "0"
        shown = "; ".join(line for line in done.stdout.splitlines()) or last_line(done.stderr)
        self.report.check("PgBouncer (transaction mode): repeated queries and iterators from ten threads at once", ok,
                          shown, needs="PgBouncer support: DISABLE_SERVER_SIDE_CURSORS honoured (Django's iterator() "
                                       "declares cursors that outlive PgBouncer's transaction) and no prepared "
                                       "statements (issue 14, item 6)")

    def check_logs(self) -> None:
        r, s = self.report, self.stack
        node_logs = [p.log for p in s.procs if p.name.startswith("node-")]
        text = "\n".join(p.read_text(errors="replace") for p in node_logs)
        lines = [x for x in text.splitlines() if x.strip()]
        json_lines = [x for x in lines if x.lstrip().startswith("{") and x.rstrip().endswith("}")]
        with_rid = any(rid in text for rid in self.request_ids)
        r.check("JSON logs with the request id nginx gave", bool(lines) and len(json_lines) >= 0.9 * len(lines) and with_rid,
                f"{len(json_lines)}/{len(lines)} node log lines are JSON; nginx's X-Request-ID found: "
                f"{'yes' if with_rid else 'no'}", needs="JSON logs with request ids (issue 14, item 7)")
        local = []
        for name in ("node-a", "node-b", "worker", "beat"):
            media = self.bases[name] / "media"
            local += [p.relative_to(self.stack.root).as_posix() for p in media.rglob("*") if p.is_file()]
        in_bucket = self.bucket_objects()
        r.check("no app process wrote media to its own disk (all in the S3 bucket)", not local and in_bucket > 0,
                f"{len(local)} file(s) on local disks" + (f", e.g. {local[0]}" if local else "")
                + f"; {in_bucket} object(s) in the bucket",
                needs="media on S3-compatible storage via django-storages (issue 14, item 1)")
        status = {}
        log = s.root / "nginx" / "logs" / "rakor.access.log"
        for line in log.read_text(errors="replace").splitlines():
            match = re.search(r'" (\d{3}) ', line)
            if match:
                status[match.group(1)[0] + "xx"] = status.get(match.group(1)[0] + "xx", 0) + 1
        r.note(f"nginx answered {sum(status.values())} requests: {dict(sorted(status.items()))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, configuration)")
    args = parser.parse_args()
    config = Config()
    root = Path(tempfile.mkdtemp(prefix="rakor-rehearsal-"))
    root.chmod(0o755)  # nginx's and PgBouncer's unprivileged workers read their files here
    report = Report()
    stack = Stack(config, root)
    rehearsal = Rehearsal(stack, report)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    print(f"== Rakor rehearsal: two app nodes behind nginx on https://{HOST}:{config.https_port} (127.0.0.1)", flush=True)
    keep = args.keep
    try:
        rehearsal.setup()
        rehearsal.check_startup_checks()
        rehearsal.check_celery_queues()
        rehearsal.check_proxy()
        rehearsal.check_health()
        rehearsal.register_people(110)
        rehearsal.approve()
        people = [reg for reg in rehearsal.registrations if reg.get("ticket")]
        if len(people) < 110:
            raise StackError(f"only {len(people)} tickets: cannot play the rest of the event")
        first, redis_batch, burst = people[:20], people[20:50], people[50:110]
        rehearsal.check_checkins(first)
        rehearsal.check_device_revocation(first[0])
        sessions = rehearsal.pick_sessions()
        rehearsal.check_go_live(sessions[0])
        rehearsal.check_certificate(first[1])
        rehearsal.check_redis_restart(redis_batch, people[60:90], sessions[0], sessions[1])
        rehearsal.check_node_killed(burst)
        rehearsal.check_forwarded_for()
        rehearsal.check_chain()
        rehearsal.check_pgbouncer()
        rehearsal.check_logs()
    except KeyboardInterrupt:
        report.check("rehearsal ran to the end", False, "interrupted (Ctrl-C or SIGTERM)")
    except StackError as error:
        report.check("rehearsal set-up", False, str(error))
        keep = True
    except Exception as error:  # noqa: BLE001 (reported as a failure, then everything is stopped)
        report.check("rehearsal ran to the end", False, f"{type(error).__name__}: {error}")
        traceback.print_exc()
        keep = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave processes behind
        if rehearsal.sockets is not None:
            rehearsal.sockets.close()
        for web in (rehearsal.organiser, rehearsal.api):
            if web is not None:
                web.close()
        stack.close()
        if keep:
            print(f"   logs and configuration kept in {root}, the database in {config.db_name}")
        else:
            try:
                stack.drop_database()
            except Exception as error:  # noqa: BLE001
                print(f"   (could not drop {config.db_name}: {error})")
            shutil.rmtree(root, ignore_errors=True)
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())
