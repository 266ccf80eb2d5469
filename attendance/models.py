"""Participants, their registrations (tickets) for an event, and unit seat quotas."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rakor.models import Event, Unit
from rakor.signing import sign_ticket


def new_public_id() -> str:
    # 80 random bits, base32 without padding: short enough for a compact QR code.
    import base64

    return base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")


def new_portal_secret() -> str:
    # 192 random bits (the design asks for at least 128).
    return secrets.token_urlsafe(24)


class Participant(models.Model):
    """A person, once across events (one participant per NIP)."""

    class IdKind(models.TextChoices):
        NIP = "nip", _("NIP (PNS)")
        PPPK = "pppk", _("Nomor PPPK")
        OTHER = "other", _("Tamu (identitas lain)")

    class Gender(models.TextChoices):
        MALE = "L", _("Laki-laki")
        FEMALE = "P", _("Perempuan")

    full_name = models.CharField(_("nama lengkap dan gelar"), max_length=200)
    id_kind = models.CharField(_("jenis identitas"), max_length=10, choices=IdKind.choices, default=IdKind.NIP)
    id_number = models.CharField(_("nomor identitas"), max_length=40, blank=True)
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    rank = models.CharField(_("pangkat/golongan"), max_length=80, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit kerja"), on_delete=models.PROTECT, related_name="participants")
    email = models.EmailField(_("e-mail"), blank=True)
    whatsapp = models.CharField(_("nomor WhatsApp"), max_length=20, blank=True)
    gender = models.CharField(_("jenis kelamin"), max_length=1, choices=Gender.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(_("dihapus atas permintaan pada"), null=True, blank=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("peserta")
        verbose_name_plural = _("peserta")
        constraints = [
            models.UniqueConstraint(
                fields=["id_kind", "id_number"], condition=~Q(id_number=""), name="participant_unique_id_number"
            )
        ]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def nip(self) -> str:
        return self.id_number if self.id_kind == self.IdKind.NIP else ""


class Registration(models.Model):
    """One participant's registration for one event: their ticket and portal."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Peserta")
        SPEAKER = "speaker", _("Narasumber")
        MODERATOR = "moderator", _("Moderator")
        COMMITTEE = "committee", _("Panitia")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu persetujuan")
        APPROVED = "approved", _("Disetujui")
        REJECTED = "rejected", _("Ditolak")
        CANCELLED = "cancelled", _("Dibatalkan")

    class Channel(models.TextChoices):
        SELF = "self", _("Mendaftar sendiri")
        COORDINATOR = "coordinator", _("Didaftarkan koordinator unit")
        ORGANISER = "organiser", _("Didaftarkan panitia")
        IMPORT = "import", _("Impor berkas")

    ACTIVE_STATUSES = (Status.PENDING, Status.APPROVED)

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.PROTECT, related_name="registrations")
    participant = models.ForeignKey(
        Participant, verbose_name=_("peserta"), on_delete=models.PROTECT, related_name="registrations"
    )
    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.CharField(_("alasan status"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("cara mendaftar"), max_length=20, choices=Channel.choices, default=Channel.SELF)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("didaftarkan oleh"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="registrations_made",
    )
    consent_text = models.TextField(_("persetujuan yang diberikan"), blank=True)
    consent_version = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField(_("waktu persetujuan"), null=True, blank=True)
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    portal_secret = models.CharField(max_length=64, unique=True, default=new_portal_secret, editable=False)
    ticket_revoked_at = models.DateTimeField(_("tiket dicabut pada"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pendaftaran")
        verbose_name_plural = _("pendaftaran")
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], name="registration_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.event}"

    @property
    def ticket(self) -> str:
        """The signed QR payload (deterministic: Ed25519 signatures are)."""
        return sign_ticket(event_slug=self.event.slug, public_id=self.public_id, signing_key=self.event.signing_key)

    @property
    def portal_path(self) -> str:
        return f"/t/{self.portal_secret}/"

    @property
    def portal_url(self) -> str:
        return f"{settings.SITE_URL}{self.portal_path}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class RegistrationDay(models.Model):
    """How a registration attends one day of the event: in person (luring) or online (daring)."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("Luring (hadir di tempat)")
        ONLINE = "online", _("Daring (online)")

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("tanggal"))
    mode = models.CharField(_("cara hadir"), max_length=20, choices=Mode.choices)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["registration", "date"], name="registration_day_once")]
        indexes = [models.Index(fields=["date", "mode"])]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_mode_display()}"


class UnitQuota(models.Model):
    """In-person seats per day for a unit and the units under it (unless they have their own quota)."""

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey(Unit, verbose_name=_("unit kerja"), on_delete=models.CASCADE, related_name="quotas")
    in_person_seats = models.PositiveIntegerField(_("kursi luring"))

    class Meta:
        verbose_name = _("kuota unit")
        verbose_name_plural = _("kuota unit")
        constraints = [models.UniqueConstraint(fields=["event", "unit"], name="quota_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit}: {self.in_person_seats}"


class DataRequest(models.Model):
    """A participant's request under UU PDP 27/2022 (deletion), and how it was handled."""

    class Status(models.TextChoices):
        OPEN = "open", _("Diajukan")
        DONE = "done", _("Selesai (data dihapus)")
        REFUSED = "refused", _("Ditolak")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="data_requests")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("alasan"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("catatan panitia"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("permintaan penghapusan data")
        verbose_name_plural = _("permintaan penghapusan data")
