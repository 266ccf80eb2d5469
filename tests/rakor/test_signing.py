"""Ticket signing (issue 19): each event's private key sealed at rest and rotatable; one spelling per signature."""

import base64
import importlib
import io

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from rakor import signing
from rakor.models import AuditEntry, Event
from rakor.signing import SigningKeyError, parse_ticket, sign_ticket, verify_ticket
from tests.factories import EventFactory, RegistrationFactory

OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
CANNOT_OPEN = (
    "Kunci penanda tangan tiket acara tidak dapat dibuka dengan kunci mana pun di TICKET_KEY_ENCRYPTION_KEYS "
    "(bila kosong: diturunkan dari SECRET_KEY dan SECRET_KEY_FALLBACKS). Kembalikan kunci yang dipakai "
    "menyegelnya (sesudah kunci yang baru), lalu jalankan `manage.py rotate_ticket_keys`.")


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    signing._private_cache.clear()
    yield
    signing._private_cache.clear()


def stored_signing_key(event) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_key FROM rakor_event WHERE id = %s", [event.pk])
        return cursor.fetchone()[0]


def spellings(raw: bytes) -> list[bytes]:
    return [raw, raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw),
            base64.urlsafe_b64encode(raw).rstrip(b"=")]


# ---------------------------------------------------------------- sealed at rest


@pytest.mark.django_db
def test_the_database_row_holds_no_usable_private_key(settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = [OLD]
    event = EventFactory()
    registration = RegistrationFactory(event=event)
    stored = stored_signing_key(event)
    raw = signing.open_private_key(stored)

    # The row is a Fernet token; the private key is in it in no spelling, and the row itself is no key.
    assert stored.startswith("gAAAAA") and len(stored) > 100
    assert not any(spelling in stored.encode() for spelling in spellings(raw))
    with pytest.raises(ValueError):
        Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4)))
    # What it seals is the key the public key belongs to: tickets verify.
    assert verify_ticket(parse_ticket(registration.ticket), public_key=event.public_key) is True


