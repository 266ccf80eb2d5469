"""The participants' evaluation (*evaluasi penyelenggaraan*, issue 17): a questionnaire per event, who answered,
and the answers, kept so that the answers cannot be traced back to the person who gave them.

Three kinds of rows, and why they are apart:

- ``Respondent`` says *who* answered (a registration, once per questionnaire, enforced by a unique
  constraint): it is what "answered once" and the certificate gate read. It holds no answer.
- ``AnswerSet`` is *one* respondent's answers as a whole (so results count respondents, not rows), with
  only a coarse category of how they attended (in person / online / unknown) for the breakdown.
- ``Answer`` is one item's answer (a score 1-5 or a text) of an answer set.

Nothing joins the first to the other two:

- no foreign key from an answer set or an answer to the registration, the participant or the respondent;
- no timestamp on answer sets or answers (a submission time would join them to the respondent's day);
  the respondent record keeps only the *date* it answered, which many share;
- random UUID primary keys on answer sets and answers: an auto-increment id would give away the order
  of submissions, and the n-th respondent would be the n-th answer set. Pages list answer sets and open
  answers in the order of those random ids, never in the order they came.

What this does not hide (docs/evaluation.md says so too): someone with raw access to the database server
(its write-ahead log, the physical order of rows, statement logs) could still correlate the two inserts of
one submission. The guarantee is for what the application, its pages and its exports show.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from agenda.models import Session
from attendance.models import Registration
from rakor.models import Event


class Questionnaire(models.Model):
    event = models.OneToOneField(Event, verbose_name=_("acara"), on_delete=models.CASCADE,
                                 related_name="evaluation_questionnaire")
    opens_at = models.DateTimeField(
        _("dibuka mulai"), null=True, blank=True,
        help_text=_("Kosongkan: dibuka saat sesi pertama acara dimulai (atau hari pertama bila belum ada sesi)."))
    closes_at = models.DateTimeField(_("ditutup pada"), null=True, blank=True,
                                     help_text=_("Kosongkan: tidak ditutup."))
    required_for_certificate = models.BooleanField(
        _("wajib diisi sebelum mengunduh sertifikat"), default=False,
        help_text=_("Sertifikat tetap diterbitkan dan dapat diverifikasi; hanya unduhan dari portal yang menunggu."))
    intro = models.TextField(_("pengantar"), blank=True)
    intro_en = models.TextField(_("pengantar (Inggris)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kuesioner evaluasi")
        verbose_name_plural = _("kuesioner evaluasi")

    def __str__(self) -> str:
        return str(_("Evaluasi %(event)s") % {"event": self.event.name})

    @property
    def intro_text(self) -> str:
        return bilingual(self.intro, self.intro_en)


def bilingual(text_id: str, text_en: str) -> str:
    """The text in the request's language: English where there is one and it is asked for, else Indonesian."""
    if text_en and (translation.get_language() or "id").startswith("en"):
        return text_en
    return text_id


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("skala 1–5")
        OPEN = "open", _("pertanyaan terbuka")

    class Aspect(models.TextChoices):
        SUBSTANCE = "substance", _("Materi")
        SPEAKER = "speaker", _("Narasumber")
        ORGANISATION = "organisation", _("Penyelenggaraan")
        VENUE = "venue", _("Tempat atau siaran")
        GENERAL = "general", _("Umum")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.LIKERT)
    aspect = models.CharField(_("aspek"), max_length=20, choices=Aspect.choices, default=Aspect.SUBSTANCE)
    session = models.ForeignKey(Session, verbose_name=_("sesi"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("Untuk butir narasumber: sesi yang dinilai."))
    text = models.CharField(_("pertanyaan"), max_length=300)
    text_en = models.CharField(_("pertanyaan (Inggris)"), max_length=300, blank=True)
    required = models.BooleanField(_("wajib dijawab"), default=True)
    position = models.PositiveIntegerField(_("urutan"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("butir evaluasi")
        verbose_name_plural = _("butir evaluasi")

    def __str__(self) -> str:
        return self.text

    @property
    def label(self) -> str:
        return bilingual(self.text, self.text_en)


class Respondent(models.Model):
    """Who answered: once per questionnaire and registration. No link to the answers (see the module)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="respondents")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="evaluation_respondents")
    answered_on = models.DateField(_("diisi pada tanggal"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "registration"],
                                               name="evaluation_answered_once")]
        verbose_name = _("responden evaluasi")
        verbose_name_plural = _("responden evaluasi")

    def __str__(self) -> str:
        return f"{self.questionnaire_id}:{self.registration_id}"


class AnswerSet(models.Model):
    """One respondent's answers, not linkable to the person: random id, no timestamp, a coarse category only."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("Luring")
        ONLINE = "online", _("Daring")
        UNKNOWN = "unknown", _("Tidak diketahui")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="answer_sets")
    mode = models.CharField(_("cara hadir"), max_length=10, choices=Mode.choices, default=Mode.UNKNOWN)

    class Meta:
        verbose_name = _("jawaban evaluasi")
        verbose_name_plural = _("jawaban evaluasi")


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer_set = models.ForeignKey(AnswerSet, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer_set", "question"], name="evaluation_answer_once_per_item"),
            models.CheckConstraint(condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                                   name="evaluation_score_1_to_5"),
        ]
