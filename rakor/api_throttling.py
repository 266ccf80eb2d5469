"""The API's default throttles (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]).

A module of its own: DRF's APIView reads these settings when it is defined, so this
module must not import rest_framework.views (nor anything that does).

A view that must run at other rates says so itself with ``throttle_classes``: the check-in
API and the scanner's endpoints (attendance.api.checkins, attendance.api.scanner) set none,
the desk search its own. A scanner device's token is accepted on those views only.
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from rakor.net import client_ip


class AnonThrottle(AnonRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] per client IP."""

    def get_ident(self, request):
        # DRF's own believes any X-Forwarded-For: a client could name a new address per request.
        return client_ip(request)


class UserThrottle(UserRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] per account."""

    def get_ident(self, request):
        return client_ip(request)
