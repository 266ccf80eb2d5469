"""Writes: the invitation, its number, its letters to the units, reminders, surat tugas, erasure.

Numbers: ``invitation_issue`` takes the invitation's one letter number inside one transaction,
with the secretariat's ``LetterSequence`` row for the code and year locked (``select_for_update``;
on SQLite the write transaction is IMMEDIATE, which serialises writers). A rolled-back issue
returns nothing to the run, so numbers are unique and gapless; issuing twice changes nothing.

E-mails go through the Celery ``email`` queue (``tasks.send_unit_letter``), queued with
``transaction.on_commit``: a rolled-back send sends nothing.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.numbering import format_number
from rakor import audit
from rakor.uploads import human_size

from .mail import send_unit_letter
from .models import Invitation, InvitedGroup, LetterSequence, SuratTugas, UnitLetter
from .selectors import invited_units

INVITATION_FIELDS = ("letterhead", "number_pattern", "sequence_code", "letter_date", "nature", "subject", "body",
                     "closing", "place", "signatory_name", "signatory_position", "signatory_nip", "copies_to")
GROUP_FIELDS = ("unit_kind", "positions", "mode", "seats")


class InvitationLocked(ValidationError):
    pass


def invitation_save(*, event, data: dict, groups: list[dict], by) -> Invitation:
    """Create or change the event's invitation and replace its lampiran. Refused once issued (the letter is numbered)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(event=event).first()
        if invitation is not None and invitation.issued:
            raise InvitationLocked(_("Undangan sudah diterbitkan dengan nomor %(number)s; isinya tidak dapat diubah.")
                                   % {"number": invitation.number})
        before = {f: str(getattr(invitation, f)) for f in INVITATION_FIELDS} if invitation else None
        invitation = invitation or Invitation(event=event)
        for name in INVITATION_FIELDS:
            if name in data:
                setattr(invitation, name, data[name])
        invitation.full_clean(exclude=["event", "sequence", "seq"])
        invitation.save()
        invitation.groups.all().delete()
        InvitedGroup.objects.bulk_create([InvitedGroup(invitation=invitation, sort_order=i,
                                                       **{k: g[k] for k in GROUP_FIELDS})
                                          for i, g in enumerate(groups)])
        audit.audit_record(actor=by, action="invitation_save", obj=invitation, before=before,
                           after={f: str(getattr(invitation, f)) for f in INVITATION_FIELDS} | {
                               "groups": [{k: str(g[k]) for k in GROUP_FIELDS} for g in groups]}, event=event)
    return invitation


def invitation_issue(*, invitation: Invitation, by) -> Invitation:
    """Give the invitation its letter number (once) and a letter row for every invited unit.

    Locks the invitation and the sequence row; idempotent (an issued invitation keeps its number;
    units added to the tree since get their letter row).
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("event").get(pk=invitation.pk)
        if not invitation.groups.exists():
            raise ValidationError(_("Isi dulu lampiran: siapa yang diundang dari setiap jenis unit."))
        if not invitation.issued:
            year = invitation.letter_date.year
            LetterSequence.objects.get_or_create(code=invitation.sequence_code, year=year)
            sequence = LetterSequence.objects.select_for_update().get(code=invitation.sequence_code, year=year)
            sequence.last_number += 1
            sequence.save(update_fields=["last_number"])
            invitation.sequence, invitation.seq = sequence, sequence.last_number
            invitation.number = format_number(invitation.number_pattern, seq=sequence.last_number,
                                              date=invitation.letter_date, event_slug=invitation.event.slug,
                                              role="undangan")
            invitation.issued_at, invitation.issued_by = timezone.now(), by
            invitation.save(update_fields=["sequence", "seq", "number", "issued_at", "issued_by"])
            audit.audit_record(actor=by, action="invitation_issue", obj=invitation, before=None,
                               after={"number": invitation.number}, event=invitation.event)
        have = set(invitation.letters.values_list("unit_id", flat=True))
        UnitLetter.objects.bulk_create([UnitLetter(invitation=invitation, unit=u)
                                        for u in invited_units(invitation) if u.pk not in have])
    return invitation


def _queue_letters(letter_ids: list[int], *, reminder: bool) -> None:
    def send():
        for pk in letter_ids:
            send_unit_letter.delay(pk, reminder)

    transaction.on_commit(send)


def invitation_send(*, invitation: Invitation, by, units=None) -> int:
    """Issue (if need be) and queue the e-mail of every unit's letter not yet sent (or of ``units``); returns how many."""
    with transaction.atomic():
        invitation = invitation_issue(invitation=invitation, by=by)
        letters = UnitLetter.objects.select_for_update().filter(invitation=invitation)
        letters = letters.filter(unit__in=units) if units is not None else letters.filter(sent_at=None, queued_at=None)
        ids = list(letters.values_list("pk", flat=True))
        UnitLetter.objects.filter(pk__in=ids).update(queued_at=timezone.now())
        audit.audit_record(actor=by, action="invitation_send", obj=invitation, before=None,
                           after={"letters": len(ids)}, event=invitation.event)
        _queue_letters(ids, reminder=False)
    return len(ids)


