"""Agenda items (sessions) of an event, with their online links and live status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rakor.models import Event, Unit


class Session(models.Model):
    class Kind(models.TextChoices):
        PLENARY = "plenary", _("Pleno")
        PANEL = "panel", _("Panel")
        BREAKOUT = "breakout", _("Kelompok (breakout)")
        CEREMONY = "ceremony", _("Seremonial")
        BREAK = "break", _("Rehat")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("Luring")
        ONLINE = "online", _("Daring")
        HYBRID = "hybrid", _("Hibrida")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Terjadwal")
        LIVE = "live", _("Sedang berlangsung")
        ENDED = "ended", _("Selesai")

    class JoinScope(models.TextChoices):
        ALL_ONLINE = "all_online", _("Semua peserta daring")
        UNITS = "units", _("Unit tertentu saja")

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("judul"), max_length=250)
    description = models.TextField(_("uraian"), blank=True)
    day = models.DateField(_("hari"))
    start = models.DateTimeField(_("mulai"))
    end = models.DateTimeField(_("selesai"))
    room = models.CharField(_("ruang"), max_length=120, blank=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=Kind.choices, default=Kind.PLENARY)
    mode = models.CharField(_("moda"), max_length=20, choices=Mode.choices, default=Mode.HYBRID)
    guest_speakers = models.TextField(_("narasumber tamu"), blank=True, help_text=_("Satu nama per baris."))
    moderator_name = models.CharField(_("moderator"), max_length=200, blank=True)
    meeting_url = models.URLField(_("tautan rapat daring"), max_length=500, blank=True)
    meeting_passcode = models.CharField(_("kode sandi rapat"), max_length=60, blank=True)
    stream_url = models.URLField(_("tautan siaran (YouTube)"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    join_scope = models.CharField(_("yang boleh bergabung daring"), max_length=20, choices=JoinScope.choices,
                                  default=JoinScope.ALL_ONLINE)
    allowed_units = models.ManyToManyField(Unit, verbose_name=_("unit yang boleh bergabung"), blank=True,
                                           related_name="+")
    speakers = models.ManyToManyField("attendance.Registration", verbose_name=_("narasumber terdaftar"), blank=True,
                                      related_name="sessions_as_speaker")
    join_opens_minutes_before = models.PositiveIntegerField(
        _("tombol bergabung aktif (menit sebelum mulai)"), default=15,
        help_text=_("Peserta daring dapat bergabung sejak sekian menit sebelum sesi mulai, atau begitu sesi disiarkan."),
    )
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["start", "title"]
        verbose_name = _("sesi")
        verbose_name_plural = pgettext_lazy("jamak", "sesi")

    def __str__(self) -> str:
        return self.title


class OnlineAttendance(models.Model):
    """How long one registration attended one session online.

    Fed by the portal's heartbeats and by the meeting platform's participant report
    (e.g. Zoom's CSV); certificates use ``minutes``.
    """

    registration = models.ForeignKey("attendance.Registration", on_delete=models.PROTECT, related_name="online_attendance")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="online_attendance")
    first_joined_at = models.DateTimeField(_("pertama bergabung"), null=True, blank=True)
    last_heartbeat_at = models.DateTimeField(_("detak terakhir"), null=True, blank=True)
    heartbeat_minutes = models.PositiveIntegerField(_("menit (detak portal)"), default=0)
    report_minutes = models.PositiveIntegerField(_("menit (laporan platform rapat)"), default=0)

    class Meta:
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

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="meeting_reports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(_("nama berkas"), max_length=200)
    rows_total = models.PositiveIntegerField(default=0)

    class Meta:
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
    registration = models.ForeignKey("attendance.Registration", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    problem = models.CharField(_("masalah"), max_length=300, blank=True)

    class Meta:
        ordering = ["report", "line"]
        verbose_name = _("baris laporan platform rapat")
        verbose_name_plural = pgettext_lazy("jamak", "baris laporan platform rapat")
