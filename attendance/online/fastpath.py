"""The join link and the heartbeat answered in front of Django (rakor/asgi.py), for the herd (issue 15).

When the Menteri opens a session, every participant taps Join within seconds and then sends a
heartbeat a minute. Django's request cycle (the middleware stack, its thread hops, a new
thread per request) cost more than these answers themselves, so this ASGI middleware answers
the common case of both before Django sees the request, and passes everything else on:

- ``GET /t/<secret>/join/<session>/``: ``services.session_join_quick`` (the same function the
  join view uses first: the same read, rules and statements), run in one hop to a thread; a
  recorded join is a 302 to ``selectors.join_destination`` with the headers Django's stack gives
  that redirect (``_redirect_headers``: the CSP and the other security headers, and
  ``rakor.access.private_response``'s; tests/attendance/test_fastpath.py compares them).
  An unknown secret (the guess limit counts it there), a refusal, a session not open, another
  event's session, a HEAD, a plain-HTTP request where HTTPS is required, a host not allowed:
  Django answers, as before.
- ``POST /t/<secret>/heartbeat/<session>/`` when beats are collected (``beats.collecting()``:
  Redis): a person who joined a running session is answered ``{"minutes": null}`` (counted at
  the next fold) after one round trip to Redis in the event loop (``beats``), no row written,
  no thread. Whether the secret's holder joined this session is kept in this process for
  ``TARGET_SECONDS`` (a join served here puts it there; a miss asks the database in a thread:
  the first beat of a person on each process) and forgotten by every process, with its next beat,
  when a registration's secret or standing changes (``beats.TARGETS_GENERATION``); the session's
  state for ``SESSION_SECONDS``. Anything else (unknown secret, no join, a session not running): Django
  answers, with the same refusals as before.

An answer given here is counted and logged as Django's stack would (``_answer``): the request id (a trusted
proxy's ``X-Request-ID``, else a new one) in the log lines and the response, the ``rakor.request`` line with
the view's route, and django-prometheus's families with the view's name (``sessions_join:join``,
``sessions_join:heartbeat``), so /metrics and the logs see the herd.

``settings.ONLINE_FAST_PATH`` off passes everything to Django.
"""

from __future__ import annotations

import hmac
import re
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.signals import request_finished, request_started, setting_changed
from django.dispatch import receiver
from django.http.request import split_domain_port, validate_host
from django.utils import timezone

from agenda.selectors import cached_session, session_running
from rakor.metrics import count_answered_in_front
from rakor.net import is_trusted_proxy
from rakor.observability import log_request, request_id_from, request_id_var
from rakor.security_headers import site_security_headers

from ..models import CheckIn
from . import beats
from .selectors import join_destination
from .services import session_join_quick

JOIN = re.compile(r"/t/([A-Za-z0-9_\-]{1,64})/join/([0-9]{1,12})/")
HEARTBEAT = re.compile(r"/t/([A-Za-z0-9_\-]{1,64})/heartbeat/([0-9]{1,12})/")

# The database work runs in the event loop's thread pool, in parallel (Django runs a sync view in a thread of
# its own per request; one shared thread would make every join wait for the one before it). Tests run it on
# their own thread instead (tests/asgi_client.py), where their transaction is.
THREAD_SENSITIVE = False
TARGET_SECONDS = 1800.0
SESSION_SECONDS = 2.0
_MAX_TARGETS = 250_000


