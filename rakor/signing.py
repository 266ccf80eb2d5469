"""Signed ticket strings (DESIGN.md, "Tickets").

A ticket is ``RK1.<event-slug>.<public-id>.<signature>``: the signature is Ed25519
over ``RK1.<event-slug>.<public-id>`` by the event's key, base64url without padding.
Anyone holding the event's public key can tell a real ticket from a forged one
without a database. Only the canonical base64url of a signature is accepted (no padding,
no set trailing bits, nothing outside the alphabet), here and in the scanner's
``static/rakor/scanner/ticket.js``: one ticket has one spelling.

The event's private key is kept sealed (encrypted at rest): ``Event.signing_key`` holds
a Fernet token of the raw key under ``settings.TICKET_KEY_ENCRYPTION_KEYS`` (the first
key seals, every key opens; ``manage.py rotate_ticket_keys`` re-seals all under the
first). A database dump alone holds no usable private key.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext as _

TICKET_VERSION = "RK1"
MAX_TICKET_LENGTH = 200


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64d(text: str) -> bytes:
    """Canonical unpadded base64url only: what ``_b64e`` writes and nothing else decodes (ValueError)."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64e(raw) != text:  # trailing bits set: another spelling of the same bytes
        raise ValueError("not canonical base64url")
    return raw


class SigningKeyError(RuntimeError):
    """An event's sealed signing key cannot be opened with the configured keys; the message says what to do."""


def _sealer() -> MultiFernet:
    keys = settings.TICKET_KEY_ENCRYPTION_KEYS
    if not keys:
        raise SigningKeyError(_("TICKET_KEY_ENCRYPTION_KEYS kosong."))
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError, binascii.Error):
        raise SigningKeyError(_("TICKET_KEY_ENCRYPTION_KEYS: setiap kunci harus kunci Fernet (32 bita dalam "
                                "base64 urlsafe, dari Fernet.generate_key()).")) from None


def seal_private_key(private_b64: str) -> str:
    """The raw private key (base64url) sealed under the first of TICKET_KEY_ENCRYPTION_KEYS."""
    return _sealer().encrypt(_b64d(private_b64)).decode()


def open_private_key(sealed: str) -> bytes:
    """The raw private key inside a sealed one; SigningKeyError when no configured key opens it."""
    try:
        return _sealer().decrypt(sealed.encode())
    except InvalidToken:
        raise SigningKeyError(_(
            "Kunci penanda tangan tiket acara tidak dapat dibuka dengan kunci mana pun di TICKET_KEY_ENCRYPTION_KEYS "
            "(bila kosong: diturunkan dari SECRET_KEY dan SECRET_KEY_FALLBACKS). Kembalikan kunci yang dipakai "
            "menyegelnya (sesudah kunci yang baru), lalu jalankan `manage.py rotate_ticket_keys`.")) from None


def reseal_private_key(sealed: str) -> str:
    """The same private key sealed under the first configured key (rotation); SigningKeyError as above."""
    try:
        return _sealer().rotate(sealed.encode()).decode()
    except InvalidToken:
        open_private_key(sealed)  # raises the explanation
        raise


def generate_keypair() -> tuple[str, str]:
    """A new Ed25519 pair: (raw private key, public key), base64url; the private one still to be sealed."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _b64e(private), _b64e(public)


def generate_sealed_keypair() -> tuple[str, str]:
    """A new event's (sealed private key, public key)."""
    private, public = generate_keypair()
    return seal_private_key(private), public


_private_cache: dict[str, Ed25519PrivateKey] = {}
_public_cache: dict[str, Ed25519PublicKey] = {}


def _private(sealed: str) -> Ed25519PrivateKey:
    key = _private_cache.get(sealed)
    if key is None:
        key = _private_cache[sealed] = Ed25519PrivateKey.from_private_bytes(open_private_key(sealed))
    return key


def _public(key_b64: str) -> Ed25519PublicKey:
    key = _public_cache.get(key_b64)
    if key is None:
        key = _public_cache[key_b64] = Ed25519PublicKey.from_public_bytes(_b64d(key_b64))
    return key


def sign_ticket(*, event_slug: str, public_id: str, signing_key: str) -> str:
    """The ticket string; ``signing_key`` is the event's sealed key (``Event.signing_key``)."""
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


def sealed_under_first_key(sealed: str) -> bool:
    """Whether the first of TICKET_KEY_ENCRYPTION_KEYS alone opens ``sealed`` (rotation finished for it)."""
    try:
        Fernet(settings.TICKET_KEY_ENCRYPTION_KEYS[0]).decrypt(sealed.encode())
    except (InvalidToken, IndexError, ValueError):
        return False
    return True
