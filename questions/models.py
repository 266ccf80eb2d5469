"""Questions from the floor and from online participants during a live session (*tanya jawab*)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agenda.models import Session
from attendance.models import Registration
from rakor.models import Event

QUESTION_MAX_LENGTH = 500
ANSWER_NOTE_MAX_LENGTH = 1000


class QuestionSettings(models.Model):
    """The event's rules for questions (one row per event; absent means the defaults)."""

    event = models.OneToOneField(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                                 related_name="question_settings")
    allow_anonymous = models.BooleanField(
        _("boleh bertanya anonim bagi peserta"), default=False,
        help_text=_("Nama penanya disembunyikan dari peserta lain dan layar; panitia dan moderator tetap melihatnya."))

    class Meta:
        verbose_name = _("pengaturan tanya jawab")
        verbose_name_plural = _("pengaturan tanya jawab")

    def __str__(self) -> str:
        return str(self.event)


class SessionModerator(models.Model):
    """A user who moderates the questions of one session (organisers always may)."""

    session = models.ForeignKey(Session, verbose_name=_("sesi"), on_delete=models.CASCADE,
                                related_name="question_moderators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("pengguna"), on_delete=models.CASCADE,
                             related_name="moderated_sessions")

    class Meta:
        verbose_name = _("moderator tanya jawab")
        verbose_name_plural = _("moderator tanya jawab")
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="session_moderator_once")]

    def __str__(self) -> str:
        return f"{self.user} — {self.session}"


class Question(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu persetujuan")
        APPROVED = "approved", _("Disetujui")
        ANSWERED = "answered", _("Sudah dijawab")
        HIDDEN = "hidden", _("Disembunyikan")
        MERGED = "merged", _("Digabung")

    VISIBLE = (Status.APPROVED, Status.ANSWERED)  # what participants and the projector may see

    session = models.ForeignKey(Session, verbose_name=_("sesi"), on_delete=models.CASCADE, related_name="questions")
    registration = models.ForeignKey(Registration, verbose_name=_("penanya"), on_delete=models.CASCADE,
                                     related_name="questions")
    text = models.TextField(_("pertanyaan"), max_length=QUESTION_MAX_LENGTH)
    anonymous = models.BooleanField(_("anonim bagi peserta"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    merged_into = models.ForeignKey("self", verbose_name=_("digabung ke"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged")
    on_screen = models.BooleanField(_("tampil di layar"), default=False)
    answer_note = models.TextField(_("catatan jawaban"), max_length=ANSWER_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("diajukan"), auto_now_add=True)
    moderated_at = models.DateTimeField(_("dimoderasi"), null=True, blank=True)
    answered_at = models.DateTimeField(_("dijawab"), null=True, blank=True)

    class Meta:
        verbose_name = _("pertanyaan")
        verbose_name_plural = _("pertanyaan")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["session", "status"], name="question_session_status")]
        constraints = [
            # At most one question of a session on the hall's screen.
            models.UniqueConstraint(fields=["session"], condition=Q(on_screen=True), name="question_one_on_screen"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Vote(models.Model):
    """One person's upvote of one question: the unique constraint makes it count once, whatever the races."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="question_votes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dukungan")
        verbose_name_plural = _("dukungan")
        constraints = [models.UniqueConstraint(fields=["question", "registration"], name="vote_once_per_person")]
