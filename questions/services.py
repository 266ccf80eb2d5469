"""Writes of the questions app: asking, upvoting, moderating. Atomic; pushes go out on commit.

Every change of a session's questions ends in ``_changed(session)`` on commit: the sockets'
hubs (questions.consumers) rebuild the snapshot once per process and push it, at most every
``PUSH_SECONDS``, so ten thousand votes a minute are a few pushes a second, not one per vote.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from attendance.models import Registration
from attendance.personal_data import Section
from attendance.ratelimit import form_limit_hit
from minutes.services import minutes_append_questions
from rakor import audit
from rakor.broadcast import group_send_batched

from .models import ANSWER_NOTE_MAX_LENGTH, QUESTION_MAX_LENGTH, Question, QuestionSettings, SessionModerator, Vote
from .selectors import allow_anonymous, ask_refusal, can_moderate, moderators_group, questions_group

log = logging.getLogger("rakor.questions")

ASK_LIMIT, ASK_WINDOW = 5, 600  # questions per person per ten minutes
VOTE_LIMIT, VOTE_WINDOW = 60, 60  # votes per person per minute
MIN_LENGTH = 5

ACTIONS = ("approve", "hide", "restore", "answer", "screen", "unscreen", "merge")


class QuestionRefused(Exception):
    """A participant's ask or vote that is not allowed; ``code`` is fixed, ``message`` is for them."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _changed(session_id: int) -> None:
    """Tell every process's hub that the session's questions changed (coalesced, see the module)."""
    def send():
        group_send_batched(questions_group(session_id), "questions.changed", {"session": session_id})
        group_send_batched(moderators_group(session_id), "questions.changed", {"session": session_id})
    transaction.on_commit(send)


def clean_text(text: str) -> str:
    """One question's text: trimmed, inner whitespace runs kept short, control characters dropped.

    Not HTML-escaped here: every page escapes on output (autoescape), the sockets carry JSON that
    the scripts put in with textContent, and the notula's Markdown goes through nh3.
    """
    text = "".join(ch for ch in (text or "") if ch in "\n\t" or ch.isprintable())
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def question_ask(*, registration: Registration, session: Session, text: str, anonymous: bool = False) -> Question:
    """A participant asks. Refused (QuestionRefused) unless their registration is approved, unrevoked and of the
    session's event, the session is live, the text fits, and they are within their rate limit (per person, not
    per address: a whole district office behind one NAT asks freely). The question waits for a moderator."""
    refusal = ask_refusal(registration, session)
    if refusal:
        raise QuestionRefused("not_allowed" if session.status == Session.Status.LIVE else "not_live", refusal)
    text = clean_text(text)
    if len(text) < MIN_LENGTH:
        raise QuestionRefused("empty", _("Tulis pertanyaan Anda (sedikitnya %(n)d karakter).") % {"n": MIN_LENGTH})
    if len(text) > QUESTION_MAX_LENGTH:
        raise QuestionRefused("too_long", _("Pertanyaan terlalu panjang (maks. %(n)d karakter).") % {
            "n": QUESTION_MAX_LENGTH})
    if form_limit_hit("question-ask", str(registration.pk), limit=ASK_LIMIT, window=ASK_WINDOW):
        raise QuestionRefused("rate_limited", _("Anda sudah mengajukan banyak pertanyaan. Coba lagi nanti."))
    with transaction.atomic():
        question = Question.objects.create(
            session=session, registration=registration, text=text,
            anonymous=bool(anonymous) and allow_anonymous(session.event_id))
        _changed(session.pk)
    log.info("question %s asked in session %s by registration %s", question.pk, session.pk, registration.pk)
    return question


