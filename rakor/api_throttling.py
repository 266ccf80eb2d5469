"""The API's throttles (REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]).

A module of its own: DRF's APIView reads these settings when it is defined, so this
module must not import rest_framework.views (nor anything that does).
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

# ---------------------------------------------------------------- throttling

# The check-in API and the scanner's endpoints run at scanner rates (a desk every few
# seconds, a burst when a queue clears, a batch after a network cut): never throttled.
THROTTLE_EXEMPT_MODULES = frozenset({"attendance.api", "attendance.api_scanner"})


def _exempt(request, view) -> bool:
    if type(view).__module__ in THROTTLE_EXEMPT_MODULES:
        return True
    from attendance.authentication import DeviceUser

    return isinstance(getattr(request, "user", None), DeviceUser)


class AnonThrottle(AnonRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"] per client IP, scanner endpoints exempt."""

    def allow_request(self, request, view):
        if _exempt(request, view):
            return True
        return super().allow_request(request, view)


class UserThrottle(UserRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] per account, scanner endpoints exempt."""

    def allow_request(self, request, view):
        if _exempt(request, view):
            return True
        return super().allow_request(request, view)
