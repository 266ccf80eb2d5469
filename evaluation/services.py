"""Writes of the evaluation: the questionnaire (default items, edits) and a participant's answers.

``evaluation_submit`` is the one way answers get in: it records the respondent (unique per questionnaire
and registration, so a double submit writes nothing twice) and the answer set in one transaction, and
the two share nothing but that transaction (see evaluation.models for what keeps them apart).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.portal_cache import forget_event_parts
from rakor.audit import audit_record, snapshot

from . import selectors
from .models import Answer, AnswerSet, Question, Questionnaire, Respondent

OPEN_ANSWER_MAX = 2000


class EvaluationError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# Default items: (aspect, kind, Indonesian, English). Speaker items are added per session with a speaker.
DEFAULT_ITEMS = [
    (Question.Aspect.SUBSTANCE, Question.Kind.LIKERT,
     "Materi yang disampaikan relevan dengan tugas dan fungsi saya.",
     "The content was relevant to my duties."),
    (Question.Aspect.SUBSTANCE, Question.Kind.LIKERT,
     "Materi mudah dipahami dan dapat saya terapkan di unit kerja.",
     "The content was easy to understand and I can apply it in my unit."),
    (Question.Aspect.ORGANISATION, Question.Kind.LIKERT,
     "Jadwal acara tepat waktu dan informasi dari panitia jelas.",
     "The programme ran on time and the organisers' information was clear."),
    (Question.Aspect.ORGANISATION, Question.Kind.LIKERT,
     "Pendaftaran dan registrasi kehadiran mudah.",
     "Registration and check-in were easy."),
    (Question.Aspect.VENUE, Question.Kind.LIKERT,
     "Tempat acara (bagi peserta luring) atau siaran daring (bagi peserta daring) nyaman dan lancar.",
     "The venue (in person) or the online stream (online) was comfortable and worked well."),
    (Question.Aspect.GENERAL, Question.Kind.OPEN,
     "Apa yang paling bermanfaat dari kegiatan ini?",
     "What was most useful in this meeting?"),
    (Question.Aspect.GENERAL, Question.Kind.OPEN,
     "Saran untuk penyelenggaraan berikutnya.",
     "Suggestions for the next meeting."),
]
SPEAKER_ITEM = ("Narasumber menyampaikan materi dengan jelas dan menjawab pertanyaan dengan baik.",
                "The speaker presented clearly and answered questions well.")


def questionnaire_ensure(*, event, by=None) -> Questionnaire:
    """The event's questionnaire, made empty when it has none. Idempotent."""
    questionnaire, created = Questionnaire.objects.get_or_create(event=event)
    if created and by is not None:
        audit_record(actor=by, action="evaluation_create", obj=questionnaire, event=event,
                     after=snapshot(questionnaire))
    return questionnaire


@transaction.atomic
def questionnaire_create_default(*, event, by=None) -> Questionnaire:
    """The default questionnaire in one click: the items above, and one speaker item per session with a speaker.

    Adds nothing to a questionnaire that already has items (idempotent), and never changes one that has
    answers.
    """
    questionnaire = questionnaire_ensure(event=event, by=by)
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.questions.exists():
        return questionnaire
    rows = []
    position = 0
    general = DEFAULT_ITEMS[:2]
    rest = DEFAULT_ITEMS[2:]
    for aspect, kind, text, text_en in general:
        position += 10
        rows.append(Question(questionnaire=questionnaire, aspect=aspect, kind=kind, text=text, text_en=text_en,
                             position=position))
    for session in selectors.sessions_with_speakers(event):
        position += 10
        rows.append(Question(questionnaire=questionnaire, aspect=Question.Aspect.SPEAKER, kind=Question.Kind.LIKERT,
                             session=session, text=SPEAKER_ITEM[0], text_en=SPEAKER_ITEM[1], required=False,
                             position=position))
    for aspect, kind, text, text_en in rest:
        position += 10
        rows.append(Question(questionnaire=questionnaire, aspect=aspect, kind=kind, text=text, text_en=text_en,
                             required=kind == Question.Kind.LIKERT, position=position))
    Question.objects.bulk_create(rows)
    forget_event_parts()  # no signal for a bulk insert: the portal's copy of the questionnaire has items now
    if by is not None:
        audit_record(actor=by, action="evaluation_default", obj=questionnaire, event=event,
                     after={"items": len(rows)})
    return questionnaire


