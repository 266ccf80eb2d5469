"""The guess limit for portal secrets (``/t/<secret>/…`` pages, join links, heartbeats, and the
session socket's ``?t=``).

Why a limit at all, and why it never refuses a correct secret
-------------------------------------------------------------

A portal secret has 192 random bits. Someone who tries a million secrets a
second for a hundred years has tried about 2**62 of them and has a chance of
about 2**-130 of hitting any one of 250,000 registrations: guessing is hopeless,
whatever we do. So the limit is not what keeps the secrets safe, and refusing a
*correct* secret protects nothing. It did harm: the old rule (every ``/t/``
request of an address with 20 misses got 429 for ten minutes) let one person
behind a venue's NAT, a ministry's proxy or a mobile carrier's CGNAT lock out
everyone behind that address, with their own correct links. Letting the right
secret through does tell a blocked guesser which guess was right (200 versus
429), but so does the 200-versus-404 of an unblocked one; at 2**-130 there is
nothing to hide.

What the limit is for is making trying at scale expensive for the guesser and
cheap for us, and visible:

- a correct secret is always served and never counted (its page or join does
  not even touch the counter, so the join storm and a Redis outage do not slow it);
- every unknown secret counts one miss for the client's address
  (``rakor.net.client_ip``: the real client behind trusted proxies, never a
  header the client controls), in a fixed window of ``PORTAL_GUESS_WINDOW``
  seconds that starts with the first miss;
- past ``PORTAL_GUESS_LIMIT`` misses in the window, an unknown secret from that
  address gets a 429 with ``Retry-After`` instead of the 404 page: a
  well-behaved client backs off, and the address is logged once per window
  (logger ``rakor.security``). Telling a correct
  secret from an unknown one takes one probe of a unique index either way, so a
  blocked guesser costs us that probe and nothing more; a guesser who wants more
  tries needs more addresses, and each new one is logged;
- the session socket (``agenda.consumers``, through attendance.online.selectors.session_socket_check) counts a wrong ``?t=`` through
  these same functions and closes a blocked address's unknown secret with 4429.

The counter lives in the default cache, shared by every worker when it is Redis
(and kept per process while Redis is away: ``rakor.cache``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("rakor.security")

_PREFIX = "rakor:portal-guess:"


def _key(address: str) -> str:
    return f"{_PREFIX}{address}"


def portal_guess_blocked(address: str) -> bool:
    """True when this address has used up its misses for the current window."""
    return cache.get(_key(address), 0) >= settings.PORTAL_GUESS_LIMIT


def portal_guess_record_miss(address: str) -> bool:
    """Count one unknown secret from ``address``; True when the address is now past its limit (answer 429).

    The miss that uses up the limit is still answered as an ordinary miss; the ones after it are refused.
    """
    key = _key(address)
    # add() only sets when absent, so the window is fixed from the first miss.
    cache.add(key, 0, timeout=settings.PORTAL_GUESS_WINDOW)
    try:
        misses = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.PORTAL_GUESS_WINDOW)
        misses = 1
    if misses == settings.PORTAL_GUESS_LIMIT:
        log.warning("portal guesses: %s reached %d unknown portal secrets in %d s; further unknown ones get 429",
                    address, misses, settings.PORTAL_GUESS_WINDOW)
    return misses > settings.PORTAL_GUESS_LIMIT


def portal_guess_reset(address: str) -> None:
    """Forget an address's misses (tests, or an organiser clearing a venue's shared address)."""
    cache.delete(_key(address))


# ---------------------------------------------------------------- fixed-window counters for public forms

_FORM_PREFIX = "rakor:form-limit:"


def form_limit_hit(name: str, key: str, *, limit: int, window: int) -> bool:
    """Count one request of a public form (``name``) for ``key`` (an address, a person); True when past ``limit``
    within the fixed ``window`` seconds that started with the first request (the same counter as portal guesses,
    in the default cache)."""
    cache_key = f"{_FORM_PREFIX}{name}:{key}"
    cache.add(cache_key, 0, timeout=window)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=window)
        hits = 1
    if hits == limit + 1:
        log.warning("%s: %s passed %d requests in %d s; further ones are refused", name, key, limit, window)
    return hits > limit
