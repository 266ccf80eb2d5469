"""Core of the organisation: the unit tree, events and who works for which unit."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and every unit under it (uses the materialised path)."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """One node of the ministry's organisation tree (data an organiser edits)."""

    class Kind(models.TextChoices):
        ECHELON_I = "echelon_1", _("Unit Eselon I")
        PROVINCIAL = "provincial", _("Kantor Wilayah (provinsi)")
        DISTRICT = "district", _("Kantor Kemenag Kab/Kota")
        TRAINING = "training", _("Balai Diklat Keagamaan")
        RESEARCH = "research", _("Balai Litbang")
        OTHER = "other", _("Lainnya")

    name = models.CharField(_("nama"), max_length=200)
    short_name = models.CharField(_("singkatan"), max_length=60, blank=True)
    # Other ways people write this unit in the lists they send (old names, local abbreviations),
    # one per line; the import matches them after rakor.unit_names.unit_key.
    aliases = models.TextField(_("nama lain"), blank=True, help_text=_(
        "Satu per baris: nama lama atau singkatan yang dipakai kantor dalam daftar peserta (mis. \"Kandepag Bandung\")."))
    code = models.SlugField(_("kode"), max_length=60, unique=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("induk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    province = models.CharField(_("provinsi"), max_length=80, blank=True)
    sort_order = models.PositiveIntegerField(_("urutan"), default=0)
    # "/<id>/<id>/" from the root: a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("unit kerja")
        verbose_name_plural = pgettext_lazy("jamak", "unit kerja")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        node = self.parent
        while node is not None:
            if self.pk and node.pk == self.pk:
                raise ValidationError({"parent": _("Unit tidak boleh menjadi induk dari dirinya sendiri.")})
            node = node.parent

    def save(self, *args, **kwargs):
        old_path = self.path
        if not self.pk:
            super().save(*args, **kwargs)
            kwargs.pop("force_insert", None)
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        if self.parent_id and not self.province:
            self.province = self.parent.province
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moved in the tree: rewrite the paths under it in one statement.
            from django.db.models.functions import Concat, Substr
            from django.db.models import Value

            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )

    def is_within(self, other: "Unit") -> bool:
        return self.path.startswith(other.path)


class Event(models.Model):
    """A coordination meeting (Rakor), e.g. the Inspektorat Jenderal's Rakorwas."""

    slug = models.SlugField(_("kode acara"), max_length=60, unique=True)
    name = models.CharField(_("nama acara"), max_length=200)
    theme = models.CharField(_("tema"), max_length=300, blank=True)
    organiser_unit = models.ForeignKey(
        Unit, verbose_name=_("unit penyelenggara"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="organised_events",
    )
    venue = models.CharField(_("tempat"), max_length=200, blank=True)
    venue_address = models.CharField(_("alamat tempat"), max_length=300, blank=True)
    time_zone = models.CharField(_("zona waktu"), max_length=40, default="Asia/Jakarta")
    start_date = models.DateField(_("tanggal mulai"))
    end_date = models.DateField(_("tanggal selesai"))
    registration_opens = models.DateTimeField(_("pendaftaran dibuka"), null=True, blank=True)
    registration_closes = models.DateTimeField(_("pendaftaran ditutup"), null=True, blank=True)
    in_person_capacity = models.PositiveIntegerField(
        _("kapasitas luring"), null=True, blank=True, help_text=_("Jumlah kursi luring per hari; kosong berarti tidak dibatasi.")
    )
    requires_approval = models.BooleanField(
        _("perlu persetujuan panitia"), default=True,
        help_text=_("Jika tidak dicentang, pendaftaran langsung disetujui."),
    )
    wa_service = models.CharField(_("WA Layanan"), max_length=20, blank=True)
    wa_complaints = models.CharField(_("WA Pengaduan"), max_length=20, blank=True)
    offline_scan_hours = models.PositiveSmallIntegerField(
        _("batas pindaian luring (jam)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("Pindaian yang disimpan pemindai saat luring diterima bila dikirim paling lambat sekian jam "
                    "setelah dipindai; yang lebih lama ditolak. Kosong: bawaan server."),
    )
    join_spread_seconds = models.PositiveSmallIntegerField(
        _("sebaran tombol Gabung (detik)"), default=5, validators=[MaxValueValidator(60)],
        help_text=_("Saat sesi dinyalakan, tombol Gabung di portal setiap peserta menyala setelah jeda acak "
                    "antara 0 dan sekian detik, supaya ribuan peserta tidak bergabung pada detik yang sama. "
                    "0: semua menyala seketika."),
    )
    # Ed25519 key pair that signs this event's tickets. The private key is sealed (a Fernet token of the raw
    # 32 bytes under settings.TICKET_KEY_ENCRYPTION_KEYS, rakor/signing.py); the public key is raw, base64url.
    signing_key = models.TextField(editable=False)
    public_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("acara")
        verbose_name_plural = pgettext_lazy("jamak", "acara")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("Tanggal selesai harus sama dengan atau sesudah tanggal mulai.")})
        if self.registration_opens and self.registration_closes and self.registration_closes <= self.registration_opens:
            raise ValidationError({"registration_closes": _("Pendaftaran harus ditutup sesudah dibuka.")})
        try:
            zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Zona waktu tidak dikenal.")})

    def save(self, *args, **kwargs):
        if not self.signing_key:
            from rakor.signing import generate_sealed_keypair

            self.signing_key, self.public_key = generate_sealed_keypair()
        super().save(*args, **kwargs)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def offline_hours(self) -> int:
        """How old an offline-queued scan may be when it reaches the server (attendance.checkin.scan_time)."""
        return self.offline_scan_hours or settings.CHECKIN_OFFLINE_MAX_HOURS

    @property
    def days(self) -> list[dt.date]:
        n = (self.end_date - self.start_date).days + 1
        return [self.start_date + dt.timedelta(days=i) for i in range(max(n, 0))]

    def registration_is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.registration_opens and now < self.registration_opens:
            return False
        if self.registration_closes and now >= self.registration_closes:
            return False
        return True


