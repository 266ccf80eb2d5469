"""The participants of bench/herd.py: asyncio clients in processes of their own.

Each process holds a share of the participants and does what their phones do, through
URLs only (so it keeps working whatever module serves them):

- opens the portal ``/t/<secret>/`` and then what the page links to, as a browser with an
  empty cache would (same-origin ``<link>``, ``<script>``, ``<img>``; the app's own
  resources, e.g. a QR image, apart from the static files);
- holds the session socket ``/ws/events/<event>/sessions/?t=<secret>`` and notes when a
  "live" message arrives;
- taps the join link found on the portal (``/t/<secret>/join/<session>/``) when the
  session it waits for goes live, follows redirects on our own site and stops at the
  meeting (an external URL, never fetched); some tap twice;
- sends heartbeats ``POST /t/<secret>/heartbeat/<session>/`` as the portal's script does, or as a message on
  the socket it holds (``beat_socket``: the script's way while its socket is open);
- polls ``/e/<event>/sessions/status.json`` (with its ETag) as a page whose socket is blocked;
- when the server closes its socket (a node restart), reconnects as the portal's script does:
  after a random delay of 0.5 s up to a window (15 s) that doubles per failed attempt ("full jitter").

The "go live" push may carry a ``spread`` (the event's join spread, seconds): as the portal's
script lights its Join button after a random 0..spread seconds, the participant taps then (plus
the ``reaction`` time the parent asks for).

Connections: by default every request opens a new connection (phones straight to the node). With
``keepalive`` N, each client process keeps up to N idle connections per server and reuses them, as
nginx's upstream ``keepalive`` pool does in front of the nodes in production (deploy/nginx:
``keepalive 64`` per nginx worker); the pool is emptied at the start of every stage, so that a stage
never inherits connections the server may have closed meanwhile.

Stages are driven by the parent (bench/herd.py) through a pipe, one command at a time, so
the parent can read the servers' CPU before and after each. The HTTP client is a minimal
HTTP/1.1 client (Content-Length, chunked, close): httpx would cost the shared CPUs as much
as the server's small views.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import time
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

HOST = "127.0.0.1"
BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 13) herd-bench",
    "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
    "Accept-Language": "id-ID,id;q=0.9,en;q=0.5",
}
HANDSHAKES_IN_FLIGHT = 100
STATIC_PREFIX = "/static/"


def raise_fd_limit() -> None:
    """As many open files as the hard limit allows: one per socket, on both sides."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- HTTP/1.1


class Http:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    @property
    def is_open(self) -> bool:
        return self.writer is not None and not self.writer.is_closing()

    async def request(self, method: str, path: str, headers: dict | None = None,
                      body: bytes = b"") -> tuple[int, dict, bytes]:
        if not self.is_open:
            await self.open()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        answer: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                answer[k.strip().lower()] = v.strip()
        if method == "HEAD" or status in (204, 304) or status < 200:
            data = b""
        elif "content-length" in answer:
            data = await self.reader.readexactly(int(answer["content-length"]))
        elif answer.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")  # no trailers from our servers
                    break
                parts.append((await self.reader.readexactly(size + 2))[:-2])
            data = b"".join(parts)
        else:
            data = await self.reader.read()
            self.close()
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# ---------------------------------------------------------------- what a page links to


class PageLinks(HTMLParser):
    """Same-origin sub-resources a browser fetches for a page, and the page's join links.

    The browser runs scripts, so what is inside ``<noscript>`` is text to it, never fetched
    (the portal's fallback QR image is there: its scripts draw the QR, issue 15).
    """

    FETCHED_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon", "manifest", "preload", "modulepreload"}

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.origin = urlsplit(page_url).netloc
        self.resources: list[str] = []
        self.joins: list[str] = []
        self._noscript = 0

    def _local(self, url: str | None) -> str | None:
        if not url or url.startswith(("data:", "#", "javascript:")):
            return None
        absolute = urlsplit(urljoin(self.page_url, url))
        if absolute.netloc != self.origin:
            return None
        return absolute.path + (f"?{absolute.query}" if absolute.query else "")

    def handle_starttag(self, tag, attrs):
        if tag == "noscript":
            self._noscript += 1
        if self._noscript:
            return
        a = dict(attrs)
        url = None
        if tag == "link" and self.FETCHED_RELS & set((a.get("rel") or "").lower().split()):
            url = a.get("href")
        elif tag in ("script", "img", "source", "iframe") and a.get("src"):
            url = a.get("src")
        elif tag == "a" and "/join/" in (a.get("href") or ""):
            local = self._local(a.get("href"))
            if local:
                self.joins.append(local)
            return
        local = self._local(url)
        if local and local not in self.resources:
            self.resources.append(local)


    def handle_endtag(self, tag):
        if tag == "noscript" and self._noscript:
            self._noscript -= 1