class OnlineFastPath:
    """ASGI middleware: the join link's and the heartbeat's common case, else ``app`` (Django)."""

    def __init__(self, app):
        self.app = app
        self.beats = SERVED_BEATS  # shared with the portal's socket (take_socket_beat): one memory per process

    @property
    def _targets(self):
        return self.beats.targets

    @property
    def _sessions(self):
        return self.beats.sessions

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/t/") and settings.ONLINE_FAST_PATH:
            method = scope["method"]
            if method == "GET":
                match = JOIN.fullmatch(scope["path"])
                if match and await self._answer(scope, send, self._join, "join", match):
                    return
            elif method == "POST" and beats.collecting():
                match = HEARTBEAT.fullmatch(scope["path"])
                if match and await self._answer(scope, send, self._heartbeat, "heartbeat", match):
                    return
        await self.app(scope, receive, send)

    async def _answer(self, scope, send, handler, name: str, match) -> bool:
        """``handler``'s answer with what Django's stack gives every request: a request id (in the log lines written
        meanwhile, and as ``X-Request-ID``), the request's log line and the Prometheus counts (rakor.observability,
        rakor.metrics). A request the handler leaves to Django is counted and logged there."""
        started = time.perf_counter()
        given = _header(scope, b"x-request-id")
        rid = request_id_from(given, (scope.get("client") or ("",))[0] or "")
        token = request_id_var.set(rid)
        try:
            extra = [] if given == rid else [(b"x-request-id", rid.encode())]
            answered = await handler(scope, send, match.group(1), int(match.group(2)), extra)
            if answered is None:
                return False
            status, body_bytes = answered
            route, view = _route(name)
            method = scope["method"]
            count_answered_in_front(view, method, "https" if _is_secure(scope) else "http", status,
                                    request_bytes=int(_header(scope, b"content-length") or 0),
                                    response_bytes=body_bytes, seconds=time.perf_counter() - started)
            log_request(method, route, view, status, started)
            return True
        finally:
            request_id_var.reset(token)

    # ------------------------------------------------------------ the join link

    async def _join(self, scope, send, secret: str, session_id: int, extra: list) -> tuple[int, int] | None:
        secure = _is_secure(scope)
        if (settings.SECURE_SSL_REDIRECT and not secure) or not _host_allowed(scope):
            return None
        stream = b"stream=" in scope.get("query_string", b"") and _query_flag(scope, "stream")
        joined = await sync_to_async(_join_location, thread_sensitive=THREAD_SENSITIVE)(secret, session_id, stream)
        if joined is None:
            return None
        location, registration_id = joined
        self.beats.remember(secret, session_id, registration_id)  # the heartbeats that follow need no look-up here
        headers = [(b"location", location.encode()), *extra, *_redirect_headers(secure)]
        await send({"type": "http.response.start", "status": 302, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return 302, 0

    # ------------------------------------------------------------ the heartbeat

    async def _heartbeat(self, scope, send, secret: str, session_id: int, extra: list) -> tuple[int, int] | None:
        if not _host_allowed(scope):
            return None
        if await self.beats.take(secret, session_id) != RECORDED:
            return None  # Django answers: 403 not joined, 404 unknown, 409 not running
        body = b'{"minutes": null}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra,
                   *_redirect_headers(_is_secure(scope), redirect=False)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return 200, len(body)


# ---------------------------------------------------------------- a collected beat: HTTP and the portal's socket

RECORDED, NOT_JOINED, NOT_RUNNING = "recorded", "not_joined", "not_running"


class ServedBeats:
    """The rule of a collected beat, one per process, for the POST above and the portal's socket (take_socket_beat).

    A beat is recorded (``beats``, one round trip to Redis) when the holder of ``secret`` joined ``session_id``
    online (an event's own session) and the session is running. Who joined is kept for ``TARGET_SECONDS`` and
    forgotten with the generation read with each beat; the session's state for ``SESSION_SECONDS``.
    """

    def __init__(self):
        self.targets: dict[tuple[str, int], tuple[float, int]] = {}  # (secret, session) -> (until, registration)
        self.sessions: dict[int, tuple[float, object]] = {}  # session id -> (until, Session or None)
        self._redis = None  # (event loop, asyncio client)
        self._expiry_set: dict[str, float] = {}
        self._generation = None  # beats.TARGETS_GENERATION as last read

    async def take(self, secret: str, session_id: int) -> str:
        """RECORDED, NOT_JOINED (also: an unknown secret or session, another event's session) or NOT_RUNNING."""
        now = time.monotonic()
        target = self.targets.get((secret, session_id))
        session = self.sessions.get(session_id)
        if target is None or target[0] < now or session is None or session[0] < now:
            found = await sync_to_async(_beat_target, thread_sensitive=THREAD_SENSITIVE)(secret, session_id)
            if found is None:
                return NOT_JOINED
            registration_id, session_obj = found
            self.remember(secret, session_id, registration_id)
            self.sessions[session_id] = (now + SESSION_SECONDS, session_obj)
            target, session = self.targets[(secret, session_id)], self.sessions[session_id]
        if not session_running(session[1], timezone.now()):
            return NOT_RUNNING
        await self._record(session_id, target[1], time.time_ns() // 1000)
        return RECORDED

    def remember(self, secret: str, session_id: int, registration_id: int) -> None:
        if len(self.targets) > _MAX_TARGETS:
            self.targets.clear()
        self.targets[(secret, session_id)] = (time.monotonic() + TARGET_SECONDS, registration_id)

    async def _record(self, session_id: int, registration_id: int, at_us: int) -> None:
        import asyncio

        import redis.asyncio

        loop = asyncio.get_running_loop()
        if self._redis is None or self._redis[0] is not loop:
            self._redis = (loop, redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=5,
                                                               socket_connect_timeout=5))
        field, value = beats.beat_entry(registration_id, at_us)
        key = beats.beats_key(session_id)
        pipe = self._redis[1].pipeline(transaction=False)
        pipe.hset(key, field, value)
        pipe.sadd(beats.PENDING, session_id)
        now = time.monotonic()
        if self._expiry_set.get(key, 0.0) < now:  # a lifetime for the hash, once a minute, not per beat
            self._expiry_set[key] = now + 60
            pipe.expire(key, beats.KEEP_SECONDS)
        pipe.get(beats.TARGETS_GENERATION)
        answers = await pipe.execute()
        if answers[-1] != self._generation:
            # A registration's secret or standing changed somewhere (beats._forget_targets): look people up again.
            self._generation = answers[-1]
            self.targets.clear()


SERVED_BEATS = ServedBeats()


def socket_beats_accepted() -> bool:
    """Does the portal's socket take beats (agenda.listeners)? Only when they are collected and the fast path is on:
    without Redis a beat is written through by Django's view, and the page keeps POSTing it (so it does with
    ``ONLINE_FAST_PATH`` off, which leaves every heartbeat to Django)."""
    return beats.collecting() and settings.ONLINE_FAST_PATH


async def take_socket_beat(secret: str, session_id: int) -> str:
    """A beat sent over the portal's session socket by the holder of the socket's ``?t=`` secret: the same rule and
    memory as the POST's (registered with agenda.listeners in attendance's AppConfig.ready)."""
    if not socket_beats_accepted():
        return NOT_RUNNING  # not taken here; the page POSTs when the snapshot did not offer socket beats
    return await SERVED_BEATS.take(secret, session_id)


# ---------------------------------------------------------------- in a thread (the database)


def _join_location(secret: str, session_id: int, stream: bool) -> tuple[str, int] | None:
    """(where the recorded join redirects, the registration's id), or None for Django to answer."""
    request_started.send(sender=OnlineFastPath)  # Django's connection housekeeping, as for a request
    try:
        joined = session_join_quick(secret, session_id)
        if joined is None:
            return None
        registration, session, _outcome = joined
        return join_destination(registration, session, stream=stream), registration.pk
    finally:
        request_finished.send(sender=OnlineFastPath)


def _beat_target(secret: str, session_id: int):
    """(registration id, session) when the holder of ``secret`` joined ``session_id`` online; else None."""
    from ..checkin import registration_by_portal_secret

    request_started.send(sender=OnlineFastPath)
    try:
        session = cached_session(session_id)
        if session is None:
            return None
        registration = registration_by_portal_secret(secret, session.day)
        if (registration is None or registration.event_id != session.event_id
                or not hmac.compare_digest(registration.portal_secret.encode(), secret.encode())):
            return None
        joined = CheckIn.objects.filter(registration_id=registration.pk, session_id=session_id,
                                        kind=CheckIn.Kind.ENTRY, result=CheckIn.Result.OK,
                                        method=CheckIn.Method.ONLINE).exists()
        return (registration.pk, session) if joined else None
    finally:
        request_finished.send(sender=OnlineFastPath)


# ---------------------------------------------------------------- what Django's stack would add


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def _is_secure(scope) -> bool:
    """HTTPS as rakor.middleware.TrustedProxyMiddleware sees it: the server's scheme, or a trusted proxy's word."""
    if scope.get("scheme") == "https":
        return True
    client = scope.get("client") or ("", 0)
    if settings.SECURE_PROXY_SSL_HEADER and is_trusted_proxy(client[0] or ""):
        return _header(scope, b"x-forwarded-proto").split(",")[-1].strip().lower() == "https"
    return False


_routes: dict[tuple, tuple] = {}


def _route(name: str) -> tuple[str | None, str]:
    """(route, view name) of ``sessions_join:<name>`` as Django's resolver gives them to its log line and metrics."""
    key = (settings.ROOT_URLCONF, name)
    found = _routes.get(key)
    if found is None:
        from django.urls import Resolver404, resolve

        sample = {"join": "/t/xxxxxxxxxxxxxxxx/join/1/", "heartbeat": "/t/xxxxxxxxxxxxxxxx/heartbeat/1/"}[name]
        try:
            match = resolve(sample)
            found = (match.route, match.view_name or "<unnamed view>")
        except Resolver404:
            found = (None, "<unnamed view>")
        _routes[key] = found
    return found


_hosts: dict[tuple, bool] = {}


def _host_allowed(scope) -> bool:
    """Django's ALLOWED_HOSTS check (HttpRequest.get_host), remembered per Host header."""
    host = _header(scope, b"host")
    key = (host, tuple(settings.ALLOWED_HOSTS), settings.DEBUG)
    allowed_here = _hosts.get(key)
    if allowed_here is None:
        domain, _port = split_domain_port(host)
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        allowed_here = bool(domain) and validate_host(domain, allowed)
        if len(_hosts) < 1000:
            _hosts[key] = allowed_here
    return allowed_here


def _query_flag(scope, name: str) -> bool:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get(name)
    return bool(values and values[-1])


_headers_cache: dict[tuple, list] = {}


def _redirect_headers(secure: bool, *, redirect: bool = True) -> list[tuple[bytes, bytes]]:
    """The headers the project's middleware and ``private_response`` give the join's redirect (or, ``redirect``
    off, a JSON answer of a portal page): security headers, no caching, no Referer."""
    key = (secure, redirect, settings.SECURE_HSTS_SECONDS)
    cached = _headers_cache.get(key)
    if cached is None:
        headers = {} if not redirect else {"Content-Type": "text/html; charset=utf-8", "Content-Length": "0"}
        headers.update(site_security_headers())
        if settings.SECURE_HSTS_SECONDS and secure:
            value = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                value += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                value += "; preload"
            headers["Strict-Transport-Security"] = value
        headers.update({"Cache-Control": "private, no-store",
                        "Referrer-Policy": "no-referrer" if redirect else "same-origin", "X-Robots-Tag": "noindex"})
        cached = _headers_cache[key] = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return cached


@receiver(setting_changed)
def _forget_headers(**kwargs) -> None:
    _headers_cache.clear()

