"""The rehearsal's machinery: the services it starts on this machine and how it stops them.

Every process is started in its own session (process group), recorded, and stopped by
`Stack.close()` (TERM, then KILL) whatever happens: a failed check, an exception or Ctrl-C.
The shipped configuration (deploy/nginx, deploy/pgbouncer, deploy/systemd) is read from the
repository and changed only where a port, a path or the list of app nodes must differ here;
each change must match the shipped text exactly, so a shipped file that drifts stops the run.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
VENV_BIN = Path(sys.executable).parent
HOST = "rakor.rehearsal.test"  # the public name: SITE_URL must not be a loopback address in production


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Ports and names; each can be moved with an environment variable of the same name."""

    http_port = _port("REHEARSAL_HTTP_PORT", 8120)
    https_port = _port("REHEARSAL_HTTPS_PORT", 8121)
    node_ports = (_port("REHEARSAL_NODE_A_PORT", 8130), _port("REHEARSAL_NODE_B_PORT", 8131))
    redis_port = _port("REHEARSAL_REDIS_PORT", 6390)
    pgbouncer_port = _port("REHEARSAL_PGBOUNCER_PORT", 6432)
    s3_port = _port("REHEARSAL_S3_PORT", 9000)
    pg_host = os.environ.get("REHEARSAL_PG_HOST", "127.0.0.1")
    pg_port = _port("REHEARSAL_PG_PORT", 5432)
    pg_user = os.environ.get("REHEARSAL_PG_USER", "postgres")
    db_name = os.environ.get("REHEARSAL_DB", "rakor_rehearsal")
    web_workers = _port("REHEARSAL_WEB_WORKERS", 2)
    participants = _port("REHEARSAL_PARTICIPANTS", 30)
    ca: str | None = None  # nginx's self-signed certificate, made at run time: the clients trust only it

    @property
    def site(self) -> str:
        return f"https://{HOST}:{self.https_port}"


class StackError(RuntimeError):
    """The rehearsal could not set something up (not a failed check)."""


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def wait_port(port: int, what: str, timeout: float = 30, proc: "Proc | None" = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.popen.poll() is not None:
            tail = proc.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise StackError(f"{what} exited with {proc.popen.returncode} before listening on {port}: {tail}")
        time.sleep(0.1)
    raise StackError(f"{what} did not listen on port {port} within {timeout:.0f} s")


def replace_exactly(text: str, old: str, new: str, *, source: str, count: int = 1) -> str:
    """Replace `old` (which must occur exactly `count` times) — the shipped file has not drifted."""
    found = text.count(old)
    if found != count:
        raise StackError(f"{source}: expected {count}x {old!r}, found {found}x — the shipped file changed; "
                         "update deploy/rehearsal/stack.py with it")
    return text.replace(old, new)


class Proc:
    def __init__(self, name: str, popen: subprocess.Popen, log: Path):
        self.name, self.popen, self.log = name, popen, log

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.popen.pid, sig)  # its own session: the group id is its pid
        except ProcessLookupError:
            pass