def _locked(questionnaire: Questionnaire) -> None:
    if questionnaire.answer_sets.exists():
        raise EvaluationError("answered", _("Sudah ada yang mengisi evaluasi: butir tidak dapat ditambah atau dihapus "
                                            "lagi (hasilnya akan tidak sebanding). Teks butir masih dapat diperbaiki."))


@transaction.atomic
def question_save(*, question: Question, by, structural_change: bool) -> Question:
    """Add or edit an item. Adding, or changing its kind, aspect or session, is refused once anyone answered."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    before = None
    if question.pk:
        before = snapshot(Question.objects.get(pk=question.pk))
    if structural_change:
        _locked(questionnaire)
    question.save()
    audit_record(actor=by, action="evaluation_item_save", obj=question, event=questionnaire.event, before=before,
                 after=snapshot(question))
    return question


@transaction.atomic
def question_delete(*, question: Question, by) -> None:
    questionnaire = Questionnaire.objects.select_for_update().get(pk=question.questionnaire_id)
    _locked(questionnaire)
    audit_record(actor=by, action="evaluation_item_delete", obj=question, event=questionnaire.event,
                 before=snapshot(question))
    question.delete()


@transaction.atomic
def questionnaire_settings_save(*, questionnaire: Questionnaire, by) -> Questionnaire:
    before = snapshot(Questionnaire.objects.get(pk=questionnaire.pk))
    questionnaire.save()
    audit_record(actor=by, action="evaluation_settings", obj=questionnaire, event=questionnaire.event,
                 before=before, after=snapshot(questionnaire))
    return questionnaire


def evaluation_submit(*, questionnaire: Questionnaire, registration, scores: dict[int, int],
                      texts: dict[int, str], now=None) -> AnswerSet:
    """Record one participant's answers, once.

    Refused (``EvaluationError`` with the refusal's message) for another event's registration, one not
    approved or with a revoked ticket, before opening or after closing, or when they already answered:
    the unique (questionnaire, registration) constraint on ``Respondent`` decides a race, so of two
    submits at once exactly one is written and the other is refused as "already answered".
    ``scores``: {question id: 1..5} for Likert items; ``texts``: {question id: text} for open ones; items
    of other questionnaires are ignored; a required Likert item left out is refused.
    """
    now = now or timezone.now()
    reason = selectors.refusal(questionnaire, registration, now=now)
    if reason is not None:
        code = "answered" if selectors.has_answered(questionnaire, registration) else "refused"
        raise EvaluationError(code, reason)
    questions = selectors.form_questions(questionnaire)
    missing = [q for q in questions if q.kind == Question.Kind.LIKERT and q.required and q.pk not in scores]
    if missing:
        raise EvaluationError("missing", _("Mohon jawab semua butir yang wajib."))
    mode = selectors.attendance_mode(registration)
    answered_on = timezone.localdate(now, timezone=questionnaire.event.tz)
    try:
        with transaction.atomic():
            Respondent.objects.create(questionnaire=questionnaire, registration=registration,
                                      answered_on=answered_on)
            answer_set = AnswerSet.objects.create(questionnaire=questionnaire, mode=mode)
            rows = []
            for q in questions:
                if q.kind == Question.Kind.LIKERT and scores.get(q.pk) in (1, 2, 3, 4, 5):
                    rows.append(Answer(answer_set=answer_set, question=q, score=scores[q.pk]))
                elif q.kind == Question.Kind.OPEN and (texts.get(q.pk) or "").strip():
                    rows.append(Answer(answer_set=answer_set, question=q, text=texts[q.pk].strip()[:OPEN_ANSWER_MAX]))
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        raise EvaluationError("answered", _("Terima kasih, Anda sudah mengisi evaluasi.")) from None
    return answer_set


def evaluation_erase_person(erasure) -> None:
    """Erasure (UU PDP): the person's answers cannot be found (that is the point), so their identifying values
    are scrubbed from every open answer of the evaluations they could have answered. The respondent rows
    stay: they name only the (now erased) registration, and keep the person from answering twice."""
    event_ids = {r.event_id for r in erasure.registrations}
    answers = list(Answer.objects.select_for_update().filter(
        answer_set__questionnaire__event_id__in=event_ids, question__kind=Question.Kind.OPEN).exclude(text=""))
    changed = []
    for answer in answers:
        scrubbed = erasure.marks.scrub(answer.text)
        if scrubbed != answer.text:
            answer.text = scrubbed
            changed.append(answer)
    Answer.objects.bulk_update(changed, ["text"])
    erasure.count("evaluation_open_answers", len(changed))
