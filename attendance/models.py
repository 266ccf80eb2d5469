"""Participants, their registrations (tickets) for an event, and unit seat quotas."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        verbose_name_plural = pgettext_lazy("jamak", "peserta")
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
        verbose_name_plural = pgettext_lazy("jamak", "pendaftaran")
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
        verbose_name_plural = pgettext_lazy("jamak", "kuota unit")
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
        verbose_name_plural = pgettext_lazy("jamak", "permintaan penghapusan data")


def new_device_token() -> str:
    return secrets.token_urlsafe(32)


class ScannerDevice(models.Model):
    """A registration-desk phone or laptop with its own revocable API token."""

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE, related_name="scanner_devices")
    name = models.CharField(_("nama perangkat / gerbang"), max_length=80,
                            help_text=_("Misalnya: Meja 1 Ballroom, Pintu Utara."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=8, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "name"]
        verbose_name = _("perangkat pemindai")
        verbose_name_plural = pgettext_lazy("jamak", "perangkat pemindai")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        import hashlib

        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CheckInWindow(models.Model):
    """When the door is open for check-in on one day (event time zone)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_windows")
    date = models.DateField(_("tanggal"))
    opens = models.TimeField(_("dibuka"))
    closes = models.TimeField(_("ditutup"))

    class Meta:
        ordering = ["event", "date"]
        verbose_name = _("jam registrasi")
        verbose_name_plural = pgettext_lazy("jamak", "jam registrasi")
        constraints = [models.UniqueConstraint(fields=["event", "date"], name="checkin_window_once_per_day")]

    def __str__(self) -> str:
        return f"{self.date} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CheckIn(models.Model):
    """One scan at a door (or an online join): accepted or refused, never edited.

    Refused scans are kept with their reason: auditors ask about them.
    """

    class Kind(models.TextChoices):
        ENTRY = "entry", pgettext_lazy("jenis presensi", "Masuk")
        EXIT = "exit", pgettext_lazy("jenis presensi", "Keluar")

    class Method(models.TextChoices):
        CAMERA = "camera", _("Kamera")
        HANDHELD = "handheld", _("Pemindai genggam")
        MANUAL = "manual", _("Pencarian manual")
        ONLINE = "online", _("Bergabung daring")
        IMPORT = "import", _("Impor")

    class Result(models.TextChoices):
        OK = "ok", _("Berhasil")
        ALREADY = "already_checked_in", _("Sudah tercatat sebelumnya")
        INVALID = "invalid_ticket", _("Tiket tidak sah")
        WRONG_EVENT = "wrong_event", _("Tiket acara lain")
        NOT_IN_PERSON = "not_in_person", _("Terdaftar daring untuk hari ini")
        NOT_APPROVED = "not_approved", _("Pendaftaran belum disetujui")
        REVOKED = "revoked", _("Tiket dicabut")
        OUTSIDE_WINDOW = "outside_window", _("Di luar jam registrasi")
        NO_ENTRY = "no_entry", _("Belum tercatat masuk")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="checkins")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins")
    ticket_text = models.CharField(_("isi tiket yang dipindai"), max_length=200, blank=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.ENTRY)
    day = models.DateField(_("hari"), null=True, blank=True)
    session = models.ForeignKey("sessions_app.Session", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="checkins")
    method = models.CharField(_("cara"), max_length=10, choices=Method.choices, default=Method.CAMERA)
    device = models.ForeignKey(ScannerDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    gate = models.CharField(_("gerbang"), max_length=80, blank=True)
    scanned_at = models.DateTimeField(_("waktu pindai (jam perangkat)"))
    received_at = models.DateTimeField(_("waktu diterima server"), auto_now_add=True)
    nonce = models.UUIDField(unique=True)
    offline = models.BooleanField(_("dipindai saat luring"), default=False)
    result = models.CharField(_("hasil"), max_length=20, choices=Result.choices, db_index=True)
    conflict = models.BooleanField(
        _("konflik luring"), default=False,
        help_text=_("Gerbang lain sudah meloloskan tiket ini saat tidak terhubung; dicatat, tidak dihitung dua kali."),
    )

    class Meta:
        ordering = ["-scanned_at"]
        verbose_name = _("presensi")
        verbose_name_plural = pgettext_lazy("jamak", "presensi")
        constraints = [
            # The database itself refuses a second accepted entry for a person on a day.
            models.UniqueConstraint(
                fields=["registration", "day"], condition=Q(result="ok", kind="entry", session__isnull=True),
                name="one_entry_per_day",
            ),
            models.UniqueConstraint(
                fields=["registration", "session"], condition=Q(result="ok", kind="entry", session__isnull=False),
                name="one_entry_per_session",
            ),
        ]
        indexes = [models.Index(fields=["event", "day", "result"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration_id} {self.day}: {self.result}"


class CheckInSeal(models.Model):
    """One check-in's link in its event's tamper-evident chain (attendance/chain.py).

    Kept beside the check-in rather than on it: the check-in row is written once by the
    hot path (attendance/checkin.py) and never touched again, and the seal is added a
    few seconds later by ``seal_event``. ``chain_hash`` = HMAC-SHA256 over the previous
    link's hash and the check-in's immutable fields; ``chain_seq`` counts 1, 2, 3, … per
    event without gaps. On PostgreSQL triggers refuse UPDATE and DELETE on both tables.
    """

    checkin = models.OneToOneField(CheckIn, primary_key=True, on_delete=models.PROTECT, related_name="seal",
                                   verbose_name=_("presensi"))
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="+", verbose_name=_("acara"))
    chain_seq = models.BigIntegerField(_("nomor urut rantai"))
    chain_hash = models.CharField(_("hash rantai"), max_length=64)
    sealed_at = models.DateTimeField(_("disegel pada"), auto_now_add=True)

    class Meta:
        ordering = ["event", "chain_seq"]
        verbose_name = _("segel presensi")
        verbose_name_plural = pgettext_lazy("jamak", "segel presensi")
        constraints = [
            models.UniqueConstraint(fields=["event", "chain_seq"], name="checkin_seal_seq_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.chain_seq}"
