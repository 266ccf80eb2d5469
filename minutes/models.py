"""Minutes (notulen) of a session, their revisions and autosaves, and the follow-up register (ActionItem).

Moved from sessions_app; the tables keep their names (``db_table``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rakor.models import Event, Unit

# The content of the minutes as the editor, revisions and diffs see it: the header (times,
# chair, minute taker) and the texts. "opened"/"closed" are HH:MM strings of opened_at/closed_at.
HEADER_FIELDS = ("opened", "closed", "chair_name", "chair_position", "chair_rank", "chair_nip",
                 "taker_name", "taker_position", "taker_rank", "taker_nip")
TEXT_FIELDS = ("agenda", "discussion", "questions", "decisions")
CONTENT_FIELDS = HEADER_FIELDS + TEXT_FIELDS
MODEL_FIELDS = [f for f in CONTENT_FIELDS if f not in ("opened", "closed")]


class Minutes(models.Model):
    """The minutes (*notula*) of one session: a governed record, draft → in review → final.

    The fields below hold the current text; every save also writes a ``MinutesRevision``
    with the whole content, so any two can be compared and an old one restored. The
    attendance block is read from the attendance record while the minutes are not final;
    finalising stores it (``attendance_snapshot``) so a final record does not change when
    late attendance records arrive (see ``minutes.selectors.attendance_for``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        REVIEW = "review", _("Dalam pemeriksaan")
        FINAL = "final", _("Final")

    session = models.OneToOneField("agenda.Session", verbose_name=_("sesi"), on_delete=models.PROTECT, related_name="minutes")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    minute_takers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("notulis"), blank=True,
                                           related_name="minutes_assigned")
    opened_at = models.DateTimeField(_("rapat dibuka"), null=True, blank=True)
    closed_at = models.DateTimeField(_("rapat ditutup"), null=True, blank=True)
    chair_name = models.CharField(_("nama pimpinan rapat"), max_length=200, blank=True)
    chair_position = models.CharField(_("jabatan pimpinan rapat"), max_length=200, blank=True)
    chair_rank = models.CharField(_("pangkat/golongan pimpinan rapat"), max_length=80, blank=True)
    chair_nip = models.CharField(_("NIP pimpinan rapat"), max_length=40, blank=True)
    taker_name = models.CharField(_("nama notulis penanda tangan"), max_length=200, blank=True)
    taker_position = models.CharField(_("jabatan notulis"), max_length=200, blank=True)
    taker_rank = models.CharField(_("pangkat/golongan notulis"), max_length=80, blank=True)
    taker_nip = models.CharField(_("NIP notulis"), max_length=40, blank=True)
    agenda = models.TextField(_("acara/agenda rapat"), blank=True)
    discussion = models.TextField(_("pembahasan"), blank=True)
    # Tanya jawab: the questions answered in the session (the questions app appends them; the minute taker edits).
    questions = models.TextField(_("tanya jawab"), blank=True)
    decisions = models.TextField(_("kesimpulan/keputusan"), blank=True)
    # The follow-ups as written in the current text; ActionItem rows are published from here on finalising.
    items = models.JSONField(_("tindak lanjut (naskah)"), default=list, blank=True)
    revision_number = models.PositiveIntegerField(_("nomor revisi"), default=0)
    review_note = models.TextField(_("catatan pemeriksa"), blank=True)
    updated_at = models.DateTimeField(_("terakhir diubah"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    finalised_at = models.DateTimeField(_("difinalkan pada"), null=True, blank=True)
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("difinalkan oleh"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    # The attendance block as it stood when the minutes were finalised (JSON, see selectors.attendance_snapshot);
    # empty while not final. Never copied into the audit trail (names and NIPs).
    attendance_snapshot = models.JSONField(_("daftar hadir saat difinalkan"), null=True, blank=True, editable=False)
    attendance_snapshot_at = models.DateTimeField(_("daftar hadir direkam pada"), null=True, blank=True,
                                                  editable=False)

    class Meta:
        db_table = "sessions_app_minutes"  # made by sessions_app; the table keeps its name
        verbose_name = _("notulen")
        verbose_name_plural = pgettext_lazy("jamak", "notulen")

    def __str__(self) -> str:
        return str(self.session)

    @property
    def event(self):
        return self.session.event

    @property
    def event_id(self):
        return self.session.event_id


class MinutesRevision(models.Model):
    """One saved state of the minutes: who, when, why, and the whole content (JSON)."""

    class Kind(models.TextChoices):
        SAVE = "save", _("Simpan")
        SUBMIT = "submit", _("Diajukan untuk diperiksa")
        RETURN = "return", _("Dikembalikan ke notulis")
        FINALISE = "finalise", _("Difinalkan")
        CORRECTION = "correction", _("Koreksi atas notulen final")
        RESTORE = "restore", _("Pemulihan revisi lama")

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("nomor"))
    kind = models.CharField(_("jenis"), max_length=12, choices=Kind.choices, default=Kind.SAVE)
    status = models.CharField(_("status"), max_length=10, choices=Minutes.Status.choices)
    content = models.JSONField(_("isi"), default=dict)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("oleh"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(_("oleh (nama)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)
    reason = models.TextField(_("alasan"), blank=True)
    restored_from = models.PositiveIntegerField(_("dipulihkan dari revisi"), null=True, blank=True)

    class Meta:
        db_table = "sessions_app_minutesrevision"  # made by sessions_app; the table keeps its name
        ordering = ["minutes", "-number"]
        verbose_name = _("revisi notulen")
        verbose_name_plural = pgettext_lazy("jamak", "revisi notulen")
        constraints = [models.UniqueConstraint(fields=["minutes", "number"], name="minutes_revision_number_once")]

    def __str__(self) -> str:
        return f"{self.minutes} #{self.number}"


class MinutesAutosave(models.Model):
    """One editor's unsaved text, kept by the page every few seconds until they save or discard it."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="autosaves")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    content = models.JSONField(default=dict)
    base_revision = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "sessions_app_minutesautosave"  # made by sessions_app; the table keeps its name
        verbose_name = _("simpan otomatis notulen")
        verbose_name_plural = pgettext_lazy("jamak", "simpan otomatis notulen")
        constraints = [models.UniqueConstraint(fields=["minutes", "user"], name="minutes_autosave_once")]


class ActionItem(models.Model):
    """A follow-up (*tindak lanjut*) decided in a session: what, which unit, by when; tracked by that unit.

    ``minutes`` is empty for a follow-up brought in from the previous event (``carried_from``).
    ``key`` stays the same across revisions of the minutes, so a correction keeps the unit's
    progress and evidence.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Belum ditindaklanjuti")
        IN_PROGRESS = "in_progress", _("Dalam proses")
        DONE = "done", _("Selesai")
        DROPPED = "dropped", _("Tidak dapat ditindaklanjuti")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    event = models.ForeignKey(Event, verbose_name=_("acara"), on_delete=models.CASCADE, related_name="action_items")
    minutes = models.ForeignKey(Minutes, verbose_name=_("notulen"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="action_items")
    key = models.CharField(max_length=36, db_index=True)
    position = models.PositiveIntegerField(_("urutan"), default=0)
    what = models.TextField(_("tindak lanjut"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit penanggung jawab"), on_delete=models.PROTECT,
                             related_name="action_items")
    due_date = models.DateField(_("batas waktu"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    progress_note = models.TextField(_("catatan perkembangan"), blank=True)
    status_changed_at = models.DateTimeField(_("status diubah pada"), null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    carried_from = models.ForeignKey("self", verbose_name=_("dari tindak lanjut acara sebelumnya"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="carried_to")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "sessions_app_actionitem"  # made by sessions_app; the table keeps its name
        ordering = ["due_date", "position", "pk"]
        verbose_name = _("tindak lanjut")
        verbose_name_plural = pgettext_lazy("jamak", "tindak lanjut")
        indexes = [models.Index(fields=["event", "status", "due_date"])]
        constraints = [
            models.UniqueConstraint(fields=["event", "carried_from"], condition=models.Q(carried_from__isnull=False),
                                    name="action_item_carried_once"),
        ]

    def __str__(self) -> str:
        return self.what[:80]

    def is_overdue(self, today=None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return bool(self.due_date and self.status in self.OPEN_STATUSES and self.due_date < today)


class ActionItemEvidence(models.Model):
    """Evidence of a follow-up: a note, a link and/or a file, added by the unit or the organisers."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="evidence")
    note = models.TextField(_("keterangan"), blank=True)
    link = models.URLField(_("tautan bukti"), max_length=500, blank=True)
    file = models.FileField(_("berkas bukti"), upload_to="tindak-lanjut/%Y/%m/", blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_by_label = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(_("ditambahkan pada"), auto_now_add=True)

    class Meta:
        db_table = "sessions_app_actionitemevidence"  # made by sessions_app; the table keeps its name
        ordering = ["added_at", "pk"]
        verbose_name = _("bukti tindak lanjut")
        verbose_name_plural = pgettext_lazy("jamak", "bukti tindak lanjut")

    def __str__(self) -> str:
        return self.note[:80] or self.link or self.file.name