class Stack:
    """Everything the rehearsal starts, in one temporary directory, stopped by close()."""

    def __init__(self, config: Config, root: Path):
        self.config, self.root = config, root
        self.procs: list[Proc] = []
        self.is_root = os.geteuid() == 0
        self.secrets = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ATTENDANCE_CHAIN_KEY": secrets.token_urlsafe(48),
            "TICKET_KEY_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "CERTIFICATE_PKCS12_PASSWORD": secrets.token_urlsafe(24),
        }
        self.nodes: dict[str, Proc] = {}

    # -- processes

    def start(self, name: str, argv: list[str], *, cwd: Path | None = None, env: dict | None = None) -> Proc:
        log = self.root / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        handle = open(log, "ab")  # noqa: SIM115 (kept open by the child)
        popen = subprocess.Popen(argv, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc, *, sig: int = signal.SIGTERM, timeout: float = 8) -> None:
        if proc.alive():
            proc.signal_group(sig)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.signal_group(signal.SIGKILL)
                proc.popen.wait(5)
        proc.signal_group(signal.SIGKILL)  # whatever the group left behind (uvicorn's or Celery's children)

    def close(self) -> None:
        for proc in reversed(self.procs):
            try:
                self.stop(proc, timeout=5)
            except Exception as error:  # keep stopping the others
                print(f"   (could not stop {proc.name} [{proc.pid}]: {error})", file=sys.stderr)
        self.procs.clear()

    # -- keys and certificates

    def make_signer(self) -> Path:
        """The organiser's PKCS#12 (production path: CERTIFICATE_PKCS12_PATH), self-signed for the rehearsal."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import pkcs12
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Panitia Rakorwas (rehearsal)"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Inspektorat Jenderal")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                             crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        path = self.root / "keys" / "signer.p12"
        path.parent.mkdir(parents=True, exist_ok=True)
        password = self.secrets["CERTIFICATE_PKCS12_PASSWORD"].encode()
        path.write_bytes(pkcs12.serialize_key_and_certificates(
            b"rehearsal", key, cert, None, serialization.BestAvailableEncryption(password)))
        path.chmod(0o644)
        return path

    # -- environment

    def documented_variables(self) -> set[str]:
        names = set()
        for line in (DEPLOY / "env.example").read_text().splitlines():
            match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
            if match:
                names.add(match.group(1))
        return names

    def production_env(self, *, media_root: Path, static_root: Path, signer: Path) -> dict[str, str]:
        """The documented production environment (deploy/env.example), with this machine's addresses."""
        c = self.config
        env = {k: v for k, v in os.environ.items()
               if k not in self.documented_variables() and not k.startswith(("DJANGO_", "CELERY_", "REHEARSAL_"))}
        env.update({
            "DEBUG": "0",
            "SECRET_KEY": self.secrets["SECRET_KEY"],
            "SITE_URL": c.site,
            "ALLOWED_HOSTS": HOST,
            "CSRF_TRUSTED_ORIGINS": c.site,
            "TRUSTED_PROXIES": "127.0.0.1/32,::1/128",
            "LOG_LEVEL": "INFO",
            "SECURE_SSL_REDIRECT": "1",
            "SESSION_COOKIE_SECURE": "1",
            "CSRF_COOKIE_SECURE": "1",
            "SECURE_HSTS_SECONDS": "3600",
            "DATABASE_URL": f"postgres://{c.pg_user}@127.0.0.1:{c.pgbouncer_port}/{c.db_name}",
            "DISABLE_SERVER_SIDE_CURSORS": "1",
            "DB_POOL": "1",
            "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "8",
            "DB_POOL_TIMEOUT": "5",
            "REDIS_URL": f"redis://127.0.0.1:{c.redis_port}/0",
            "AWS_STORAGE_BUCKET_NAME": "rakor-rehearsal",
            "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{c.s3_port}",
            "AWS_ACCESS_KEY_ID": "rehearsal",
            "AWS_SECRET_ACCESS_KEY": "rehearsal-secret",
            "AWS_S3_REGION_NAME": "us-east-1",
            "APP_NODES": "2",
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(media_root),
            "ATTENDANCE_CHAIN_KEY": self.secrets["ATTENDANCE_CHAIN_KEY"],
            "TICKET_KEY_ENCRYPTION_KEYS": self.secrets["TICKET_KEY_ENCRYPTION_KEYS"],
            "CERTIFICATE_PKCS12_PATH": str(signer),
            "CERTIFICATE_PKCS12_PASSWORD": self.secrets["CERTIFICATE_PKCS12_PASSWORD"],
            "CERTIFICATE_DEMO_SIGNER": "0",
            "CERTIFICATE_RENDER_PROCESSES": "1",
            "EMAIL_URL": "consolemail://",
            "DEFAULT_FROM_EMAIL": "Rakor <noreply@rakor.rehearsal.test>",
            "SENTRY_DSN": "",
            "WEB_WORKERS": str(c.web_workers),
            "WORKER_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def direct_env(self, env: dict[str, str]) -> dict[str, str]:
        """The same, straight to PostgreSQL: how the install steps (migrate, seed) run."""
        c = self.config
        return {**env, "DATABASE_URL": f"postgres://{c.pg_user}@{c.pg_host}:{c.pg_port}/{c.db_name}"}

    # -- the services

    def node_dir(self, name: str) -> Path:
        """A copy of the code in a working directory of its own (its var/, media/ and static/): no shared disk."""
        base = self.root / name
        app = base / "app"
        ignore = shutil.ignore_patterns(".git", ".venv", "var", "media", "tests", "bench", "__pycache__",
                                        ".pytest_cache", ".hypothesis", "db.sqlite3*", "node_modules")

        def link_or_copy(src, dst):
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)

        shutil.copytree(REPO, app, ignore=ignore, copy_function=link_or_copy, symlinks=True)
        for sub in ("media", "static"):
            (base / sub).mkdir()
        (app / "var").mkdir()  # the install step (deploy/README.md): the one writable folder of the units
        return base

    def create_database(self) -> None:
        import psycopg

        c = self.config
        with psycopg.connect(host=c.pg_host, port=c.pg_port, user=c.pg_user, dbname="postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{c.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{c.db_name}"')

    def drop_database(self) -> None:
        import psycopg

        c = self.config
        with psycopg.connect(host=c.pg_host, port=c.pg_port, user=c.pg_user, dbname="postgres",
                             autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{c.db_name}" WITH (FORCE)')

    def start_redis(self) -> Proc:
        """Its own Redis, keeping nothing on disk: a restart comes back empty (the worst case, a failover)."""
        c = self.config
        data = self.root / "redis"
        data.mkdir(exist_ok=True)
        proc = self.start("redis", ["redis-server", "--port", str(c.redis_port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no", "--dir", str(data)])
        wait_port(c.redis_port, "redis-server", proc=proc)
        return proc

    def start_s3(self) -> Proc:
        c = self.config
        moto = VENV_BIN / "moto_server"
        if not moto.exists():
            raise StackError("moto_server not found: install requirements-dev.txt (moto[server])")
        proc = self.start("s3-moto", [str(moto), "-H", "127.0.0.1", "-p", str(c.s3_port)])
        wait_port(c.s3_port, "moto_server (S3)", proc=proc)
        return proc

    def start_pgbouncer(self) -> Proc:
        c = self.config
        shipped = DEPLOY / "pgbouncer" / "pgbouncer.ini"
        text = shipped.read_text()
        folder = self.root / "pgbouncer"
        folder.mkdir()
        src = str(shipped)
        text = replace_exactly(text, "rakor = host=db.internal port=5432 dbname=rakor",
                               f"{c.db_name} = host={c.pg_host} port={c.pg_port} dbname={c.db_name}", source=src)
        text = replace_exactly(text, "listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1", source=src)
        text = replace_exactly(text, "listen_port = 6432", f"listen_port = {c.pgbouncer_port}", source=src)
        # The machine's PostgreSQL trusts local connections; a site uses scram-sha-256 with its userlist.
        text = replace_exactly(text, "auth_type = scram-sha-256", "auth_type = trust", source=src)
        text = replace_exactly(text, "auth_file = /etc/pgbouncer/userlist.txt", f"auth_file = {folder}/userlist.txt",
                               source=src)
        text = replace_exactly(text, "logfile = /var/log/postgresql/pgbouncer.log", f"logfile = {folder}/pgbouncer.log",
                               source=src)
        text = replace_exactly(text, "pidfile = /var/run/postgresql/pgbouncer.pid", f"pidfile = {folder}/pgbouncer.pid",
                               source=src)
        text = replace_exactly(text, "unix_socket_dir = /var/run/postgresql", f"unix_socket_dir = {folder}", source=src)
        text = replace_exactly(text, "admin_users = postgres", f"admin_users = {c.pg_user}", source=src)
        text = replace_exactly(text, "stats_users = postgres", f"stats_users = {c.pg_user}", source=src)
        (folder / "pgbouncer.ini").write_text(text)
        (folder / "userlist.txt").write_text(f'"{c.pg_user}" ""\n')
        argv = ["pgbouncer", str(folder / "pgbouncer.ini")]
        if self.is_root:  # PgBouncer refuses to run as root: it switches to an unprivileged user
            user = "postgres" if _user_exists("postgres") else "nobody"
            shutil.chown(folder, user)
            for child in folder.iterdir():
                shutil.chown(child, user)
            argv[1:1] = ["-u", user]
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        argv[0] = binary
        proc = self.start("pgbouncer", argv)
        wait_port(c.pgbouncer_port, "pgbouncer", proc=proc)
        return proc

    def systemd_exec(self, unit: str, *, app: Path, var: Path, instance: str = "") -> list[str]:
        """The ExecStart line of a shipped systemd unit, with this machine's paths and the unit's variables."""
        text = (DEPLOY / "systemd" / unit).read_text()
        line = next(x for x in text.splitlines() if x.startswith("ExecStart="))[len("ExecStart="):]
        defaults = {}
        for env_line in (x for x in text.splitlines() if x.startswith("Environment=")):
            for pair in shlex.split(env_line[len("Environment="):]):
                key, _, value = pair.partition("=")
                defaults[key] = value
        return [self._unit_word(word, app=app, var=var, instance=instance, defaults=defaults)
                for word in shlex.split(line)]

    def _unit_word(self, word: str, *, app: Path, var: Path, instance: str, defaults: dict) -> str:
        word = word.replace("/srv/rakor/venv/bin", str(VENV_BIN)).replace("/srv/rakor/app/var", str(var))
        word = word.replace("/srv/rakor/app", str(app)).replace("%i", instance).replace("%H", socket.gethostname())
        return re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], word)

    def start_node(self, name: str, port: int, env: dict[str, str], base: Path) -> Proc:
        argv = self.systemd_exec("rakor-web.service", app=base / "app", var=base / "app" / "var")
        argv = self._set_option(argv, "--host", "127.0.0.1")
        argv = self._set_option(argv, "--port", str(port))
        argv = self._set_option(argv, "--workers", str(self.config.web_workers))
        proc = self.start(name, argv, cwd=base / "app", env=env)
        self.nodes[name] = proc
        return proc

    @staticmethod
    def _set_option(argv: list[str], option: str, value: str) -> list[str]:
        if option not in argv:
            raise StackError(f"deploy/systemd/rakor-web.service: ExecStart has no {option}")
        argv = list(argv)
        argv[argv.index(option) + 1] = value
        return argv

    def start_worker(self, env: dict[str, str], base: Path) -> Proc:
        # One worker for every queue here (a site runs one unit per queue); Celery's default queue too,
        # for any task not routed to a queue of its own.
        argv = self.systemd_exec("rakor-worker@.service", app=base / "app", var=base / "app" / "var",
                                 instance="periodic,certificates,email,celery")
        return self.start("worker", argv, cwd=base / "app", env=env)

    def start_beat(self, env: dict[str, str], base: Path) -> Proc:
        argv = self.systemd_exec("rakor-beat.service", app=base / "app", var=base / "app" / "var")
        return self.start("beat", argv, cwd=base / "app", env=env)

    def nginx_config(self, static_root: Path, cert: Path, key: Path) -> Path:
        """deploy/nginx/*.conf with this machine's ports, paths and two app nodes."""
        c = self.config
        folder = self.root / "nginx"
        folder.mkdir(exist_ok=True)
        logs = folder / "logs"
        logs.mkdir(exist_ok=True)
        main_src = DEPLOY / "nginx" / "nginx.conf"
        main = main_src.read_text()
        src = str(main_src)
        main = replace_exactly(main, "pid /run/nginx.pid;", f"pid {folder}/nginx.pid;", source=src)
        main = replace_exactly(main, "error_log /var/log/nginx/error.log warn;", f"error_log {logs}/error.log warn;",
                               source=src)
        main = replace_exactly(main, "include /etc/nginx/conf.d/rakor.conf;", f"include {folder}/rakor.conf;",
                               source=src)
        if not self.is_root:  # an unprivileged nginx: no user switch, its temporary files in its own prefix
            main = replace_exactly(main, "user www-data;\n", "", source=src)
            main = replace_exactly(main, "worker_rlimit_nofile 65536;\n", "", source=src)
            temp = "".join(f"    {d}_temp_path {folder}/{d};\n" for d in
                           ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            main = replace_exactly(main, "    include /etc/nginx/mime.types;\n",
                                   "    include /etc/nginx/mime.types;\n" + temp, source=src)
        (folder / "nginx.conf").write_text(main)

        site_src = DEPLOY / "nginx" / "rakor.conf"
        site = site_src.read_text()
        src = str(site_src)
        site = replace_exactly(site, "include /etc/nginx/rakor-upstream.conf;", f"include {folder}/rakor-upstream.conf;",
                               source=src)
        site = replace_exactly(site, "    listen 80;\n", f"    listen 127.0.0.1:{c.http_port};\n", source=src)
        site = replace_exactly(site, "    listen [::]:80;\n", "", source=src)
        site = replace_exactly(site, "    listen 80 default_server;\n",
                               f"    listen 127.0.0.1:{c.http_port} default_server;\n", source=src)
        site = replace_exactly(site, "    listen [::]:80 default_server;\n", "", source=src)
        site = replace_exactly(site, "    listen 443 ssl default_server;\n",
                               f"    listen 127.0.0.1:{c.https_port} ssl default_server;\n", source=src)
        site = replace_exactly(site, "    listen [::]:443 ssl default_server;\n", "", source=src)
        site = replace_exactly(site, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{c.https_port} ssl http2;\n",
                               source=src)
        site = replace_exactly(site, "    listen [::]:443 ssl http2;\n", "", source=src)
        site = replace_exactly(site, "server_name rakor.example.go.id;", f"server_name {HOST};", source=src, count=2)
        site = replace_exactly(site, "return 301 https://$host$request_uri;",
                               f"return 301 https://$host:{c.https_port}$request_uri;", source=src)
        site = replace_exactly(site, "ssl_certificate /etc/ssl/rakor/fullchain.pem;", f"ssl_certificate {cert};",
                               source=src, count=2)
        site = replace_exactly(site, "ssl_certificate_key /etc/ssl/rakor/privkey.pem;", f"ssl_certificate_key {key};",
                               source=src, count=2)
        site = replace_exactly(site, "access_log /var/log/nginx/rakor.access.log rakor;",
                               f"access_log {logs}/rakor.access.log rakor;", source=src, count=2)
        site = replace_exactly(site, "alias /srv/rakor/static/;", f"alias {static_root}/;", source=src)
        (folder / "rakor.conf").write_text(site)

        up_src = DEPLOY / "nginx" / "rakor-upstream.conf"
        upstream = up_src.read_text()
        shipped_servers = re.findall(r"^    server .*\n", upstream, flags=re.M)
        if not shipped_servers:
            raise StackError(f"{up_src}: no `server` line")
        options = shipped_servers[0].split(None, 2)[2].rstrip(";\n")  # e.g. max_fails=3 fail_timeout=10s
        mine = "".join(f"    server 127.0.0.1:{port} {options};\n" for port in c.node_ports)
        upstream = upstream.replace("".join(shipped_servers), mine)
        if mine not in upstream:
            raise StackError(f"{up_src}: its `server` lines are not together; update deploy/rehearsal/stack.py")
        (folder / "rakor-upstream.conf").write_text(upstream)
        return folder

    def start_nginx(self, folder: Path) -> Proc:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        test = subprocess.run([binary, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf"),
                               "-e", str(folder / "logs" / "error.log")], capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError("nginx -t refused the shipped configuration:\n" + test.stderr)
        proc = self.start("nginx", [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"),
                                    "-e", str(folder / "logs" / "error.log"), "-g", "daemon off;"])
        wait_port(self.config.https_port, "nginx", proc=proc)
        return proc


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
