"""Attendance certificates (issue 6): templates per event and role, numbered certificates, bulk runs.

A certificate's number comes from a `CertificateSequence` row, locked while numbers are
handed out, so numbers are unique and gapless within a sequence. A certificate is first
*allocated* (number, recipient, JP written down: status ``pending``) and then *rendered*
(PDF made, signed, stored, hashed: status ``issued``); a crash between the two leaves a
pending certificate that the next run or the first download renders. Nothing a
certificate says changes after it is allocated: later edits to the participant or the
event do not rewrite issued certificates.
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from attendance.models import Registration
from rakor.models import Event

DEFAULT_NUMBER_PATTERN = "{seq:04d}/ITJEN/{month_roman}/{year}"


def new_certificate_code() -> str:
    # 80 random bits, base32 without padding: printed under the QR, typed on /v/ if need be.
    return base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")


def default_minutes_per_jp() -> int:
    return settings.MINUTES_PER_JP


class CertificateSequence(models.Model):
    """A run of certificate numbers (1, 2, 3, … without gaps). Locked while numbers are handed out."""

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                              related_name="certificate_sequences")
    code = models.SlugField(_("kode urutan"), max_length=40, default="umum")
    last_number = models.PositiveIntegerField(_("nomor terakhir"), default=0)

    class Meta:
        verbose_name = _("urutan nomor sertifikat")
        verbose_name_plural = pgettext_lazy("jamak", "urutan nomor sertifikat")
        constraints = [models.UniqueConstraint(fields=["event", "code"], name="certificate_sequence_once")]

    def __str__(self) -> str:
        return f"{self.event.slug}/{self.code}: {self.last_number}"


class CertificateTemplate(models.Model):
    """The design and the rules of the certificate for one role at one event."""

    class Basis(models.TextChoices):
        SESSIONS = "sessions", _("Jumlah sesi")
        MINUTES = "minutes", _("Jumlah menit")

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                              related_name="certificate_templates")
    role = models.CharField(_("peran"), max_length=20, choices=Registration.Role.choices)
    name = models.CharField(_("nama templat"), max_length=120)
    html = models.TextField(
        _("desain (HTML)"),
        help_text=_("Templat Django. Variabel: {{ name }}, {{ nip }}, {{ position }}, {{ unit }}, {{ role }}, "
                    "{{ number }}, {{ jp }}, {{ minutes }}, {{ event_name }}, {{ event_theme }}, {{ event_dates }}, "
                    "{{ venue }}, {{ place_date }}, {{ signatory_name }}, {{ signatory_position }}, "
                    "{{ signatory_nip }}, {{ signature_url }}, {{ qr }}, {{ verify_url }}, {{ code }}."),
    )
    fields_html = models.TextField(
        _("lapisan data peserta (HTML)"), blank=True,
        help_text=_("Bagian yang berbeda untuk tiap orang (nama, NIP, unit, nomor, JP, QR), dalam kotak berposisi "
                    "tetap. Bila diisi, desain di atas hanya memuat bagian yang sama untuk semua sertifikat dan "
                    "dibuat sekali per batch (jauh lebih cepat). Kotak berkelas qr-code diisi kode QR verifikasi."),
    )
    css = models.TextField(_("gaya (CSS)"), blank=True)
    page_size = models.CharField(_("ukuran halaman"), max_length=40, default="A4 landscape")
    background = models.FileField(_("latar belakang"), upload_to="certificates/backgrounds/", blank=True)
    signatory_name = models.CharField(_("nama penanda tangan"), max_length=200, blank=True)
    signatory_position = models.CharField(_("jabatan penanda tangan"), max_length=200, blank=True)
    signatory_nip = models.CharField(_("NIP penanda tangan"), max_length=30, blank=True)
    signature_image = models.FileField(_("gambar tanda tangan"), upload_to="certificates/signatures/", blank=True)
    number_pattern = models.CharField(
        _("pola nomor"), max_length=120, default=DEFAULT_NUMBER_PATTERN,
        help_text=_("Misalnya {seq:04d}/ITJEN/{month_roman}/{year}. Tersedia: {seq}, {year}, {month}, "
                    "{month_roman}, {event}, {role}. Bulan dan tahun diambil dari hari terakhir acara."),
    )
    sequence = models.ForeignKey(
        CertificateSequence, verbose_name=_("urutan nomor"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="templates", help_text=_("Kosong: urutan umum acara (dipakai bersama semua peran)."),
    )
    basis = models.CharField(_("dasar kelulusan"), max_length=10, choices=Basis.choices, default=Basis.SESSIONS)
    min_share_percent = models.PositiveSmallIntegerField(
        _("kehadiran minimal (%)"), default=80,
        help_text=_("Bagian sesi (atau menit) yang harus dihadiri, luring maupun daring."),
    )
    session_attended_percent = models.PositiveSmallIntegerField(
        _("sesi dihitung hadir bila dihadiri minimal (%)"), default=50,
    )
    count_ceremonies = models.BooleanField(
        _("sesi seremonial ikut dihitung"), default=False,
        help_text=_("Registrasi, pembukaan atau penutupan seremonial; rehat tidak pernah dihitung."),
    )
    minutes_per_jp = models.PositiveSmallIntegerField(_("menit per JP"), default=default_minutes_per_jp)
    jp_cap = models.PositiveSmallIntegerField(_("JP paling banyak"), null=True, blank=True)
    self_service = models.BooleanField(
        _("peserta dapat mengunduh sendiri"), default=False,
        help_text=_("Setelah acara selesai, peserta yang memenuhi syarat dapat menerbitkan sertifikatnya dari portal."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "role"]
        verbose_name = _("templat sertifikat")
        verbose_name_plural = pgettext_lazy("jamak", "templat sertifikat")
        constraints = [models.UniqueConstraint(fields=["event", "role"], name="certificate_template_once_per_role")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        from .rendering import template_problems

        template_problems(self, raise_error=True)


class EligibilityException(models.Model):
    """An organiser's decision that a registration earns a certificate although its attendance is short."""

    registration = models.OneToOneField(Registration, verbose_name=_("pendaftaran"), on_delete=models.CASCADE,
                                        related_name="certificate_exception")
    reason = models.TextField(_("alasan"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("diberikan oleh"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(_("diberikan pada"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengecualian sertifikat")
        verbose_name_plural = pgettext_lazy("jamak", "pengecualian sertifikat")

    def __str__(self) -> str:
        return f"{self.registration}: {self.reason[:60]}"


class Certificate(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Bernomor, PDF sedang dibuat")
        ISSUED = "issued", _("Terbit")
        REVOKED = "revoked", _("Dicabut")

    code = models.CharField(_("kode verifikasi"), max_length=20, unique=True, default=new_certificate_code,
                            editable=False)
    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.PROTECT, related_name="certificates")
    registration = models.ForeignKey(Registration, verbose_name=_("pendaftaran"), on_delete=models.PROTECT,
                                     related_name="certificates")
    template = models.ForeignKey(CertificateTemplate, verbose_name=_("templat"), on_delete=models.PROTECT,
                                 related_name="certificates")
    sequence = models.ForeignKey(CertificateSequence, on_delete=models.PROTECT, related_name="certificates")
    seq = models.PositiveIntegerField(_("nomor urut"))
    number = models.CharField(_("nomor sertifikat"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    # What the certificate says, written down when its number is given.
    recipient_name = models.CharField(_("nama penerima"), max_length=200)
    role = models.CharField(_("peran"), max_length=20, choices=Registration.Role.choices)
    jp = models.PositiveSmallIntegerField(_("JP"))
    minutes = models.PositiveIntegerField(_("menit hadir"))
    event_name = models.CharField(_("nama acara"), max_length=200)
    event_start = models.DateField(_("tanggal mulai"))
    event_end = models.DateField(_("tanggal selesai"))
    by_exception = models.BooleanField(_("karena pengecualian panitia"), default=False)
    issued_at = models.DateTimeField(_("diterbitkan pada"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    pdf = models.FileField(_("berkas PDF"), upload_to="certificates/pdf/", blank=True)
    sha256 = models.CharField(_("SHA-256 PDF"), max_length=64, blank=True, db_index=True)
    signed_by = models.CharField(_("ditandatangani secara digital oleh"), max_length=300, blank=True)
    rendered_at = models.DateTimeField(_("PDF dibuat pada"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    revoked_reason = models.TextField(_("alasan pencabutan"), blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    replaces = models.OneToOneField("self", verbose_name=_("menggantikan"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")
    # Set when the recipient's data was erased on request (UU PDP): the name is gone, the PDF
    # deleted; the certificate stays verifiable by its number and code.
    recipient_erased_at = models.DateTimeField(_("data penerima dihapus pada"), null=True, blank=True)

    class Meta:
        ordering = ["event", "sequence", "seq"]
        verbose_name = _("sertifikat")
        verbose_name_plural = pgettext_lazy("jamak", "sertifikat")
        constraints = [
            models.UniqueConstraint(fields=["sequence", "seq"], name="certificate_number_once"),
            # At most one valid certificate per registration; revoked ones stay as history.
            models.UniqueConstraint(fields=["registration"], condition=~Q(status="revoked"),
                                    name="one_valid_certificate_per_registration"),
        ]

    def __str__(self) -> str:
        return self.number if self.recipient_erased_at else f"{self.number} — {self.recipient_name}"

    ERASED_RECIPIENT = _("Diterbitkan untuk orang yang datanya telah dihapus atas permintaan")

    @property
    def recipient_display(self) -> str:
        """Who the certificate was issued to, as verification shows it (in the reader's language)."""
        return str(self.ERASED_RECIPIENT) if self.recipient_erased_at else self.recipient_name

    @property
    def has_pdf(self) -> bool:
        """A PDF can be served: there is one, or (pending) one can be made. Never for an erased recipient."""
        return self.recipient_erased_at is None and (bool(self.pdf) or self.status == self.Status.PENDING)

    @property
    def verify_path(self) -> str:
        return f"/v/{self.code}/"

    @property
    def verify_url(self) -> str:
        return f"{settings.SITE_URL}{self.verify_path}"

    @property
    def is_valid(self) -> bool:
        return self.status != self.Status.REVOKED


class IssueRun(models.Model):
    """One bulk issuing run for an event: its progress for the organiser's progress bar.

    At most one run per event is ``running`` (a partial unique index): a second run
    started meanwhile is refused. A run whose process died is recognised (its heartbeat
    is old, or its process is gone on this host) and marked ``interrupted``; the next
    run picks up where it stopped.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")
        INTERRUPTED = "interrupted", _("Terputus")

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                              related_name="certificate_runs")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    started_at = models.DateTimeField(_("mulai"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    total = models.PositiveIntegerField(_("jumlah"), default=0)
    done = models.PositiveIntegerField(_("sudah dibuat"), default=0)
    allocated = models.PositiveIntegerField(_("nomor baru"), default=0)
    send_email = models.BooleanField(_("kirim e-mail"), default=False)
    error = models.TextField(_("galat"), blank=True)
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("proses penerbitan sertifikat")
        verbose_name_plural = pgettext_lazy("jamak", "proses penerbitan sertifikat")
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(status="running"), name="one_running_issue_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event.slug} {self.started_at:%Y-%m-%d %H:%M} {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