class StaffProfile(models.Model):
    """Binds a Django user (coordinator, scanner operator, minute taker) to one unit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rakor_profile")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff")
    position = models.CharField(_("jabatan"), max_length=200, blank=True)
    whatsapp = models.CharField(_("nomor WhatsApp"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("profil petugas")
        verbose_name_plural = pgettext_lazy("jamak", "profil petugas")

    def __str__(self) -> str:
        return f"{self.user} — {self.unit}"


class AuditEntry(models.Model):
    """One organiser change (who, what, when, before and after). Written by `rakor.audit`."""

    at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the entry still names the person if the account is deleted.
    actor_label = models.CharField(_("oleh (nama)"), max_length=200, blank=True)
    event = models.ForeignKey(
        Event, verbose_name=_("acara"), null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    action = models.CharField(_("tindakan"), max_length=40)
    model = models.CharField(_("jenis data"), max_length=60, db_index=True)
    object_id = models.CharField(_("ID data"), max_length=64)
    object_repr = models.CharField(_("data"), max_length=300, blank=True)
    before = models.JSONField(_("sebelum"), null=True, blank=True)
    after = models.JSONField(_("sesudah"), null=True, blank=True)
    reason = models.TextField(_("alasan"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["event", "-at"]), models.Index(fields=["model", "object_id"])]
        verbose_name = _("jejak audit")
        verbose_name_plural = pgettext_lazy("jamak", "jejak audit")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.model}#{self.object_id}"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class SignInThrottle(models.Model):
    """Failed sign-ins of one account name or one client address, and its lock (``rakor.signin``).

    One row per name (as typed, whether or not such an account exists) and per address
    (an IPv6 client by its /64). ``failures`` counts within the current window;
    ``locks`` counts the locks in a row, each twice as long as the one before.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("nama pengguna")
        ADDRESS = "address", _("alamat jaringan")

    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("nama pengguna / alamat"), max_length=150)
    failures = models.PositiveIntegerField(_("gagal dalam jendela ini"), default=0)
    window_started_at = models.DateTimeField(_("jendela mulai"), null=True, blank=True)
    locked_until = models.DateTimeField(_("dikunci sampai"), null=True, blank=True, db_index=True)
    locks = models.PositiveIntegerField(_("penguncian berturut-turut"), default=0)
    last_locked_at = models.DateTimeField(_("terakhir dikunci"), null=True, blank=True)
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="signin_throttle_kind_key")]
        verbose_name = _("kunci masuk")
        verbose_name_plural = pgettext_lazy("jamak", "kunci masuk")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()