def question_vote(*, registration: Registration, question: Question) -> bool:
    """Upvote; True when this person's vote is new. Counted once per person whatever the races: the unique
    constraint (question, registration) decides, a second insert is a no-op. Only approved questions of a
    live session, by someone who may take part."""
    session = question.session
    refusal = ask_refusal(registration, session)
    if refusal:
        raise QuestionRefused("not_allowed" if session.status == Session.Status.LIVE else "not_live", refusal)
    # The row's status now, not the caller's copy's: a question hidden a moment ago takes no votes.
    if Question.objects.filter(pk=question.pk).values_list("status", flat=True).first() != Question.Status.APPROVED:
        raise QuestionRefused("not_open", _("Pertanyaan ini tidak dapat didukung lagi."))
    if form_limit_hit("question-vote", str(registration.pk), limit=VOTE_LIMIT, window=VOTE_WINDOW):
        raise QuestionRefused("rate_limited", _("Terlalu banyak dukungan dalam waktu singkat. Coba lagi nanti."))
    try:
        with transaction.atomic():
            Vote.objects.create(question=question, registration=registration)
            _changed(session.pk)
    except IntegrityError:
        return False
    return True


def _audit(question: Question, *, by, action: str, before: dict, reason: str = "") -> None:
    fields = ["status", "on_screen", "merged_into", "answer_note", "moderated_at", "answered_at"]
    audit.audit_record(actor=by, action=f"question_{action}", obj=question, before=before,
                       after=audit.snapshot(question, fields), event=question.session.event, reason=reason)


_MARKDOWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "`": "\\`",
                                   "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "#": "\\#"})


def _literal(text: str) -> str:
    """Text that Markdown prints as it is: no markup, no HTML (the notula's nh3 pass is a second net)."""
    return " ".join((text or "").split()).translate(_MARKDOWN_ESCAPES)


def minutes_entry(question: Question) -> str:
    """The question as a Markdown item of the minutes' *Tanya jawab* (asker always named: a record)."""
    p = question.registration.participant
    asker = f"{_literal(p.full_name)} ({_literal(p.unit.name)})"
    lines = [f"**{_('Penanya')}:** {asker}", f"**{_('Pertanyaan')}:** {_literal(question.text)}"]
    if question.answer_note:
        lines.append(f"**{_('Jawaban')}:** {_literal(question.answer_note)}")
    return "  \n".join(lines)


def question_moderate(*, question: Question, action: str, by, note: str = "", into: Question | None = None) -> Question:
    """A moderator's act on a question: approve, hide, restore (a hidden one back to waiting), answer (with a
    short note; the question goes into the minutes' *Tanya jawab*), screen / unscreen (the one on the hall's
    screen), merge (a duplicate into ``into``: its votes move there, each person still once).

    Locks the question (and the session's screen); audited, every act; refused with PermissionDenied for
    anyone but an organiser or a moderator of the session.
    """
    if action not in ACTIONS:
        raise ValidationError(_("Tindakan tidak dikenal."))
    session = question.session
    if not can_moderate(by, session):
        raise PermissionDenied(_("Anda bukan moderator sesi ini."))
    note = (note or "").strip()
    if len(note) > ANSWER_NOTE_MAX_LENGTH:
        raise ValidationError(_("Catatan jawaban terlalu panjang (maks. %(n)d karakter).") % {"n": ANSWER_NOTE_MAX_LENGTH})
    S = Question.Status
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()  # one screen change at a time
        question = (Question.objects.select_for_update().select_related("session__event", "registration__participant__unit")
                    .get(pk=question.pk))
        before = audit.snapshot(question, ["status", "on_screen", "merged_into", "answer_note"])
        now = timezone.now()
        question.moderated_at = now
        if action == "approve":
            if question.status not in (S.PENDING, S.HIDDEN):
                raise ValidationError(_("Pertanyaan ini sudah dimoderasi."))
            question.status = S.APPROVED
        elif action == "hide":
            question.status, question.on_screen = S.HIDDEN, False
        elif action == "restore":
            if question.status != S.HIDDEN:
                raise ValidationError(_("Hanya pertanyaan yang disembunyikan yang dapat dikembalikan."))
            question.status = S.APPROVED
        elif action == "answer":
            if question.status not in (S.PENDING, S.APPROVED, S.ANSWERED):
                raise ValidationError(_("Pertanyaan ini tidak dapat ditandai dijawab."))
            first = question.status != S.ANSWERED
            question.status, question.answer_note, question.on_screen = S.ANSWERED, note, False
            question.answered_at = question.answered_at or now
        elif action in ("screen", "unscreen"):
            if action == "screen":
                if question.status not in (S.PENDING, S.APPROVED):
                    raise ValidationError(_("Hanya pertanyaan yang menunggu yang dapat ditampilkan di layar."))
                Question.objects.filter(session=session, on_screen=True).exclude(pk=question.pk).update(on_screen=False)
                question.status = S.APPROVED
            question.on_screen = action == "screen"
        elif action == "merge":
            if into is None or into.session_id != session.pk or into.pk == question.pk:
                raise ValidationError(_("Pilih pertanyaan lain dari sesi yang sama untuk digabung."))
            into = Question.objects.select_for_update().get(pk=into.pk)
            if into.status not in Question.VISIBLE and into.status != S.PENDING:
                raise ValidationError(_("Pertanyaan tujuan sudah disembunyikan atau digabung."))
            voters = list(question.votes.values_list("registration_id", flat=True))
            Vote.objects.bulk_create([Vote(question=into, registration_id=r) for r in voters], ignore_conflicts=True)
            question.votes.all().delete()
            question.status, question.merged_into, question.on_screen = S.MERGED, into, False
        question.save()
        _audit(question, by=by, action=action, before=before, reason=note if action == "answer" else "")
        if action == "answer" and first:
            minutes_append_questions(session=session, text=minutes_entry(question), by=by)
        _changed(session.pk)
    log.info("question %s: %s by user %s", question.pk, action, getattr(by, "pk", None))
    return question


