"""Security headers on every response: the Content-Security-Policy and Permissions-Policy.

Django's ``SecurityMiddleware`` already sends ``X-Content-Type-Options``, ``Referrer-Policy`` and
``Cross-Origin-Opener-Policy`` (settings ``SECURE_*``) and ``XFrameOptionsMiddleware`` sends
``X-Frame-Options``; this middleware adds what Django 5.2 has no setting for:

- ``Content-Security-Policy`` from ``settings.CONTENT_SECURITY_POLICY`` through django-csp (a view
  widens or narrows it with ``csp.decorators.csp_update`` / ``csp_replace``);
- ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` (a view that needs a feature, the
  scanner's camera, says so with ``permissions_policy_update`` below).

The participant portal's stricter Referrer-Policy (its URLs are credentials) is set with its other
private headers by ``rakor.access.private_response``.

It does no I/O, so under ASGI it runs in the event loop: django-csp's own middleware, a
``MiddlewareMixin``, would run both halves in a worker thread (two thread hops per request).
"""

from __future__ import annotations

import functools
from functools import wraps

from csp.constants import HEADER as CSP_HEADER
from csp.decorators import csp_replace
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# A session's live stream is embedded from YouTube's privacy-enhanced player
# (agenda.selectors.youtube_embed_url): the pages that show it, the portal's agenda and the stream
# page, may frame that origin and nothing else; every other page frames nothing (frame-src 'none').
STREAM_EMBED_ORIGIN = "https://www.youtube-nocookie.com"
allow_stream_embed = csp_replace({"frame-src": [STREAM_EMBED_ORIGIN]})


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": ["self"], "usb": []}`` → ``camera=(self), usb=()`` (origins quoted, keywords not)."""
    def member(value: str) -> str:
        return value if value in ("self", "*", "src") else f'"{value}"'

    return ", ".join(f"{feature}=({' '.join(member(v) for v in allow)})" for feature, allow in policy.items())


def permissions_policy_update(features: dict[str, list[str]]):
    """View decorator: allow ``features`` on this view's responses (the rest of the policy stays)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            response = view(*args, **kwargs)
            response._permissions_policy = {**settings.PERMISSIONS_POLICY, **features}
            return response
        return wrapped
    return decorator


@functools.cache
def _site_headers() -> tuple[str, str]:
    """The site's CSP and Permissions-Policy as no view changed them, built once (settings changes clear it)."""
    return build_policy(), permissions_policy_header(settings.PERMISSIONS_POLICY)


def site_security_headers() -> dict[str, str]:
    """The security headers the middleware stack gives a response no view changed (an answer served in front of
    Django, attendance.online.fastpath, sends these): this middleware's CSP and Permissions-Policy, and
    SecurityMiddleware's and XFrameOptionsMiddleware's (HSTS aside: it depends on the request)."""
    csp, permissions = _site_headers()
    headers = {CSP_HEADER: csp, "Permissions-Policy": permissions}
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers["X-Content-Type-Options"] = "nosniff"
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        headers["Referrer-Policy"] = policy if isinstance(policy, str) else ",".join(policy)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
    return headers


@receiver(setting_changed)
def _forget_site_headers(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "PERMISSIONS_POLICY"):
        _site_headers.cache_clear()


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's CSPMiddleware plus Permissions-Policy, run inline under ASGI.

    A response no view decorated and whose page used no nonce gets the site's policy built once:
    django-csp builds it anew for every response (measured: about 50 µs of CPU per request, against
    8 µs this way, where a plain request costs about 600 µs). Everything else goes through django-csp.
    """

    _VIEW_CHANGES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    async def __acall__(self, request):
        self.process_request(request)
        response = await self.get_response(request)
        return self.process_response(request, response)

    def _site_policy_applies(self, request, response) -> bool:
        return (getattr(request, "_csp_nonce", None) is None
                and not any(hasattr(response, name) for name in self._VIEW_CHANGES)
                and not settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
                and not settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES")
                and not (settings.DEBUG and response.status_code in (404, 500)))  # django-csp leaves debug pages

    def process_response(self, request, response):
        site_csp, site_permissions = _site_headers()
        if self._site_policy_applies(request, response):
            response.headers.setdefault(CSP_HEADER, site_csp)
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        else:
            response = super().process_response(request, response)
        policy = getattr(response, "_permissions_policy", None)
        response.headers.setdefault("Permissions-Policy",
                                    permissions_policy_header(policy) if policy else site_permissions)
        return response
