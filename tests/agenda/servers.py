"""Real ASGI servers for tests that need WebSockets (pytest-django's live_server speaks only WSGI).

``uvicorn_process`` starts ``uvicorn rakor.asgi:application`` in a subprocess on a
free port, against the test database (its NAME taken from the live connection, so
data a ``transaction=True`` test commits is what the server reads).
``uvicorn_thread`` runs one in this process, which is what an in-memory SQLite
test database (and the in-memory channel layer) need.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_for_servers() -> str:
    """The test database as a DATABASE_URL (PostgreSQL only: an in-memory SQLite cannot be shared)."""
    from django.db import connection

    s = connection.settings_dict
    assert s["ENGINE"] == "django.db.backends.postgresql", "a server process needs PostgreSQL for the test database"
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_listening(port: int, timeout: float = 15, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port} after {timeout} s")


@contextmanager
def uvicorn_process(env_extra: dict):
    """Yield ``(port, process)``; the process is killed on exit whatever happened."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rakor.settings", "PYTHONUNBUFFERED": "1", **env_extra}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "rakor.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_listening(port, proc=proc)
        yield port, proc
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


class ThreadServer:
    """uvicorn serving rakor.asgi.application from a thread of this process."""

    def __init__(self):
        import uvicorn

        from rakor.asgi import application

        self.port = free_port()
        self.loop: asyncio.AbstractEventLoop | None = None
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off", ws="websockets")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="test-uvicorn", daemon=True)

    def _run(self):
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, func, *args, **kwargs):
        """Run a synchronous function (ORM, a service) from the server's own loop, as a request would.

        The in-memory channel layer's queues belong to the server's loop: a
        broadcast sent on commit then reaches the sockets at once.
        """
        from asgiref.sync import sync_to_async

        future = asyncio.run_coroutine_threadsafe(sync_to_async(func)(*args, **kwargs), self.loop)
        return future.result(timeout=15)

    def start(self):
        from channels.layers import channel_layers

        # A fresh channel layer for this server's loop. The process's layer may still count a receive()
        # on the loop of an earlier test's server or consumer that stopped with a socket open; Redis'
        # layer then refuses every receive ("Two event loops are trying to receive() on one channel
        # layer at once!") and the page falls back to polling. Seen under pytest-xdist on a busy machine.
        channel_layers.backends.clear()
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def uvicorn_thread():
    server = ThreadServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
