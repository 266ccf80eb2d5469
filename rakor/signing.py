"""Signed ticket strings (DESIGN.md, "Tickets").

A ticket is ``RK1.<event-slug>.<public-id>.<signature>``: the signature is Ed25519
over ``RK1.<event-slug>.<public-id>`` by the event's key, base64url without padding.
Anyone holding the event's public key can tell a real ticket from a forged one
without a database.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TICKET_VERSION = "RK1"
MAX_TICKET_LENGTH = 200


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64e(private), _b64e(public)


_private_cache: dict[str, Ed25519PrivateKey] = {}
_public_cache: dict[str, Ed25519PublicKey] = {}


def _private(key_b64: str) -> Ed25519PrivateKey:
    key = _private_cache.get(key_b64)
    if key is None:
        key = _private_cache[key_b64] = Ed25519PrivateKey.from_private_bytes(_b64d(key_b64))
    return key


def _public(key_b64: str) -> Ed25519PublicKey:
    key = _public_cache.get(key_b64)
    if key is None:
        key = _public_cache[key_b64] = Ed25519PublicKey.from_public_bytes(_b64d(key_b64))
    return key


def sign_ticket(*, event_slug: str, public_id: str, signing_key: str) -> str:
    body = f"{TICKET_VERSION}.{event_slug}.{public_id}"
    return f"{body}.{_b64e(_private(signing_key).sign(body.encode()))}"


@dataclass(frozen=True)
class ParsedTicket:
    event_slug: str
    public_id: str
    body: str
    signature: bytes


class TicketFormatError(ValueError):
    pass


def parse_ticket(text: str) -> ParsedTicket:
    """Split a ticket string; raises TicketFormatError when it cannot be a ticket."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TICKET_LENGTH:
        raise TicketFormatError("length")
    parts = text.split(".")
    if len(parts) != 4 or parts[0] != TICKET_VERSION or not parts[1] or not parts[2]:
        raise TicketFormatError("layout")
    try:
        signature = _b64d(parts[3])
    except (binascii.Error, ValueError):
        raise TicketFormatError("signature encoding")
    if len(signature) != 64:
        raise TicketFormatError("signature length")
    return ParsedTicket(parts[1], parts[2], ".".join(parts[:3]), signature)


def verify_ticket(parsed: ParsedTicket, *, public_key: str) -> bool:
    try:
        _public(public_key).verify(parsed.signature, parsed.body.encode())
    except InvalidSignature:
        return False
    return True