def unit_letter_remind(*, letter: UnitLetter, by) -> None:
    """Queue a reminder e-mail to the unit's coordinators (the letter attached again)."""
    with transaction.atomic():
        letter = UnitLetter.objects.select_for_update().get(pk=letter.pk)
        letter.reminded_at = timezone.now()
        letter.reminders += 1
        letter.save(update_fields=["reminded_at", "reminders"])
        audit.audit_record(actor=by, action="invitation_remind", obj=letter, before=None,
                           after={"unit": letter.unit_id, "reminders": letter.reminders}, event=letter.invitation.event)
        _queue_letters([letter.pk], reminder=True)


def unit_letter_open(token: str) -> UnitLetter | None:
    """Record that the e-mail's link was followed (the first time counts); None for an unknown token."""
    letter = UnitLetter.objects.select_related("invitation__event", "unit").filter(token=token).first()
    if letter is not None and letter.opened_at is None:
        UnitLetter.objects.filter(pk=letter.pk, opened_at=None).update(opened_at=timezone.now())
    return letter


# ---------------------------------------------------------------- surat tugas


def check_surat_tugas(upload) -> None:
    """Refuse (ValidationError with a message for the coordinator) anything but a readable PDF within the limit."""
    limit = settings.SURAT_TUGAS_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("Berkas terlalu besar (%(size)s); surat tugas paling besar %(limit)s.")
                              % {"size": human_size(upload.size), "limit": human_size(limit)})
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" not in head:
        raise ValidationError(_("Surat tugas harus berkas PDF; berkas ini bukan PDF."))
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(io.BytesIO(upload.read())).pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError):
        pages = 0
    finally:
        upload.seek(0)
    if not pages:
        raise ValidationError(_("Berkas PDF ini rusak atau tidak dapat dibaca; unggah ulang hasil pindaian surat tugas."))


def surat_tugas_upload(*, registration, upload, by) -> SuratTugas:
    """Keep ``upload`` as the registration's surat tugas (replacing an earlier one, whose file is deleted after commit)."""
    check_surat_tugas(upload)
    with transaction.atomic():
        existing = SuratTugas.objects.select_for_update().filter(registration=registration).first()
        old_name = existing.file.name if existing else ""
        st = existing or SuratTugas(registration=registration)
        st.file.save("surat-tugas.pdf", upload, save=False)
        st.size, st.uploaded_by = upload.size, by
        st.save()
        audit.audit_record(actor=by, action="surat_tugas_upload", obj=registration, before=None,
                           after={"size": st.size}, event=registration.event)
        if old_name:
            transaction.on_commit(lambda: default_storage.delete(old_name))
    return st


def surat_tugas_erase_person(erasure) -> None:
    """Erasure on request: the person's surat tugas rows go now, their files after commit (storage API: disk or S3)."""
    rows = list(SuratTugas.objects.select_for_update().filter(registration_id__in=erasure.registration_ids))
    names = [st.file.name for st in rows if st.file]
    SuratTugas.objects.filter(pk__in=[st.pk for st in rows]).delete()
    erasure.count("surat_tugas", len(rows))

    def delete_files():
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
