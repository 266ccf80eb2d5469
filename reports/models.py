"""The activity report (*laporan kegiatan*) of an event: the organisers' narrative and the documents made from it.

Everything else in the report is read from the record when a version is generated
(``selectors.report_content``); only the three narrative sections are typed. Each
generation is a ``ReportVersion`` holding a PDF and a DOCX in the default storage
(local disk or S3) and the moment of the record it was made from. A final version is
signed (PAdES) and kept; drafts are replaced by the next generation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rakor.models import Event


class ActivityReport(models.Model):
    """One per event: the narrative sections organisers write (Markdown, rendered through nh3)."""

    event = models.OneToOneField(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                                 related_name="activity_report")
    background = models.TextField(_("latar belakang"), blank=True)
    objectives = models.TextField(_("maksud dan tujuan"), blank=True)
    conclusion = models.TextField(_("kesimpulan dan saran"), blank=True)
    updated_at = models.DateTimeField(_("terakhir diubah"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("laporan kegiatan")
        verbose_name_plural = _("laporan kegiatan")

    def __str__(self) -> str:
        return str(self.event)


class ReportVersion(models.Model):
    """One generated report: its PDF and DOCX, the record's moment it shows, draft or final (signed)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Sedang dibuat")
        READY = "ready", _("Siap")
        FAILED = "failed", _("Gagal")

    report = models.ForeignKey(ActivityReport, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("nomor versi"))
    final = models.BooleanField(_("final"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(_("galat"), blank=True)
    requested_at = models.DateTimeField(_("diminta pada"), auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # When it was handed to the background job; empty for a version left to be made when the report page
    # is next opened (seed_demo's, so the demo data is quick to load).
    queued_at = models.DateTimeField(_("diantrekan pada"), null=True, blank=True)
    record_as_of = models.DateTimeField(_("data per"), null=True, blank=True)
    pdf = models.FileField(_("berkas PDF"), upload_to="reports/", blank=True)
    docx = models.FileField(_("berkas DOCX"), upload_to="reports/", blank=True)
    pages = models.PositiveIntegerField(_("halaman"), default=0)
    signer = models.CharField(_("penanda tangan"), max_length=300, blank=True)
    seconds = models.FloatField(_("lama pembuatan (detik)"), default=0)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("versi laporan")
        verbose_name_plural = _("versi laporan")
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"
