"""Prometheus metrics at ``/metrics`` (issue 14, item 7).

- Requests and latency: django-prometheus's middlewares (``django_http_*``), wrapped here so that
  under ASGI they run in the event loop: its MiddlewareMixin would hop to a thread and back twice
  per request for a few counter increments (the project measured such hops at half a small
  request's CPU; see servestatic in settings).
- Rakor's own, read when scraped (cheap: two grouped counts and a few LLENs):
  ``rakor_checkins_total{result}`` and ``rakor_online_joins_total`` (what PostgreSQL holds, so every
  node reports the same and nothing is lost on a restart), ``rakor_celery_queue_length{queue}``,
  ``rakor_beat_last_tick_age_seconds``; and ``rakor_websockets_open`` (live session sockets of this
  process, summed over the node's processes in multiprocess mode).
- Several uvicorn workers per node: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory per
  node (prometheus_client's multiprocess mode) and every scrape sees the whole node.

Who may read it: a client on this machine or in ``TRUSTED_PROXIES`` (``rakor.net.client_ip``), or one
sending ``Authorization: Bearer <METRICS_TOKEN>``; anyone else gets 404 (and nginx never forwards it).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus import middleware as dp
import prometheus_client
from prometheus_client import CollectorRegistry, Gauge
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from .net import client_ip, is_trusted_proxy

log = logging.getLogger("rakor.metrics")

websockets_open = Gauge("rakor_websockets_open", "Open live-session WebSockets (participant portals, agenda).",
                        multiprocess_mode="livesum")


class PrometheusBeforeMiddleware(dp.PrometheusBeforeMiddleware):
    async def __acall__(self, request):  # no thread hop: process_* only count
        response = self.process_request(request)
        response = response or await self.get_response(request)
        return self.process_response(request, response)


class PrometheusAfterMiddleware(dp.PrometheusAfterMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        if iscoroutinefunction(get_response):
            # Django wraps a sync process_view in sync_to_async (a thread hop) in async mode.
            sync_view = super().process_view

            async def process_view(request, view_func, view_args, view_kwargs):
                return sync_view(request, view_func, view_args, view_kwargs)

            self.process_view = process_view

    async def __acall__(self, request):
        response = self.process_request(request)
        response = response or await self.get_response(request)
        return self.process_response(request, response)


def _queue_names() -> list[str]:
    configured = getattr(settings, "CELERY_TASK_QUEUES", None) or ()
    if isinstance(configured, dict):
        names = list(configured)
    else:
        names = [getattr(q, "name", q) for q in configured]
    return sorted({str(n) for n in names} | {getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")})


class RakorCollector:
    """Values read at scrape time; each family is skipped (and logged) when its source is away."""

    def describe(self):
        """The families without values: registering the collector reads nothing."""
        yield CounterMetricFamily("rakor_checkins", "", labels=["result"])
        yield CounterMetricFamily("rakor_online_joins", "")
        yield GaugeMetricFamily("rakor_celery_queue_length", "", labels=["queue"])
        yield GaugeMetricFamily("rakor_beat_last_tick_age_seconds", "")

    def collect(self):
        from django.apps import apps
        from django.db.models import Count

        try:
            checkin = apps.get_model("attendance", "CheckIn")
            family = CounterMetricFamily("rakor_checkins", "Check-ins stored (door, sessions, online), by result.",
                                         labels=["result"])
            for row in checkin.objects.order_by().values("result").annotate(n=Count("id")):
                family.add_metric([row["result"]], row["n"])
            yield family
            online = next((m for m in apps.get_models() if m.__name__ == "OnlineAttendance"), None)
            if online is not None:
                joins = CounterMetricFamily("rakor_online_joins", "Online attendances with a first join.")
                joins.add_metric([], online.objects.filter(first_joined_at__isnull=False).count())
                yield joins
        except Exception:  # noqa: BLE001 (a scrape must not fail because the database is away)
            log.warning("metrics: database counts unavailable", exc_info=True)
        if settings.REDIS_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
            try:
                import redis

                client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=0.5,
                                              socket_connect_timeout=0.5)
                queues = GaugeMetricFamily("rakor_celery_queue_length", "Tasks waiting in each Celery queue.",
                                           labels=["queue"])
                for name in _queue_names():
                    queues.add_metric([name], client.llen(name))
                client.close()
                yield queues
            except Exception:  # noqa: BLE001
                log.warning("metrics: Celery queue lengths unavailable", exc_info=True)
        from .ops import beat_last_tick

        tick = beat_last_tick()
        if tick is not None:
            age = GaugeMetricFamily("rakor_beat_last_tick_age_seconds", "Seconds since Celery beat last ticked.")
            age.add_metric([], max(0.0, time.time() - tick.timestamp()))
            yield age


_collector = RakorCollector()
prometheus_client.REGISTRY.register(_collector)


def _registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_collector)
        return registry
    return prometheus_client.REGISTRY


def metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    client = client_ip(request)
    try:
        if ipaddress.ip_address(client).is_loopback:
            return True
    except ValueError:
        return False
    return is_trusted_proxy(client)


@never_cache
@require_GET
def metrics_view(request):
    if not metrics_allowed(request):
        raise Http404
    body = prometheus_client.generate_latest(_registry())
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)


_answered_children: dict[tuple, tuple] = {}


def count_answered_in_front(view: str, method: str, transport: str, status: int, *, charset: str = "utf-8",
                            request_bytes: int = 0, response_bytes: int = 0, seconds: float = 0.0) -> None:
    """Count a request answered before Django (attendance.online.fastpath) as django-prometheus's two middlewares
    count one Django answers: the same families and labels (``view`` is the URL name, e.g. ``sessions_join:join``),
    so a dashboard's sums and latencies include it. The labelled children are kept per label set (a few)."""
    m = dp.Metrics.get_instance()
    key = (view, method, transport, status, charset)
    children = _answered_children.get(key)
    if children is None:
        code = str(status)
        children = _answered_children[key] = (
            m.requests_by_method.labels(method=method), m.requests_by_transport.labels(transport=transport),
            m.requests_by_view_transport_method.labels(view=view, transport=transport, method=method),
            m.responses_by_status.labels(status=code),
            m.responses_by_status_view_method.labels(status=code, view=view, method=method),
            m.responses_by_charset.labels(charset=charset),
            m.requests_latency_by_view_method.labels(view=view, method=method))
    by_method, by_transport, by_view, by_status, by_status_view, by_charset, latency = children
    m.requests_total.inc()
    by_method.inc()
    by_transport.inc()
    m.requests_body_bytes.observe(request_bytes)
    by_view.inc()
    by_status.inc()
    by_status_view.inc()
    by_charset.inc()
    m.responses_body_bytes.observe(response_bytes)
    latency.observe(seconds)
    m.responses_total.inc()
    m.requests_latency_before.observe(seconds)