def page_links(page_url: str, html: bytes) -> PageLinks:
    parser = PageLinks(page_url)
    parser.feed(html.decode("utf-8", "replace"))
    return parser


# ---------------------------------------------------------------- statistics of one stage


class Stage:
    def __init__(self, name: str):
        self.name = name
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.statuses: Counter = Counter()
        self.first = self.last = None
        self.bytes = 0

    def add(self, t0: float, t1: float, status: int | None, ok: bool, error: str = "", size: int = 0) -> None:
        self.latencies.append((t1 - t0) * 1000)
        self.first = t0 if self.first is None else min(self.first, t0)
        self.last = t1 if self.last is None else max(self.last, t1)
        self.statuses[str(status)] += 1
        self.bytes += size
        if not ok:
            self.errors[error or f"HTTP {status}"] += 1

    def as_dict(self) -> dict:
        return {"name": self.name, "latencies": self.latencies, "errors": dict(self.errors),
                "statuses": dict(self.statuses), "first": self.first, "last": self.last, "bytes": self.bytes}


def now() -> float:
    return time.time()


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:160]


# ---------------------------------------------------------------- the participants of one process


class Participant:
    def __init__(self, index: int, secret: str):
        self.index, self.secret = index, secret
        self.app_resources: list[str] = []
        self.static: list[str] = []
        self.joins: dict[int, str] = {}
        self.validators: dict[str, dict] = {}  # path -> If-None-Match / If-Modified-Since
        self.joined: set[int] = set()
        self.status_etag = ""


