"""A test client that sends requests through the whole ASGI application (rakor/asgi.py), not Django's handler.

For what is answered in front of Django (attendance.online.fastpath). Like Django's test client it
keeps the test's database transaction: the request runs under ``async_to_sync`` from the test's
thread, so thread-sensitive code (Django's views, and for the call the fast path's database work,
``fastpath.THREAD_SENSITIVE``) runs on that thread and its connection, and the connection housekeeping on request start and finish is
switched off for the call, as Django's own test client does.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode, urlsplit

from asgiref.sync import async_to_sync
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


class AsgiResponse:
    def __init__(self, status: int, headers: list, body: bytes):
        self.status_code = status
        self.headers = {}
        for key, value in headers:
            self.headers[key.decode("latin-1").title()] = value.decode("latin-1")
        self.content = body

    def __getitem__(self, name: str) -> str:
        return self.headers[name.title()]

    def has_header(self, name: str) -> bool:
        return name.title() in self.headers

    def json(self):
        import json

        return json.loads(self.content)


class AsgiClient:
    def __init__(self, *, client_ip: str = "127.0.0.1", scheme: str = "http", host: str = "testserver"):
        self.client_ip, self.scheme, self.host = client_ip, scheme, host

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None,
                body: bytes = b"") -> AsgiResponse:
        from rakor.asgi import application

        parts = urlsplit(path)
        query = parts.query or (urlencode(data) if data and method in ("GET", "HEAD") else "")
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": self.scheme, "path": parts.path, "raw_path": parts.path.encode(),
            "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", self.host.encode())] + [(k.lower().encode(), v.encode())
                                                          for k, v in (headers or {}).items()],
            "client": (self.client_ip, 50000), "server": ("testserver", 80),
        }
        sent: list[dict] = []

        async def run():
            done = asyncio.Event()
            messages = [{"type": "http.request", "body": body, "more_body": False}]

            async def receive():
                if messages:
                    return messages.pop(0)
                await done.wait()
                return {"type": "http.disconnect"}

            async def send(message):
                sent.append(message)

            try:
                await application(scope, receive, send)
            finally:
                done.set()

        from attendance.online import fastpath

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        thread_sensitive, fastpath.THREAD_SENSITIVE = fastpath.THREAD_SENSITIVE, True  # on this thread
        try:
            async_to_sync(run)()
        finally:
            fastpath.THREAD_SENSITIVE = thread_sensitive
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        start = next(m for m in sent if m["type"] == "http.response.start")
        content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return AsgiResponse(start["status"], start.get("headers", []), content)

    def get(self, path: str, data: dict | None = None, **kwargs) -> AsgiResponse:
        return self.request("GET", path, data, **kwargs)

    def head(self, path: str, data: dict | None = None, **kwargs) -> AsgiResponse:
        return self.request("HEAD", path, data, **kwargs)

    def post(self, path: str, data=None, content_type: str = "application/json", **kwargs) -> AsgiResponse:
        body = data.encode() if isinstance(data, str) else b""
        headers = {"content-type": content_type, "content-length": str(len(body)), **kwargs.pop("headers", {})}
        return self.request("POST", path, headers=headers, body=body, **kwargs)