@pytest.mark.django_db
def test_a_ticket_signed_before_rotation_still_verifies_after_it(settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = [OLD]
    event = EventFactory(slug="rakorwas-2022")
    registration = RegistrationFactory(event=event)
    before_rotation = registration.ticket
    sealed_before = stored_signing_key(event)

    settings.TICKET_KEY_ENCRYPTION_KEYS = [NEW, OLD]
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("rotate_ticket_keys", "--check")
    assert str(exc.value) == "Belum disegel dengan kunci pertama: rakorwas-2022. Jalankan rotate_ticket_keys."
    call_command("rotate_ticket_keys", stdout=out)
    assert out.getvalue() == "1 kunci acara disegel ulang dengan kunci pertama TICKET_KEY_ENCRYPTION_KEYS.\n"
    out = io.StringIO()
    call_command("rotate_ticket_keys", "--check", stdout=out)
    assert out.getvalue() == "Semua kunci acara disegel dengan kunci pertama; kunci lama boleh dihapus.\n"
    assert stored_signing_key(event) != sealed_before
    assert AuditEntry.objects.get(action="signing_key_reseal").object_id == str(event.pk)

    # The old key dropped: the new one alone opens the key, which signs as before (Ed25519 is deterministic).
    settings.TICKET_KEY_ENCRYPTION_KEYS = [NEW]
    signing._private_cache.clear()
    registration = type(registration).objects.get(pk=registration.pk)
    assert registration.ticket == before_rotation
    assert verify_ticket(parse_ticket(before_rotation), public_key=Event.objects.get().public_key) is True


@pytest.mark.django_db
def test_a_wrong_key_gives_a_clear_error_and_rotation_changes_nothing(settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = [OLD]
    event = EventFactory(slug="rakorwas-2022")
    sealed = stored_signing_key(event)

    settings.TICKET_KEY_ENCRYPTION_KEYS = [OTHER]
    with pytest.raises(SigningKeyError) as exc:
        sign_ticket(event_slug=event.slug, public_id="ABCDEFGHJK", signing_key=event.signing_key)
    assert str(exc.value) == CANNOT_OPEN
    with pytest.raises(CommandError) as exc:
        call_command("rotate_ticket_keys")
    assert str(exc.value) == f"Acara rakorwas-2022: {CANNOT_OPEN}"
    assert stored_signing_key(event) == sealed
    assert not AuditEntry.objects.filter(action="signing_key_reseal").exists()


def test_a_key_that_is_no_fernet_key_is_named(settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = ["bukan-kunci"]
    with pytest.raises(SigningKeyError) as exc:
        signing.seal_private_key(signing.generate_keypair()[0])
    assert str(exc.value) == ("TICKET_KEY_ENCRYPTION_KEYS: setiap kunci harus kunci Fernet (32 bita dalam base64 "
                              "urlsafe, dari Fernet.generate_key()).")


def test_unset_the_keys_come_from_secret_key_and_its_fallbacks(settings):
    """Several app nodes sharing SECRET_KEY agree; after a SECRET_KEY rotation the old one still opens."""
    from rakor.settings import _derived_key

    settings.TICKET_KEY_ENCRYPTION_KEYS = [_derived_key("ticket-keys", "lama")]
    sealed = signing.seal_private_key(signing.generate_keypair()[0])
    settings.TICKET_KEY_ENCRYPTION_KEYS = [_derived_key("ticket-keys", "baru"), _derived_key("ticket-keys", "lama")]
    assert len(signing.open_private_key(sealed)) == 32
    assert signing.sealed_under_first_key(signing.reseal_private_key(sealed)) is True


@pytest.mark.django_db
def test_the_migration_seals_the_keys_stored_in_plain_text_and_unseals_them_back(settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = [OLD]
    migration = importlib.import_module("rakor.migrations.0004_seal_ticket_signing_keys")
    private, public = signing.generate_keypair()
    event = EventFactory()
    Event.objects.filter(pk=event.pk).update(signing_key=private, public_key=public)

    migration.seal(apps, None)

    stored = stored_signing_key(event)
    assert signing.open_private_key(stored) == base64.urlsafe_b64decode(private + "=")
    migration.seal(apps, None)  # again: nothing sealed twice
    assert stored_signing_key(event) == stored
    ticket = sign_ticket(event_slug=event.slug, public_id="ABCDEFGHJK", signing_key=stored)
    assert verify_ticket(parse_ticket(ticket), public_key=public) is True
    migration.unseal(apps, None)
    assert stored_signing_key(event) == private


# ---------------------------------------------------------------- one spelling per signature


def mutated_tickets(ticket: str) -> dict[str, str]:
    """Other spellings of the same signature bytes, which a lenient base64 decoder accepts."""
    body, signature = ticket.rsplit(".", 1)
    last = ALPHABET.index(signature[-1])
    assert len(signature) == 86 and last % 16 == 0  # 512 bits: the last character's low 4 bits are 0
    return {
        "padding =": f"{body}.{signature}=",
        "padding ==": f"{body}.{signature}==",
        "padding ===": f"{body}.{signature}===",
        "trailing bit 1": f"{body}.{signature[:-1]}{ALPHABET[last + 1]}",
        "trailing bits 15": f"{body}.{signature[:-1]}{ALPHABET[last + 15]}",
        "standard alphabet": f"{body}.{signature.replace('-', '+').replace('_', '/')}",
        "space inside": f"{body}.{signature[:43]} {signature[43:]}",
        "padding inside": f"{body}.{signature[:43]}={signature[43:]}",
    }


def signed_ticket_with_both_url_safe_characters() -> tuple[str, str]:
    """(ticket, public key) whose signature holds '-' and '_' (so the standard-alphabet spelling differs)."""
    private, public = signing.generate_keypair()
    key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(private + "="))
    for n in range(1000):
        body = f"RK1.rakorwas-2022.PID{n:07d}"
        signature = signing._b64e(key.sign(body.encode()))
        if "-" in signature and "_" in signature:
            return f"{body}.{signature}", public
    raise AssertionError("no signature with both characters")


def python_accepts(ticket: str, public_key: str) -> bool:
    try:
        return verify_ticket(parse_ticket(ticket), public_key=public_key)
    except signing.TicketFormatError:
        return False


def test_only_the_canonical_spelling_of_a_signature_verifies():
    ticket, public_key = signed_ticket_with_both_url_safe_characters()
    assert python_accepts(ticket, public_key) is True
    # Before: every one but the last two verified.
    assert {name: python_accepts(text, public_key) for name, text in mutated_tickets(ticket).items()} == {
        name: False for name in mutated_tickets(ticket)}


def test_a_ticket_with_whitespace_around_it_still_verifies():
    """A handheld scanner ends with Enter; a pasted ticket may carry spaces. Around it, not inside."""
    ticket, public_key = signed_ticket_with_both_url_safe_characters()
    assert python_accepts(f"  {ticket}\n", public_key) is True
