"""Participants, their registrations (tickets) for an event, and unit seat quotas."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rakor.models import Event, Unit
from rakor.signing import sign_ticket

from .codes import grouped, new_short_code


def new_public_id() -> str:
    # 80 random bits, base32 without padding: short enough for a compact QR code.
    import base64

    return base64.b32encode(secrets.token_bytes(10)).decode().rstrip("=")


def new_portal_secret() -> str:
    # 192 random bits (the design asks for at least 128).
    return secrets.token_urlsafe(24)


class ParticipantQuerySet(models.QuerySet):
    """Keeps the search columns (attendance.search) right on the bulk writes too (imports, seed_demo)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_fields()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs, fields = list(objs), list(fields)
        derived = [d for source, d in Participant.SEARCH_FIELDS.items() if source in fields and d not in fields]
        for obj in objs:
            obj.refresh_search_fields(only=[f for f in fields if f in Participant.SEARCH_FIELDS])
        return super().bulk_update(objs, fields + derived, *args, **kwargs)


class Participant(models.Model):
    """A person, once across events (one participant per NIP)."""

    # Each search column and the field it is derived from (attendance.search, issue 13 item 7).
    SEARCH_FIELDS = {"full_name": "search_name", "id_number": "id_digits"}

    class IdKind(models.TextChoices):
        NIP = "nip", _("NIP (PNS)")
        PPPK = "pppk", _("Nomor PPPK")
        OTHER = "other", _("Tamu (identitas lain)")

    class Gender(models.TextChoices):
        MALE = "L", _("Laki-laki")
        FEMALE = "P", _("Perempuan")

    # What an erased person's name reads (stored in Indonesian; see attendance.services.participant_erase).
    ERASED_NAME = "(dihapus atas permintaan)"

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
    # Normalised for search, maintained on every write (save, bulk_create, bulk_update): never edited.
    search_name = models.CharField(max_length=200, blank=True, editable=False)
    id_digits = models.CharField(max_length=40, blank=True, editable=False, db_index=True)

    objects = ParticipantQuerySet.as_manager()

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

    def refresh_search_fields(self, only=None) -> None:
        """Derive the search columns from ``only`` these source fields (all by default)."""
        from .search import digits_only, fold_name

        sources = self.SEARCH_FIELDS if only is None else only
        if "full_name" in sources:
            self.search_name = fold_name(self.full_name)[:200]
        if "id_number" in sources:
            self.id_digits = digits_only(self.id_number)[:40]

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is None:
            self.refresh_search_fields()
        else:
            update_fields = list(update_fields)
            sources = [f for f in update_fields if f in self.SEARCH_FIELDS]
            self.refresh_search_fields(only=sources)
            update_fields += [self.SEARCH_FIELDS[f] for f in sources if self.SEARCH_FIELDS[f] not in update_fields]
        super().save(*args, update_fields=update_fields, **kwargs)

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

    class LawfulBasis(models.TextChoices):
        # UU PDP 27/2022 Pasal 20 ayat (2): a. consent; e. a task in the public interest / the agency's powers.
        CONSENT = "consent", _("Persetujuan peserta (UU PDP Pasal 20 ayat (2) huruf a)")
        PUBLIC_TASK = "public_task", _(
            "Pelaksanaan tugas dan kewenangan instansi (UU PDP Pasal 20 ayat (2) huruf e)")

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
    # The lawful basis of processing this person's data, however they were registered: their
    # consent (self-registration) or the agency's public task (a coordinator, an organiser or an
    # import registered them, having been shown the notice of this version). Who: ``registered_by``
    # (empty for self-registration: the person themselves).
    lawful_basis = models.CharField(_("dasar pemrosesan data pribadi"), max_length=20, choices=LawfulBasis.choices,
                                    blank=True)
    lawful_basis_at = models.DateTimeField(_("dasar pemrosesan dicatat pada"), null=True, blank=True)
    lawful_basis_notice = models.CharField(_("versi pemberitahuan"), max_length=20, blank=True)
    public_id = models.CharField(max_length=20, unique=True, default=new_public_id, editable=False)
    portal_secret = models.CharField(max_length=64, unique=True, default=new_portal_secret, editable=False)
    # The ticket's short code for typing at the desk (attendance.codes): 9 characters, unique per event.
    short_code = models.CharField(_("kode tiket"), max_length=10, default=new_short_code, editable=False)
    ticket_revoked_at = models.DateTimeField(_("tiket dicabut pada"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pendaftaran")
        verbose_name_plural = pgettext_lazy("jamak", "pendaftaran")
        constraints = [
            models.UniqueConstraint(fields=["event", "participant"], name="registration_once_per_event"),
            models.UniqueConstraint(fields=["event", "short_code"], condition=~Q(short_code=""),
                                    name="registration_short_code_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.participant} — {self.event}"

    @property
    def ticket(self) -> str:
        """The signed QR payload (deterministic: Ed25519 signatures are)."""
        return sign_ticket(event_slug=self.event.slug, public_id=self.public_id, signing_key=self.event.signing_key)

    @staticmethod
    def give_fresh_short_codes(registrations: list["Registration"]) -> None:
        """Make the short codes of new registrations unused in their events (and among them).

        A random code collides with one of 230,000 others once in ~2 million registrations; the
        unique constraint would then refuse the insert, and the person would be told they were
        registered already. One query per batch finds such codes; they are drawn again.
        """
        if not registrations:
            return
        kept: set[tuple[int, str]] = set()
        pending = list(registrations)
        while pending:
            taken = set(Registration.objects.filter(event_id__in={r.event_id for r in pending},
                                                    short_code__in={r.short_code for r in pending})
                        .values_list("event_id", "short_code"))
            again = []
            for r in pending:
                if (r.event_id, r.short_code) in taken or (r.event_id, r.short_code) in kept:
                    r.short_code = new_short_code()
                    again.append(r)  # drawn again: checked again
                else:
                    kept.add((r.event_id, r.short_code))
            pending = again

    @property
    def short_code_display(self) -> str:
        """The short code in groups for reading aloud: ``K7M-4QX-9RP``."""
        return grouped(self.short_code)

    @property
    def portal_path(self) -> str:
        return f"/t/{self.portal_secret}/"

    @property
    def portal_url(self) -> str:
        return f"{settings.SITE_URL}{self.portal_path}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    # ---- who holds an in-person seat: THE rule, used by every seat count (issue 12, item 3)

    @classmethod
    def seat_holders_q(cls, event, *, now: dt.datetime | None = None, prefix: str = "") -> Q:
        """The registrations of ``event`` that hold their in-person seats (a Q on Registration, or on a
        model reaching it through ``prefix``, e.g. ``"registration__"`` from RegistrationDay).

        An approved registration holds its seats. A pending one holds them only while the
        event's registration is open: once it closes (``Event.registration_closes``), a person
        nobody approved no longer keeps someone else out; a refusal frees them at once (a
        rejected or cancelled registration holds nothing). Approving a pending registration
        that no longer holds its seats re-checks them (services.registration_set_status).
        """
        now = now or timezone.now()
        approved = Q(**{f"{prefix}status": cls.Status.APPROVED})
        if event.registration_closes is not None and now >= event.registration_closes:
            return approved
        return approved | Q(**{f"{prefix}status": cls.Status.PENDING})

    def holds_seat(self, *, now: dt.datetime | None = None) -> bool:
        """Whether this registration holds its in-person seats now (``seat_holders_q`` for one row)."""
        now = now or timezone.now()
        if self.status == self.Status.APPROVED:
            return True
        closes = self.event.registration_closes
        return self.status == self.Status.PENDING and (closes is None or now < closes)


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

    @property
    def expires_at(self):
        """A device belongs to its event: it works until the end of the event's last day (event time zone)
        plus ``settings.SCANNER_DEVICE_GRACE_HOURS``, time for queues that were offline at the end to sync."""
        event = self.event
        end = dt.datetime.combine(event.end_date + dt.timedelta(days=1), dt.time(0), tzinfo=event.tz)
        return end + dt.timedelta(hours=settings.SCANNER_DEVICE_GRACE_HOURS)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


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
        # The server's clock decides (issue 19; attendance.checkin.scan_time): an offline scan sent too
        # long after it was made, or dated ahead of the server; a device past its event.
        STALE = "stale_scan", _("Waktu pindaian tidak diterima")
        DEVICE_EXPIRED = "device_expired", _("Perangkat pemindai kedaluwarsa")

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="checkins")
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins")
    ticket_text = models.CharField(_("isi tiket yang dipindai"), max_length=200, blank=True)
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.ENTRY)
    day = models.DateField(_("hari"), null=True, blank=True)
    session = models.ForeignKey("agenda.Session", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="checkins")
    method = models.CharField(_("cara"), max_length=10, choices=Method.choices, default=Method.CAMERA)
    device = models.ForeignKey(ScannerDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    gate = models.CharField(_("gerbang"), max_length=80, blank=True)
    # The server's clock at receipt; the scanner's own only for an offline-queued scan within the event's
    # window (attendance.checkin.scan_time). On a refusal for its time, what the scanner claimed.
    scanned_at = models.DateTimeField(_("waktu pindai"))
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


# ---------------------------------------------------------------- online attendance (moved from sessions_app)


class OnlineAttendance(models.Model):
    """How long one registration attended one session online.

    Fed by the portal's heartbeats and by the meeting platform's participant report
    (e.g. Zoom's CSV); certificates use ``minutes``.
    """

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="online_attendance")
    session = models.ForeignKey("agenda.Session", on_delete=models.PROTECT, related_name="online_attendance")
    first_joined_at = models.DateTimeField(_("pertama bergabung"), null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("detak terakhir"), null=True, blank=True)
    heartbeat_minutes = models.PositiveIntegerField(_("menit (detak portal)"), default=0)
    report_minutes = models.PositiveIntegerField(_("menit (laporan platform rapat)"), default=0)

    class Meta:
        db_table = "sessions_app_onlineattendance"  # made by sessions_app; the table keeps its name
        verbose_name = _("kehadiran daring")
        verbose_name_plural = pgettext_lazy("jamak", "kehadiran daring")
        constraints = [models.UniqueConstraint(fields=["registration", "session"], name="online_attendance_once")]

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.session_id}: {self.minutes} min"

    @property
    def minutes(self) -> int:
        """The better-evidenced of the two sources; the platform report wins when it says more."""
        return max(self.heartbeat_minutes, self.report_minutes)


class MeetingReport(models.Model):
    """One uploaded participant report of a meeting platform (Zoom CSV) for a session."""

    session = models.ForeignKey("agenda.Session", on_delete=models.PROTECT, related_name="meeting_reports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(_("nama berkas"), max_length=200)
    rows_total = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "sessions_app_meetingreport"  # made by sessions_app; the table keeps its name
        ordering = ["-uploaded_at"]
        verbose_name = _("laporan platform rapat")
        verbose_name_plural = pgettext_lazy("jamak", "laporan platform rapat")

    def __str__(self) -> str:
        return f"{self.session}: {self.filename}"


class MeetingReportRow(models.Model):
    """One line of a meeting report, matched to a registration or left for an organiser to resolve."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("Cocok")
        UNMATCHED = "unmatched", _("Belum cocok")
        RESOLVED = "resolved", _("Dicocokkan panitia")
        IGNORED = "ignored", _("Diabaikan")
        INVALID = "invalid", _("Baris rusak")

    report = models.ForeignKey(MeetingReport, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField(_("baris"))
    name = models.CharField(_("nama di platform"), max_length=200, blank=True)
    email = models.CharField(_("e-mail di platform"), max_length=200, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveIntegerField(default=0)
    registration = models.ForeignKey(Registration, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    problem = models.CharField(_("masalah"), max_length=300, blank=True)

    class Meta:
        db_table = "sessions_app_meetingreportrow"  # made by sessions_app; the table keeps its name
        ordering = ["report", "line"]
        verbose_name = _("baris laporan platform rapat")
        verbose_name_plural = pgettext_lazy("jamak", "baris laporan platform rapat")
