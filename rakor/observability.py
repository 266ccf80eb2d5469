"""Request ids, JSON logs, a full connection pool answered 503, and Sentry (issue 14, item 7).

- ``RequestIdMiddleware`` gives every request an id: nginx's ``X-Request-ID`` when a trusted
  proxy (``settings.TRUSTED_PROXIES``) sends one, else a fresh one. The id is in a context
  variable, so every log line written while the request runs carries it (``RequestIdFilter``),
  also from the thread a sync view runs in (asgiref copies the context). One log line per
  request (logger ``rakor.request``) names the route, never the path: portal paths are secrets.
- A request that waited ``DB_POOL_TIMEOUT`` seconds for a pooled connection is answered 503 with
  ``Retry-After`` (scanners and browsers try again) instead of a 500, and logged as a warning.
- ``JsonFormatter``: one JSON object per line, the fields a log collector indexes.
- ``init_sentry()``: Sentry (or a compatible service) when ``SENTRY_DSN`` is set.

The middleware is sync and async without a thread hop: it does no I/O.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse

from .net import is_trusted_proxy

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("rakor_request_id", default="-")
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
request_log = logging.getLogger("rakor.request")
log = logging.getLogger("rakor.observability")


def current_request_id() -> str:
    return request_id_var.get()


def request_id_for(request) -> str:
    """nginx's id when a trusted proxy sends one (so its access log and ours agree), else a new one."""
    return request_id_from(request.META.get("HTTP_X_REQUEST_ID", ""), request.META.get("REMOTE_ADDR") or "")


def request_id_from(given: str, peer: str) -> str:
    """The rule of ``request_id_for`` from the header's value and the immediate peer (an ASGI scope has both)."""
    if given and _ACCEPTED_ID.match(given) and is_trusted_proxy(peer):
        return given
    return uuid.uuid4().hex


def log_request(method: str, route: str | None, view: str | None, status: int, started: float) -> None:
    """The one line per request (logger ``rakor.request``): Django's requests and those answered in front of it."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    request_log.info("%s %s %s", method, route or "-", status, extra={
        "method": method, "route": route, "view": view, "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1)})


def pool_exhausted(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what it wraps: Django re-raises psycopg's errors as its own) is a pool timeout."""
    try:
        from psycopg_pool import PoolTimeout
    except ImportError:  # pragma: no cover (SQLite-only installs)
        return False
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, PoolTimeout):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def pool_exhausted_response() -> HttpResponse:
    from django.utils.translation import gettext as _

    response = HttpResponse(_("Server sedang sibuk. Silakan coba lagi sebentar lagi."),
                            status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(settings.DB_POOL_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class RequestIdMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _start(self, request):
        rid = request_id_for(request)
        request.request_id = rid
        return rid, request_id_var.set(rid), time.perf_counter()

    @staticmethod
    def _finish(request, response, rid, token, started) -> None:
        if "X-Request-ID" not in response and request.META.get("HTTP_X_REQUEST_ID") != rid:
            response["X-Request-ID"] = rid  # behind nginx, nginx adds its own (the same id)
        match = getattr(request, "resolver_match", None)
        log_request(request.method, match.route if match else None, match.view_name if match else None,
                    response.status_code, started)
        request_id_var.reset(token)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        rid, token, started = self._start(request)
        response = self.get_response(request)
        self._finish(request, response, rid, token, started)
        return response

    async def __acall__(self, request):
        rid, token, started = self._start(request)
        response = await self.get_response(request)
        self._finish(request, response, rid, token, started)
        return response

    def process_exception(self, request, exception):
        if pool_exhausted(exception):
            log.warning("database pool exhausted after %ss: answered 503", settings.DB_POOL_TIMEOUT)
            return pool_exhausted_response()
        return None


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message", "asctime", "request_id", "color_message"}  # uvicorn's colour copy of the message


# Portal secrets are credentials: the path /t/<secret>/… and the socket's ?t=<secret> never reach a log
# (Django's "Internal Server Error: <path>", uvicorn's "WebSocket <path>" lines name them).
_SECRET = re.compile(r"(/t/|[?&]t=)[A-Za-z0-9_-]{16,}")


def scrub(text: str) -> str:
    return _SECRET.sub(r"\1…", text)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, extras, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, (int, float, bool, type(None))) else scrub(
                    value if isinstance(value, str) else repr(value))
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["exc"] = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
        elif record.stack_info:
            entry["stack"] = scrub(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_sentry() -> bool:
    """Sentry when SENTRY_DSN is set (Django, Celery and logging integrations); False otherwise."""
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN, environment=settings.SENTRY_ENVIRONMENT,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # portal links are credentials; names and NIPs stay here
    )
    return True
