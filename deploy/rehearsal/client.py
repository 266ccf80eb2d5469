"""The rehearsal's clients: a browser-like HTTP client and a set of live WebSockets.

`Web` speaks to the site as a browser would, either through nginx (https, the public name) or
straight to one app node (http, with the headers nginx would add), keeping its own cookies so
that a session signed in through nginx also works on a node directly. `Sockets` keeps portal
WebSockets open on a thread of their own while the rehearsal does other things, and records
every message with the time it arrived.
"""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
import json
import re
import ssl
import threading
import time

import httpx
import websockets

from stack import HOST, Config

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Web:
    def __init__(self, config: Config, *, token: str | None = None):
        self.config = config
        self.token = token
        self.cookies: dict[str, str] = {}
        # nginx's certificate is the self-signed one made for this run (for the public name and 127.0.0.1);
        # trust_env=False: no proxy from the environment may sit between the rehearsal and its servers.
        self.http = httpx.Client(verify=ssl.create_default_context(cafile=config.ca), follow_redirects=False,
                                 timeout=30, trust_env=False)

    def close(self) -> None:
        self.http.close()

    def url(self, via: str, path: str) -> str:
        if via == "nginx":
            return f"https://127.0.0.1:{self.config.https_port}{path}"
        if via == "http":
            return f"http://127.0.0.1:{self.config.http_port}{path}"
        return f"http://127.0.0.1:{self.config.node_ports['ab'.index(via)]}{path}"

    def request(self, method: str, path: str, *, via: str = "nginx", data=None, json_body=None, headers=None,
                timeout: float | None = None) -> httpx.Response:
        site = self.config.site
        h = {"Host": f"{HOST}:{self.config.https_port}", "User-Agent": "rakor-rehearsal"}
        if via in ("a", "b"):
            h["X-Forwarded-Proto"] = "https"  # what nginx adds; the node believes it from 127.0.0.1 (TRUSTED_PROXIES)
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            h["Authorization"] = f"Token {self.token}"
        if method not in ("GET", "HEAD"):
            h["Origin"] = site
            h["Referer"] = site + path
            if "csrftoken" in self.cookies:
                h["X-CSRFToken"] = self.cookies["csrftoken"]
        h.update(headers or {})
        kwargs = {"headers": h}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = self.http.request(method, self.url(via, path), data=data, json=json_body, **kwargs)
        self.http.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def form_token(self, path: str, via: str = "nginx") -> str:
        page = self.get(path, via=via)
        match = CSRF_INPUT.search(page.text)
        if page.status_code != 200 or not match:
            raise RuntimeError(f"GET {path} via {via}: {page.status_code}, no form")
        return match.group(1)

    def sign_in(self, username: str, password: str) -> None:
        token = self.form_token("/akun/masuk/")
        r = self.post("/akun/masuk/", data={"csrfmiddlewaretoken": token, "username": username, "password": password})
        if r.status_code != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in as {username}: {r.status_code} {r.headers.get('location', '')}")


class Sockets:
    """Portal WebSockets (`/ws/events/<event>/sessions/?t=`) kept open on a thread of their own."""

    def __init__(self, config: Config):
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="rehearsal-sockets", daemon=True)
        self.thread.start()
        self.messages: dict[str, list[tuple[float, dict]]] = {}
        self.closed: dict[str, str] = {}
        self._sockets: dict[str, object] = {}
        self._lock = threading.Lock()

    def open(self, name: str, via: str, event: str, secret: str, timeout: float = 10) -> dict:
        """Connect and wait for the snapshot; returns it."""
        future = asyncio.run_coroutine_threadsafe(self._open(name, via, event, secret), self.loop)
        future.result(timeout + 5)
        snapshot = self.wait(name, lambda m: m.get("type") == "snapshot", since=0, timeout=timeout)
        if snapshot is None:
            raise RuntimeError(f"socket {name}: no snapshot within {timeout:.0f} s ({self.closed.get(name, 'open')})")
        return snapshot[1]

    async def _open(self, name: str, via: str, event: str, secret: str) -> None:
        c = self.config
        path = f"/ws/events/{event}/sessions/?t={secret}"
        origin = c.site
        if via == "nginx":
            context = ssl.create_default_context(cafile=c.ca)
            uri = f"wss://{HOST}:{c.https_port}{path}"
            kwargs = {"host": "127.0.0.1", "port": c.https_port, "ssl": context, "server_hostname": HOST}
        else:
            # The Host header says the public name, as through nginx; the connection goes to the node.
            uri = f"ws://{HOST}:{c.https_port}{path}"
            kwargs = {"host": "127.0.0.1", "port": c.node_ports["ab".index(via)],
                      "additional_headers": {"X-Forwarded-Proto": "https"}}
        socket = await websockets.connect(uri, origin=origin, proxy=None, open_timeout=10, **kwargs)
        with self._lock:
            self.messages[name] = []
            self._sockets[name] = socket
        self.loop.create_task(self._read(name, socket))

    async def _read(self, name: str, socket) -> None:
        try:
            async for text in socket:
                with self._lock:
                    self.messages[name].append((time.monotonic(), json.loads(text)))
        except Exception as error:  # noqa: BLE001 (recorded, the check reads it)
            self.closed[name] = f"closed: {error!r}"
        else:
            self.closed[name] = f"closed: code {socket.close_code}"

    def wait(self, name: str, predicate, *, since: float, timeout: float):
        """The first message after `since` (monotonic) that satisfies predicate, or None."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                for at, message in self.messages.get(name, []):
                    if at >= since and predicate(message):
                        return at, message
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)

    def names(self) -> list[str]:
        with self._lock:
            return list(self._sockets)

    def close(self) -> None:
        async def close_all():
            for socket in list(self._sockets.values()):
                try:
                    await asyncio.wait_for(socket.close(), 2)
                except Exception:  # noqa: BLE001, S110 (closing anyway)
                    pass

        try:
            asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(10)
        except Exception:  # noqa: BLE001, S110
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