class Herd:
    def __init__(self, config: dict):
        self.port, self.slug = config["port"], config["slug"]
        self.origin = f"http://{HOST}:{self.port}"
        self.people = [Participant(i, s) for i, s in config["participants"]]
        self.listener_secrets = [s for _i, s in config["participants"]] or config.get("spare_secrets", [])
        self.sockets: list = []  # websockets connections: this process's participants first, then listeners
        self.readers: list[asyncio.Task] = []
        self.heard: dict[int, list] = {}
        self.armed: dict | None = None
        self.taps: list[asyncio.Task] = []
        self.first_tap = Stage("join_first")
        self.follow = Stage("join_follow")
        self.dropped: Counter = Counter()
        self.slot_secrets: list[str] = []
        self.rejoin: dict | None = None  # set by watch_reconnect: closed sockets come back with jittered backoff
        self.back: list = []  # per slot: when it was back (snapshot received) after the restart
        self.reconnect_errors: Counter = Counter()
        self.reconnect_attempts = 0
        self.reconnect_tasks: list[asyncio.Task] = []
        self.rng = random.Random(config.get("seed", 15) * 7919 + config.get("client", 0))
        self.keepalive = int(config.get("keepalive", 0))
        self.idle: dict[int, list[Http]] = {}  # port -> idle keep-alive connections (keepalive > 0)

    # ------------------------------------------------------------ connections

    def _conn(self, port: int | None = None) -> Http:
        """A connection to ``port`` (the application's by default): an idle one from the pool, else a new one."""
        port = port or self.port
        idle = self.idle.get(port)
        return idle.pop() if self.keepalive and idle else Http(port)

    def _release(self, conn: Http) -> None:
        """Back to the pool if it may be reused (open, pool not full), else closed."""
        idle = self.idle.setdefault(conn.port, [])
        if self.keepalive and conn.is_open and len(idle) < self.keepalive:
            idle.append(conn)
        else:
            conn.close()

    def fresh_pool(self) -> None:
        for idle in self.idle.values():
            for conn in idle:
                conn.close()
        self.idle.clear()

    # ------------------------------------------------------------ helpers

    def _delay(self, spread: float) -> float:
        return self.rng.uniform(0, spread) if spread > 0 else 0.0

    async def _get(self, conn: Http, stage: Stage, path: str, headers: dict, ok=(200,)) -> tuple[int, dict, bytes]:
        t0 = now()
        try:
            status, answer, body = await conn.request("GET", path, headers)
        except Exception as exc:  # counted, reported
            conn.close()
            stage.add(t0, now(), None, False, _error(exc))
            return 0, {}, b""
        stage.add(t0, now(), status, status in ok, size=len(body))
        return status, answer, body

    # ------------------------------------------------------------ the portal

    async def portal(self, spread: float, revisit: bool = False) -> list[dict]:
        """Every participant opens the portal page (a revisit sends the validators of the last visit)."""
        stage = Stage("portal_revisit" if revisit else "portal")

        async def one(p: Participant):
            await asyncio.sleep(self._delay(spread))
            path = f"/t/{p.secret}/"
            conn = self._conn()
            headers = dict(BROWSER_HEADERS, **(p.validators.get(path, {}) if revisit else {}))
            status, answer, body = await self._get(conn, stage, path, headers, ok=(200, 304))
            if status == 200:
                self._remember(p, path, answer)
                links = page_links(self.origin + path, body)
                p.static = [u for u in links.resources if u.startswith(STATIC_PREFIX)]
                p.app_resources = [u for u in links.resources if not u.startswith(STATIC_PREFIX)]
                for link in links.joins:
                    try:
                        p.joins[int(link.rstrip("/").rsplit("/", 1)[1])] = link
                    except ValueError:
                        pass
            if revisit:  # the app's own resources, revalidated (static files are fresh in the cache)
                for url in p.app_resources:
                    status, answer, _ = await self._get(conn, stage, url, dict(BROWSER_HEADERS, **p.validators.get(url, {})),
                                                        ok=(200, 304))
                    if status == 200:
                        self._remember(p, url, answer)
            self._release(conn)

        await asyncio.gather(*(one(p) for p in self.people))
        return [stage.as_dict()]

    def _remember(self, p: Participant, path: str, answer: dict) -> None:
        validators = {}
        if answer.get("etag"):
            validators["If-None-Match"] = answer["etag"]
        if answer.get("last-modified"):
            validators["If-Modified-Since"] = answer["last-modified"]
        if validators and "no-store" not in answer.get("cache-control", ""):
            p.validators[path] = validators

    async def resources(self, kind: str, spread: float) -> list[dict]:
        """What the page links to: ``app`` (the application's own URLs) or ``static`` (/static/), empty cache."""
        stage = Stage("portal_app" if kind == "app" else "portal_static")

        async def one(p: Participant):
            urls = p.app_resources if kind == "app" else p.static
            if not urls:
                return
            await asyncio.sleep(self._delay(spread))
            conn = self._conn()
            for url in urls:
                status, answer, _ = await self._get(conn, stage, url, BROWSER_HEADERS)
                if status == 200:
                    self._remember(p, url, answer)
            self._release(conn)

        await asyncio.gather(*(one(p) for p in self.people))
        return [stage.as_dict()]

    async def poll(self, spread: float, conditional: bool) -> list[dict]:
        """The polling fallback: GET status.json (conditional: with the ETag of the last answer, as "no-cache" does)."""
        stage = Stage("status_poll_304" if conditional else "status_poll")
        path = f"/e/{self.slug}/sessions/status.json"

        async def one(p: Participant):
            await asyncio.sleep(self._delay(spread))
            conn = self._conn()
            headers = {"Accept": "*/*", "Cache-Control": "no-cache"}
            if conditional and p.status_etag:
                headers["If-None-Match"] = p.status_etag
            status, answer, _ = await self._get(conn, stage, path, headers, ok=(200, 304))
            p.status_etag = answer.get("etag", p.status_etag)
            self._release(conn)

        await asyncio.gather(*(one(p) for p in self.people))
        return [stage.as_dict()]

    # ------------------------------------------------------------ sockets

    async def connect(self, listeners: int, spread: float, timeout: float) -> list[dict]:
        """Open one socket per participant plus ``listeners`` more; each counts once its snapshot arrived."""
        from websockets.asyncio.client import connect

        stage = Stage("socket")
        gate = asyncio.Semaphore(HANDSHAKES_IN_FLIGHT)
        secrets = [p.secret for p in self.people]
        secrets += [self.listener_secrets[i % len(self.listener_secrets)] for i in range(listeners)]
        slots: list = [None] * len(secrets)

        async def one(i: int, secret: str):
            await asyncio.sleep(self._delay(spread))
            async with gate:
                t0 = now()
                try:
                    ws = await connect(f"ws://{HOST}:{self.port}/ws/events/{self.slug}/sessions/?t={secret}",
                                       origin=self.origin, compression=None, ping_interval=None,
                                       open_timeout=timeout, close_timeout=5, max_queue=16)
                except Exception as exc:
                    stage.add(t0, now(), None, False, _error(exc))
                    return
                try:
                    first = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                    if first.get("type") != "snapshot":
                        raise RuntimeError(f"first message {first.get('type')!r}")
                except Exception as exc:
                    code = getattr(getattr(exc, "rcvd", None), "code", None)
                    stage.add(t0, now(), 101, False, f"closed {code}" if code else _error(exc))
                    ws.transport.abort()
                    return
                stage.add(t0, now(), 101, True)
                slots[i] = ws

        await asyncio.gather(*(one(i, s) for i, s in enumerate(secrets)))
        # Participants keep their index even when their socket failed (None): a participant without
        # a socket never hears the push and never taps, which the report counts.
        self.sockets = slots
        self.slot_secrets = secrets
        self.readers = [asyncio.create_task(self._read(i, ws)) for i, ws in enumerate(slots) if ws is not None]
        return [stage.as_dict()]

    async def disconnect(self) -> list[dict]:
        self.rejoin = None
        for task in self.reconnect_tasks:
            task.cancel()
        self.reconnect_tasks = []
        for task in self.readers:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets if ws is not None), return_exceptions=True)
        self.sockets, self.readers = [], []
        return []

    async def _read(self, i: int, ws) -> None:
        try:
            async for raw in ws:
                if '"live"' not in raw:
                    continue
                message = json.loads(raw)
                if message.get("type") != "session" or message.get("status") != "live":
                    continue
                heard = self.heard.get(message.get("id"))
                if heard is None or i >= len(heard) or heard[i] is not None:
                    continue
                heard[i] = now()
                armed = self.armed
                if armed and armed["session"] == message["id"] and armed["tap"] and i < len(self.people):
                    spread = float(message.get("spread") or 0)
                    self.taps.append(asyncio.create_task(self._tap_first(self.people[i], armed, spread)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if self.rejoin is None:
                self.dropped[_error(exc)] += 1
        else:
            if self.rejoin is None:
                self.dropped["closed by the server"] += 1
        if self.rejoin is not None and i < len(self.sockets) and self.sockets[i] is ws:
            self.sockets[i] = None
            self.reconnect_tasks.append(asyncio.create_task(self._reconnect(i)))

    # ------------------------------------------------------------ a node restart

    def _backoff(self, failures: int) -> float:
        """static/rakor/live.js's reconnectDelay: 0.5 s + random × (window − 0.5 s), the window doubling per failure
        (a 1013 is not one: see _busy_backoff)."""
        window = min(60.0, self.rejoin["window"] * 2 ** max(0, min(failures, 7) - 1))
        return 0.5 + self.rng.random() * max(0.0, window - 0.5)

    def _busy_backoff(self, count: int) -> float:
        """live.js's busyDelay after the n-th 1013 in a row: the window n thirds of the first, at most the first."""
        window = self.rejoin["window"] * min(count, 3) / 3
        return 0.5 + self.rng.random() * max(0.0, window - 0.5)

    async def watch_reconnect(self, window: float, open_timeout: float, port: int) -> list[dict]:
        """From now on a socket the server closes comes back as the portal's would (the parent restarts the node),
        to ``port`` (the same node, or another one as a cluster's proxy would choose)."""
        self.rejoin = {"window": window, "open_timeout": open_timeout, "port": port}
        self.back = [None] * len(self.sockets)
        self.reconnect_errors, self.reconnect_attempts, self.reconnect_tasks = Counter(), 0, []
        return []

    async def _reconnect(self, i: int) -> None:
        from websockets.asyncio.client import connect

        failures = 1  # the close itself, as live.js counts it
        busy = 0  # 1013s in a row: live.js's busyDelay, a short window that grows to the first one
        secret = self.slot_secrets[i]
        while self.rejoin is not None:
            await asyncio.sleep(self._busy_backoff(busy) if busy else self._backoff(failures))
            self.reconnect_attempts += 1
            try:
                port = self.rejoin["port"]
                ws = await connect(f"ws://{HOST}:{port}/ws/events/{self.slug}/sessions/?t={secret}",
                                   origin=f"http://{HOST}:{port}", compression=None, ping_interval=None,
                                   open_timeout=self.rejoin["open_timeout"], close_timeout=5, max_queue=16)
            except Exception as exc:
                self.reconnect_errors[_error(exc)[:60]] += 1
                busy, failures = 0, failures + 1
                continue
            try:
                first = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if first.get("type") != "snapshot":
                    raise RuntimeError(f"first message {first.get('type')!r}")
            except Exception as exc:
                code = getattr(getattr(exc, "rcvd", None), "code", None)
                self.reconnect_errors[f"closed {code}" if code else _error(exc)[:60]] += 1
                ws.transport.abort()
                if code == 1013:
                    busy += 1
                else:
                    busy, failures = 0, failures + 1
                continue
            self.back[i] = now()
            self.sockets[i] = ws
            self.readers.append(asyncio.create_task(self._read(i, ws)))
            return

    async def reconnect_status(self) -> dict:
        return {"back": self.back, "sockets": len(self.back), "attempts": self.reconnect_attempts,
                "errors": dict(self.reconnect_errors)}

    # ------------------------------------------------------------ go live, join

    async def arm(self, session: int, tap: bool, reaction: float, meeting_url: str) -> list[dict]:
        self.heard[session] = [None] * len(self.sockets)
        self.armed = {"session": session, "tap": tap, "reaction": reaction, "meeting_url": meeting_url}
        self.taps = []
        self.first_tap, self.follow = Stage("join_first"), Stage("join_follow")
        return []

    def _join_path(self, p: Participant, session: int) -> str:
        # The link the portal showed; the documented URL if the page had none (counted by the parent).
        return p.joins.get(session) or f"/t/{p.secret}/join/{session}/"

    async def _tap(self, p: Participant, session: int, meeting_url: str, stage: Stage) -> bool:
        """One tap: GET the join link on a new connection, follow our own redirects, stop at the meeting."""
        conn = self._conn()
        path = self._join_path(p, session)
        ok = False
        try:
            for hop in range(5):
                t0 = now()
                status, answer, body = await conn.request("GET", path, BROWSER_HEADERS)
                location = answer.get("location", "")
                target = urlsplit(urljoin(self.origin + path, location)) if location else None
                external = target is not None and target.netloc != urlsplit(self.origin).netloc
                if 300 <= status < 400 and external:
                    ok = location == meeting_url
                    (stage if hop == 0 else self.follow).add(
                        t0, now(), status, ok, "" if ok else f"redirect to another URL {location[:60]}")
                    break
                if 300 <= status < 400 and target is not None:
                    (stage if hop == 0 else self.follow).add(t0, now(), status, True)
                    path = target.path + (f"?{target.query}" if target.query else "")
                    continue
                page = " (waiting page)" if status == 200 else ""
                (stage if hop == 0 else self.follow).add(t0, now(), status, False, f"HTTP {status}{page}",
                                                         size=len(body))
                break
        except Exception as exc:
            stage.add(t0, now(), None, False, _error(exc))
        finally:
            self._release(conn)
        return ok

    async def _tap_first(self, p: Participant, armed: dict, spread: float = 0.0) -> None:
        # The button lights 0..spread s after the push (live.js), then the person reacts.
        await asyncio.sleep(self._delay(spread) + self._delay(armed["reaction"]))
        if await self._tap(p, armed["session"], armed["meeting_url"], self.first_tap):
            p.joined.add(armed["session"])

    async def wait_taps(self, timeout: float) -> list[dict]:
        """Until every participant who heard the push has tapped (those who never heard it are the push's missed)."""
        deadline = time.monotonic() + timeout
        session = self.armed["session"]
        while time.monotonic() < deadline:
            heard = self.heard.get(session, [])
            expected = sum(1 for i in range(min(len(self.people), len(heard))) if heard[i] is not None)
            if len(self.taps) >= expected and all(t.done() for t in self.taps) and (
                    expected == sum(1 for ws in self.sockets[:len(self.people)] if ws is not None)):
                break
            await asyncio.sleep(0.05)
        await asyncio.gather(*self.taps, return_exceptions=True)
        return [self.first_tap.as_dict(), self.follow.as_dict()]

    async def push_times(self, session: int) -> dict:
        heard = self.heard.get(session, [])
        return {"heard": heard, "participants": len(self.people), "dropped": dict(self.dropped)}

    async def repeat(self, session: int, share: float, spread: float, meeting_url: str) -> list[dict]:
        """The impatient ones tap again: ``share`` of those who joined, chosen by index (the same in every run)."""
        stage = Stage("join_repeat")
        chosen = [p for p in self.people if session in p.joined and (p.index * 0.6180339887) % 1.0 < share]

        async def one(p: Participant):
            await asyncio.sleep(self._delay(spread))
            await self._tap(p, session, meeting_url, stage)

        await asyncio.gather(*(one(p) for p in chosen))
        return [stage.as_dict()]

    async def burst(self, port: int, paths: list[str], spread: float, stage_name: str, meeting_url: str) -> list[dict]:
        """The floor's share of a burst shaped like the taps: one GET per new connection, redirect expected."""
        stage = Stage(stage_name)

        async def one(path: str):
            await asyncio.sleep(self._delay(spread))
            conn = self._conn(port)
            t0 = now()
            try:
                status, answer, _ = await conn.request("GET", path, BROWSER_HEADERS)
                ok = status in (301, 302, 303, 307) and answer.get("location") == meeting_url
                stage.add(t0, now(), status, ok)
            except Exception as exc:
                stage.add(t0, now(), None, False, _error(exc))
            finally:
                self._release(conn)

        await asyncio.gather(*(one(p) for p in paths))
        return [stage.as_dict()]

    # ------------------------------------------------------------ heartbeats

    async def beat(self, session: int, spread: float) -> list[dict]:
        """One heartbeat from each participant who joined, at a random moment of the interval (as their timers run)."""
        stage = Stage("heartbeat")

        async def one(p: Participant):
            await asyncio.sleep(self._delay(spread))
            conn = self._conn()
            t0 = now()
            try:
                status, _answer, body = await conn.request(
                    "POST", f"/t/{p.secret}/heartbeat/{session}/", {"X-CSRFToken": "", "Accept": "*/*"})
                ok = status == 200 and b"minutes" in body
                stage.add(t0, now(), status, ok, "" if ok else f"HTTP {status} {body[:80]!r}")
            except Exception as exc:
                stage.add(t0, now(), None, False, _error(exc))
            finally:
                self._release(conn)

        await asyncio.gather(*(one(p) for p in self.people if session in p.joined))
        return [stage.as_dict()]

    async def beat_socket(self, session: int, spread: float) -> list[dict]:
        """One heartbeat from each participant who joined, as a message on the socket they hold (the portal's script
        when its socket is open and the snapshot offered beats): ``{"type":"beat","session":<id>}``, at a random moment
        of the interval. Nothing comes back for a recorded beat: the latency is the send's, the harness counts what
        Redis collected."""
        stage = Stage("heartbeat_socket")
        message = json.dumps({"type": "beat", "session": session}, separators=(",", ":"))

        async def one(i: int, p: Participant):
            await asyncio.sleep(self._delay(spread))
            ws = self.sockets[i] if i < len(self.sockets) else None
            t0 = now()
            if ws is None:
                stage.add(t0, t0, None, False, "no socket held")
                return
            try:
                await ws.send(message)
                stage.add(t0, now(), 101, True)
            except Exception as exc:
                stage.add(t0, now(), None, False, _error(exc))

        await asyncio.gather(*(one(i, p) for i, p in enumerate(self.people) if session in p.joined))
        await asyncio.sleep(0.3)  # the server's work on the last messages sent falls inside the stage's CPU window
        return [stage.as_dict()]

    async def joined(self, session: int) -> list[int]:
        """Indexes of this process's participants whose first tap of ``session`` reached the meeting."""
        return [p.index for p in self.people if session in p.joined]

    def join_links(self) -> dict:
        """How many participants' portals showed a join link, per session (a check that the page still has them)."""
        found: Counter = Counter()
        for p in self.people:
            for session in p.joins:
                found[session] += 1
        return dict(found)


async def _serve(config: dict, pipe) -> None:
    herd = Herd(config)
    loop = asyncio.get_running_loop()
    pipe.send(("ready", None))
    while True:
        command, kwargs = await loop.run_in_executor(None, pipe.recv)
        if command == "stop":
            await herd.disconnect()
            pipe.send(("stopped", None))
            return
        try:
            herd.fresh_pool()
            if command == "join_links":
                result = herd.join_links()
            else:
                result = await getattr(herd, command)(**kwargs)
            pipe.send(("ok", result))
        except Exception as exc:  # the parent reports it and stops the run
            import traceback

            pipe.send(("failed", traceback.format_exc()))
            del exc


def client_main(config: dict, pipe) -> None:
    """Entry point of one client process (multiprocessing, spawn)."""
    raise_fd_limit()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_serve(config, pipe))
