"""The official invitation (*surat undangan*) of an event, its letter to each unit, and the *surat tugas*.

One invitation per event. Its letter number is taken once, when the invitation is issued, from the
secretariat's run of outgoing-letter numbers (``LetterSequence``: one per code and year, locked while
a number is handed out, so numbers are unique and gapless). As a secretariat does for one letter sent
to many addressees, every unit's copy carries that one number; the copies differ only in their
addressee and in the paragraph that names what is asked of that unit (the *lampiran* lists every kind
of unit). ``UnitLetter`` records what happened to each unit's copy: sent, opened (the tracked link in
the e-mail was followed), reminded.

A ``SuratTugas`` is the assignment letter a unit uploads for one of its registrations (PDF only).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from attendance.models import Registration, RegistrationDay
from rakor.models import Event, Unit

DEFAULT_NUMBER_PATTERN = "B-{seq}/Ij/PW.01/{month}/{year}"
DEFAULT_LETTERHEAD = ("KEMENTERIAN AGAMA REPUBLIK INDONESIA\nINSPEKTORAT JENDERAL\n"
                      "Jalan RS. Fatmawati Nomor 33A Cipete, Jakarta 12420\n"
                      "Telepon (021) 75916038, 7697853; Faksimile (021) 7692112; www.itjen.kemenag.go.id")


def new_letter_token() -> str:
    return secrets.token_urlsafe(24)


def surat_tugas_path(instance, filename: str) -> str:
    # A random name: nothing guessable under /media/, and no personal name in the path.
    return f"surat-tugas/{secrets.token_urlsafe(18)}.pdf"


class LetterSequence(models.Model):
    """The secretariat's run of outgoing-letter numbers for one code and year (1, 2, 3, … without gaps)."""

    code = models.SlugField(_("kode urutan"), max_length=40, default="surat-keluar")
    year = models.PositiveIntegerField(_("tahun"))
    last_number = models.PositiveIntegerField(_("nomor terakhir"), default=0)

    class Meta:
        verbose_name = _("urutan nomor surat")
        verbose_name_plural = pgettext_lazy("jamak", "urutan nomor surat")
        constraints = [models.UniqueConstraint(fields=["code", "year"], name="letter_sequence_once")]

    def __str__(self) -> str:
        return f"{self.code}/{self.year}: {self.last_number}"


class Invitation(models.Model):
    """The event's *surat undangan*, written once by the organisers."""

    event = models.OneToOneField(Event, verbose_name=_("acara"), on_delete=models.CASCADE, related_name="invitation")
    letterhead = models.TextField(_("kop surat"), default=DEFAULT_LETTERHEAD, help_text=_(
        "Satu baris per baris kop: dua baris pertama dicetak tebal (kementerian, unit), sisanya alamat dan kontak."))
    number_pattern = models.CharField(
        _("pola nomor surat"), max_length=120, default=DEFAULT_NUMBER_PATTERN,
        help_text=_("Misalnya B-{seq}/Ij/PW.01/{month}/{year}. Tersedia: {seq}, {year}, {month}, {month_roman}, "
                    "{event}."))
    sequence_code = models.SlugField(_("kode urutan nomor"), max_length=40, default="surat-keluar", help_text=_(
        "Surat dengan kode yang sama berbagi satu urutan nomor per tahun (buku agenda surat keluar)."))
    letter_date = models.DateField(_("tanggal surat"))
    nature = models.CharField(_("sifat"), max_length=40, default="Penting")
    subject = models.CharField(_("hal"), max_length=300)
    body = models.TextField(_("isi surat (Markdown)"), help_text=_(
        "Markdown: paragraf, daftar, huruf tebal/miring, tabel. HTML dan gambar tidak dipakai."))
    closing = models.TextField(_("penutup"), blank=True, default=(
        "Demikian undangan ini disampaikan. Atas perhatian dan kerja sama Saudara, kami ucapkan terima kasih."))
    place = models.CharField(_("tempat surat"), max_length=80, default="Jakarta")
    signatory_name = models.CharField(_("nama penanda tangan"), max_length=200)
    signatory_position = models.CharField(_("jabatan penanda tangan"), max_length=200)
    signatory_nip = models.CharField(_("NIP penanda tangan"), max_length=40, blank=True)
    copies_to = models.TextField(_("tembusan"), blank=True, help_text=_("Satu per baris."))
    # The number, taken once when the invitation is issued.
    sequence = models.ForeignKey(LetterSequence, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="invitations")
    seq = models.PositiveIntegerField(_("nomor urut"), null=True, blank=True)
    number = models.CharField(_("nomor surat"), max_length=120, blank=True)
    issued_at = models.DateTimeField(_("diterbitkan pada"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("undangan")
        verbose_name_plural = pgettext_lazy("jamak", "undangan")
        constraints = [models.UniqueConstraint(fields=["sequence", "seq"], name="letter_number_once")]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.subject}"

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


class InvitedGroup(models.Model):
    """One line of the *lampiran*: the positions invited from each unit of one kind, how, and how many seats."""

    Mode = RegistrationDay.Mode

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="groups")
    unit_kind = models.CharField(_("jenis unit"), max_length=20, choices=Unit.Kind.choices)
    positions = models.CharField(_("jabatan yang diundang"), max_length=300)
    mode = models.CharField(_("cara hadir"), max_length=20, choices=RegistrationDay.Mode.choices)
    seats = models.PositiveIntegerField(_("kursi per unit"), default=1)
    sort_order = models.PositiveIntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("yang diundang")
        verbose_name_plural = pgettext_lazy("jamak", "yang diundang")

    def __str__(self) -> str:
        return f"{self.get_unit_kind_display()}: {self.positions} ({self.get_mode_display()}, {self.seats})"


class UnitLetter(models.Model):
    """The invitation's copy for one unit and what became of it."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="letters")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="invitation_letters")
    # Opens the tracked link of the e-mail (recorded as "opened"); grants nothing by itself.
    token = models.CharField(max_length=64, unique=True, default=new_letter_token, editable=False)
    pdf = models.FileField(_("surat (PDF)"), upload_to="undangan/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(_("diantrekan pada"), null=True, blank=True)
    sent_at = models.DateTimeField(_("dikirim pada"), null=True, blank=True)
    sent_to = models.TextField(_("dikirim kepada"), blank=True)
    opened_at = models.DateTimeField(_("dibuka pada"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("diingatkan pada"), null=True, blank=True)
    reminders = models.PositiveIntegerField(_("jumlah pengingat"), default=0)

    class Meta:
        ordering = ["unit__sort_order", "unit__name"]
        verbose_name = _("surat undangan unit")
        verbose_name_plural = pgettext_lazy("jamak", "surat undangan unit")
        constraints = [models.UniqueConstraint(fields=["invitation", "unit"], name="unit_letter_once")]

    def __str__(self) -> str:
        return f"{self.invitation.number} → {self.unit}"


class SuratTugas(models.Model):
    """The assignment letter (*surat tugas*) of one registration, uploaded by its unit (PDF)."""

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="surat_tugas")
    file = models.FileField(_("surat tugas (PDF)"), upload_to=surat_tugas_path)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("surat tugas")
        verbose_name_plural = pgettext_lazy("jamak", "surat tugas")

    def __str__(self) -> str:
        return f"{self.registration.public_id}: {self.file.name}"
