"""The invitation of the archive Rakorwas 2022 for seed_demo (``seed_demo_finish(event=, archive=)``).

Runs after the other apps' hooks, when the archive's registrations exist. The invitation is written,
issued (the secretariat's 2022 run of outgoing letters stood at 3141 when Rakor took it over) and its
letters recorded as sent on 8 November 2022; most units opened them within days, some late, and the
units that named nobody got a reminder. Part of the provincial delegations uploaded their surat tugas.
Letters are rendered and signed on first download. Idempotent: nothing is written twice.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from attendance.models import Registration, RegistrationDay
from rakor.models import Unit

from . import services
from .models import Invitation, LetterSequence, SuratTugas, UnitLetter
from .selectors import unit_answers

ARCHIVE_SLUG = "rakorwas-2022"
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
IN_PERSON, ONLINE = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE

BODY = """Dalam rangka meningkatkan sinergi pengawasan internal di lingkungan Kementerian Agama, Inspektorat Jenderal \
akan menyelenggarakan **Rapat Koordinasi Pengawasan (Rakorwas) Tahun 2022** dengan tema *"Transformasi \
Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile"*, yang akan dibuka oleh Menteri Agama, pada:

- **Hari, tanggal:** Senin s.d. Rabu, 21–23 November 2022
- **Waktu:** 08.00 WIB s.d. selesai
- **Tempat:** Hotel Novotel Mangga Dua, Jakarta (luring) dan Zoom Meeting (daring)

Peserta luring diminta hadir sehari sebelum acara dan membawa surat tugas; biaya perjalanan dinas dibebankan \
pada DIPA satuan kerja masing-masing. Tautan Zoom bagi peserta daring dikirim melalui portal peserta."""

GROUPS = [
    {"unit_kind": Unit.Kind.ECHELON_I, "positions": "Sekretaris Unit Eselon I", "mode": IN_PERSON, "seats": 1},
    {"unit_kind": Unit.Kind.PROVINCIAL, "positions": "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha",
     "mode": IN_PERSON, "seats": 2},
    {"unit_kind": Unit.Kind.TRAINING, "positions": "Kepala Balai Diklat Keagamaan", "mode": IN_PERSON, "seats": 1},
    {"unit_kind": Unit.Kind.RESEARCH, "positions": "Kepala Balai Litbang Agama", "mode": IN_PERSON, "seats": 1},
    {"unit_kind": Unit.Kind.DISTRICT, "positions": "Kepala Kantor Kementerian Agama Kabupaten/Kota",
     "mode": ONLINE, "seats": 1},
]

DATA = {
    "letter_date": dt.date(2022, 11, 7), "place": "Jakarta", "nature": "Penting",
    "subject": "Undangan Rapat Koordinasi Pengawasan Tahun 2022", "body": BODY,
    "signatory_name": "Prof. Dr. H. Faisal Ismail, M.A.", "signatory_position": "Inspektur Jenderal",
    "copies_to": "Menteri Agama Republik Indonesia\nSekretaris Jenderal Kementerian Agama",
}


def _surat_tugas_pdf() -> bytes:
    """A one-page stand-in for a scanned surat tugas."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Surat Tugas (contoh demo)"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def seed_demo_finish(*, event, archive: bool) -> None:
    if not archive or event.slug != ARCHIVE_SLUG:
        return
    by = get_user_model().objects.filter(username="panitia").first()
    invitation = Invitation.objects.filter(event=event).first()
    if invitation is None:
        with transaction.atomic():
            LetterSequence.objects.get_or_create(code="surat-keluar", year=2022, defaults={"last_number": 3141})
            invitation = services.invitation_save(event=event, data=DATA, groups=GROUPS, by=by)
    invitation = services.invitation_issue(invitation=invitation, by=by)
    rng = random.Random(2022)
    sent = dt.datetime(2022, 11, 8, 9, 15, tzinfo=WIB)
    answers = {a.unit.pk: a for a in unit_answers(invitation)}
    letters = []
    for letter in UnitLetter.objects.filter(invitation=invitation, sent_at=None).select_related("unit"):
        answer = answers.get(letter.unit_id)
        letter.sent_at = letter.queued_at = sent + dt.timedelta(minutes=rng.randint(0, 20))
        letter.sent_to = f"koordinator@{letter.unit.code}.demo.rakor.invalid"
        if answer is not None and answer.answered:
            late = rng.random() < 0.12
            letter.opened_at = sent + dt.timedelta(days=rng.randint(9, 12) if late else rng.randint(0, 4),
                                                   hours=rng.randint(0, 7))
            if late:
                letter.reminded_at, letter.reminders = sent + dt.timedelta(days=7), 1
        else:  # never opened, or opened and nobody named: reminded twice
            letter.opened_at = sent + dt.timedelta(days=3) if rng.random() < 0.3 else None
            letter.reminded_at, letter.reminders = sent + dt.timedelta(days=10), 2
        letters.append(letter)
    UnitLetter.objects.bulk_update(letters, ["sent_at", "queued_at", "sent_to", "opened_at", "reminded_at",
                                             "reminders"])
    if SuratTugas.objects.filter(registration__event=event).exists():
        return
    pdf = _surat_tugas_pdf()
    registrations = (Registration.objects.filter(event=event, status__in=Registration.ACTIVE_STATUSES,
                                                 participant__unit__kind__in=[Unit.Kind.PROVINCIAL,
                                                                              Unit.Kind.TRAINING])
                     .order_by("pk"))
    for registration in registrations:
        if rng.random() < 0.7:
            st = SuratTugas(registration=registration, size=len(pdf), uploaded_by=by)
            st.file.save("surat-tugas.pdf", ContentFile(pdf), save=True)
            # Uploaded in the days after the letter, as it happened (auto_now stamps today on save).
            SuratTugas.objects.filter(pk=st.pk).update(
                uploaded_at=sent + dt.timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 8)))
