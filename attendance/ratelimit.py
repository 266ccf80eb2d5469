"""Rate limit for guessed portal links (``/t/<secret>/``).

A portal secret has 192 random bits, so guessing one is hopeless; the limit is
there so that nobody can even try at scale, and so that a leaked log of misses
shows an IP that stopped early.

Policy (fixed window, per client IP, in the Django cache so that every worker
shares it when the cache is Redis):

- every unknown secret counts one miss; the window starts at the first miss and
  lasts ``settings.PORTAL_GUESS_WINDOW`` seconds;
- once an IP has ``settings.PORTAL_GUESS_LIMIT`` misses in its window, *every*
  ``/t/`` request from it gets 429 until the window ends, even with a correct
  secret. Letting a correct secret through during the block would tell a guesser
  which guess was right (200 versus 429), which is exactly what the block hides.

The client IP is ``REMOTE_ADDR``: behind a reverse proxy, the proxy must set it
(e.g. uvicorn ``--proxy-headers --forwarded-allow-ips``), never a header the
client controls.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

_PREFIX = "rakor:portal-guess:"


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def _key(ip: str) -> str:
    return f"{_PREFIX}{ip}"


def portal_guess_blocked(request) -> bool:
    """True when this client has used up its misses for the current window."""
    misses = cache.get(_key(client_ip(request)), 0)
    return misses >= settings.PORTAL_GUESS_LIMIT


def portal_guess_record_miss(request) -> int:
    """Count one unknown secret for this client; returns the misses in the window so far."""
    key = _key(client_ip(request))
    # add() only sets when absent, so the window is fixed from the first miss.
    cache.add(key, 0, timeout=settings.PORTAL_GUESS_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.PORTAL_GUESS_WINDOW)
        return 1


def portal_guess_reset(request) -> None:
    """Forget a client's misses (tests, or an organiser unblocking a venue's shared IP)."""
    cache.delete(_key(client_ip(request)))
