"""Agenda items (sessions) of an event, with their online links and live status."""

from __future__ import annotations

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
        db_table = "sessions_app_session"  # made by sessions_app; the table keeps its name
        ordering = ["start", "title"]
        verbose_name = _("sesi")
        verbose_name_plural = pgettext_lazy("jamak", "sesi")

    def __str__(self) -> str:
        return self.title
