"""The one rule for "which address is this client": every limit that keys on an address uses it.

A request reaches Rakor from its immediate peer (``REMOTE_ADDR``, or the ASGI
scope's ``client``). Behind nginx or a load balancer that peer is the proxy, and
the client's own address is in ``X-Forwarded-For``, which each proxy extends with
the peer it saw: ``client, proxy1, proxy2``. Anyone can send that header, so:

- the header is believed only when the immediate peer is one of
  ``settings.TRUSTED_PROXIES`` (addresses or CIDR ranges; empty by default, so
  out of the box no header is believed and the peer is the client);
- the chain is read from the right, skipping trusted proxies; the first address
  that is not a trusted proxy is the client. Everything to its left was written
  by that client (or by proxies we do not know) and may be invented;
- ``X-Forwarded-Proto`` (http or https) is believed on the same condition
  (``TrustedProxyMiddleware``, so that ``request.is_secure()``, secure cookies and
  CSRF's origin check see the scheme the client used).

The same rule serves HTTP views (``client_ip``), Channels consumers
(``scope_client_ip``) and anything that only has the peer and the header
(``forwarded_client``). Uvicorn's own ``--proxy-headers`` (on by default for
127.0.0.1) may already have replaced the peer by the client: then the peer is not
a trusted proxy and the header is ignored here, which gives the same answer.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

UNKNOWN = "unknown"
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted_networks() -> tuple[_Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.7:51234"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(peer: str) -> bool:
    address = _address(peer or "")
    return address is not None and any(address in net for net in _trusted_networks())


def forwarded_client(peer: str, forwarded_for: str) -> str:
    """The client's address given the immediate peer and the X-Forwarded-For header ("" when absent)."""
    peer_address = _address(peer or "")
    if peer_address is None:
        return (peer or "").strip() or UNKNOWN
    networks = _trusted_networks()
    if not forwarded_for or not any(peer_address in net for net in networks):
        return str(peer_address)
    nearest = peer_address  # the closest hop we have seen and trust so far
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            # Not an address: written by someone we do not trust. The last trusted hop is what we know.
            return str(nearest)
        if not any(address in net for net in networks):
            return str(address)
        nearest = address
    # Every hop is a trusted proxy (a health check from inside, say): the left-most is the origin.
    return str(nearest)


def client_ip(request) -> str:
    """The client address of a Django request (see the module docstring)."""
    meta = request.META
    return forwarded_client(meta.get("REMOTE_ADDR") or "", meta.get("HTTP_X_FORWARDED_FOR", ""))


def _scope_header(scope, name: bytes) -> str:
    values = [value.decode("latin-1") for key, value in scope.get("headers") or () if key.lower() == name]
    return ",".join(values)


def scope_client_ip(scope) -> str:
    """The client address of an ASGI scope (a WebSocket handshake), by the same rule as ``client_ip``."""
    client = scope.get("client") or ()
    peer = str(client[0]) if client else ""
    return forwarded_client(peer, _scope_header(scope, b"x-forwarded-for"))


def forwarded_scheme(request) -> str | None:
    """"http" or "https" from X-Forwarded-Proto when the peer is a trusted proxy; else None."""
    if not is_trusted_proxy(request.META.get("REMOTE_ADDR") or ""):
        return None
    proto = request.META.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
    return proto if proto in ("http", "https") else None
