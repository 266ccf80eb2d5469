"""The polling fallback of the portal's live status (for networks that block WebSockets).

``GET /e/<event>/sessions/status.json`` answers what the socket's snapshot carries:
each session's public data (id, status, times; never a meeting URL). It holds no
personal data, so shared caches may keep it a few seconds, and an ETag lets a
polling page get a 304 when nothing changed. The body is built once per change of the
event's sessions (the agenda version) and served from the cache.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_http_methods

from rakor.models import Event

from .consumers import event_sessions_public
from .selectors import agenda_version

MAX_AGE = 5  # seconds: how stale a polling page may be, far below its 20 s interval
BODY_SECONDS = 300  # the cached body is keyed by the agenda version (agenda.selectors), bumped on every change


def _event_id(slug: str) -> int | None:
    key = f"rakor:event-id:{slug}"
    event_id = cache.get(key)
    if event_id is None:
        event_id = Event.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if event_id is None:
            return None
        cache.set(key, event_id, BODY_SECONDS)
    return event_id


def _status_body(slug: str) -> tuple[bytes, str] | None:
    """(body, ETag), cached under the event's agenda version: a session going live is seen at once."""
    event_id = _event_id(slug)
    if event_id is None:
        return None
    key = f"sessions-status:{event_id}:{agenda_version(event_id)}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    body = json.dumps({"sessions": event_sessions_public(event_id)}, separators=(",", ":")).encode()
    value = (body, '"%s"' % hashlib.sha256(body).hexdigest()[:32])
    # Thousands of phones poll at once behind a blocked network: one query per agenda change.
    cache.set(key, value, BODY_SECONDS)
    return value


@require_http_methods(["GET", "HEAD"])
def sessions_status(request, event: str):
    found = _status_body(event)
    if found is None:
        raise Http404
    body, etag = found
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
