"""The stored letter of one unit (made once, signed, kept through the storage API) and its sending record."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from . import documents
from .models import UnitLetter


def unit_letter_pdf(letter: UnitLetter) -> bytes:
    """The unit's signed letter: made and stored (through the storage API) the first time, read afterwards.

    Made once, so every download and e-mail of it carries the same bytes and signature.
    """
    if letter.pdf:
        with default_storage.open(letter.pdf.name, "rb") as fh:
            return fh.read()
    invitation = letter.invitation
    data = documents.letter_pdf(invitation, letter.unit)
    with transaction.atomic():
        locked = UnitLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.pdf:  # made by another request meanwhile: theirs is the letter
            with default_storage.open(locked.pdf.name, "rb") as fh:
                return fh.read()
        locked.pdf.save(f"{invitation.event.slug}-{letter.unit.code}-{letter.token[:12]}.pdf", ContentFile(data),
                        save=False)
        locked.pdf_sha256 = hashlib.sha256(data).hexdigest()
        locked.save(update_fields=["pdf", "pdf_sha256"])
        letter.pdf, letter.pdf_sha256 = locked.pdf, locked.pdf_sha256
    return data


def unit_letter_mark_sent(*, letter: UnitLetter, recipients: list[str], reminder: bool) -> None:
    fields = {"sent_to": ", ".join(recipients)}
    if not reminder or letter.sent_at is None:
        fields["sent_at"] = timezone.now()
    UnitLetter.objects.filter(pk=letter.pk).update(**fields)