def event_settings_set(*, event, allow_anonymous: bool, by) -> QuestionSettings:
    """An organiser sets whether participants may ask anonymously (to the audience only). Audited."""
    with transaction.atomic():
        row, _created = QuestionSettings.objects.select_for_update().get_or_create(event=event)
        before = audit.snapshot(row, ["allow_anonymous"])
        row.allow_anonymous = bool(allow_anonymous)
        row.save()
        audit.audit_record(actor=by, action="question_settings", obj=row, before=before,
                           after=audit.snapshot(row, ["allow_anonymous"]), event=event)
    return row


def moderator_add(*, session: Session, user, by) -> SessionModerator:
    """Make ``user`` a moderator of the session's questions (idempotent). Audited."""
    with transaction.atomic():
        row, created = SessionModerator.objects.get_or_create(session=session, user=user)
        if created:
            audit.audit_record(actor=by, action="question_moderator_add", obj=row, before={},
                               after={"session": session.pk, "user": user.pk}, event=session.event)
    return row


def moderator_remove(*, row: SessionModerator, by) -> None:
    with transaction.atomic():
        audit.audit_record(actor=by, action="question_moderator_remove", obj=row,
                           before={"session": row.session_id, "user": row.user_id}, after={}, event=row.session.event)
        row.delete()


# ---------------------------------------------------------------- "my data" and erasure (attendance.personal_data)


def questions_personal_sections(participant, registrations) -> list[Section]:
    rows = [
        {"session": q.session.title, "text": q.text, "status": q.get_status_display(), "created_at": q.created_at,
         "answer_note": q.answer_note}
        for q in Question.objects.filter(registration__in=registrations).select_related("session").order_by("pk")
    ]
    return [Section(key="questions", title=_("Pertanyaan yang Anda ajukan"),
                    columns=[("session", _("Sesi")), ("text", _("Pertanyaan")), ("status", _("Status"))],
                    rows=rows, empty=_("Belum ada pertanyaan."))]


def questions_erase_person(erasure) -> None:
    """Delete the person's questions and votes (the minutes' copy is scrubbed by the minutes' own erasure)."""
    ids = erasure.registration_ids
    votes, _n = Vote.objects.filter(registration_id__in=ids).delete()
    asked = list(Question.objects.filter(registration_id__in=ids).values_list("session_id", flat=True))
    Question.objects.filter(registration_id__in=ids).delete()
    erasure.count("questions", len(asked))
    erasure.count("question_votes", votes)
    for session_id in set(asked):
        _changed(session_id)
