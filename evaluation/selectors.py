"""Reads of the evaluation: who may answer now, the results (never below the smallest group), the portal card,
the certificate gate and the activity report's summary.

Respondents stay unidentifiable in what organisers see (docs/evaluation.md):

- nothing is shown before ``EVALUATION_MIN_GROUP`` (5) people have answered;
- a breakdown (in person / online) is shown only when *every* group in it has at least that many
  respondents: otherwise the small group could be read off by subtracting the others from the total;
- open answers are listed in the order of their random ids, never in the order they came, and
  without the respondent's attendance mode.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from attendance.models import CheckIn, OnlineAttendance, Registration, RegistrationDay
from attendance.personal_data import Section
from certificates.gates import DownloadWait

from .models import Answer, AnswerSet, Question, Questionnaire, Respondent

SCORES = (1, 2, 3, 4, 5)


def questionnaire_for(event) -> Questionnaire | None:
    """The event's questionnaire with ``n_items`` (its number of items), in one query; None without one."""
    return Questionnaire.objects.filter(event=event).annotate(n_items=Count("questions")).first()


_QUESTIONNAIRE_FIELDS = [f.attname for f in Questionnaire._meta.concrete_fields]


def cached_questionnaire_for(event) -> Questionnaire | None:
    """``questionnaire_for(event)`` kept per event in this process (``attendance.portal_cache.event_part``;
    evaluation/signals.py forgets it on every change): no query when warm. A new instance each call,
    its ``event`` the one given."""
    from attendance.portal_cache import event_part

    def load():
        q = questionnaire_for(event)
        return None if q is None else (tuple(getattr(q, name) for name in _QUESTIONNAIRE_FIELDS), q.n_items)

    row = event_part("evaluation-questionnaire", event.pk, load)
    if row is None:
        return None
    values, n_items = row
    questionnaire = Questionnaire.from_db("default", _QUESTIONNAIRE_FIELDS, values)
    questionnaire.n_items = n_items
    questionnaire.event = event
    return questionnaire


def has_items(questionnaire: Questionnaire | None) -> bool:
    if questionnaire is None:
        return False
    n = getattr(questionnaire, "n_items", None)
    return bool(n) if n is not None else questionnaire.questions.exists()


def opens_at(questionnaire: Questionnaire):
    """When answering opens: the organisers' time, else the start of the event's first session, else its first day."""
    if questionnaire.opens_at is not None:
        return questionnaire.opens_at
    first = Session.objects.filter(event=questionnaire.event).order_by("start").values_list("start", flat=True).first()
    if first is not None:
        return first
    event = questionnaire.event
    return dt.datetime.combine(event.start_date, dt.time.min, tzinfo=event.tz)


def refusal(questionnaire: Questionnaire | None, registration: Registration, *, now=None,
            answered: bool | None = None) -> str | None:
    """Why this registration may not answer this questionnaire now (a message), or None when it may.

    Only approved registrations of the questionnaire's event with a ticket not revoked, between
    opening and closing, and only once.
    """
    if not has_items(questionnaire):
        return _("Acara ini tidak memiliki evaluasi.")
    if registration.event_id != questionnaire.event_id:
        return _("Evaluasi ini untuk acara lain.")
    if registration.status != Registration.Status.APPROVED or registration.ticket_revoked_at is not None:
        return _("Evaluasi hanya untuk peserta yang pendaftarannya disetujui dan tiketnya berlaku.")
    now = now or timezone.now()
    if now < opens_at(questionnaire):
        return _("Evaluasi dibuka setelah acara dimulai.")
    if questionnaire.closes_at is not None and now >= questionnaire.closes_at:
        return _("Evaluasi sudah ditutup.")
    if answered if answered is not None else has_answered(questionnaire, registration):
        return _("Terima kasih, Anda sudah mengisi evaluasi.")
    return None


def has_answered(questionnaire: Questionnaire, registration: Registration) -> bool:
    return Respondent.objects.filter(questionnaire=questionnaire, registration=registration).exists()


def attendance_modes(registration_ids) -> dict[int, str]:
    """The coarse category stored on an answer set, per registration (three queries for any number):
    checked in at the venue → in person; else joined online → online; else what they registered (any day
    in person → in person, else online); nothing known → unknown."""
    ids = list(registration_ids)
    door = set(CheckIn.objects.filter(registration_id__in=ids, result=CheckIn.Result.OK)
               .exclude(method=CheckIn.Method.ONLINE).values_list("registration_id", flat=True))
    joined = set(OnlineAttendance.objects.filter(registration_id__in=ids).values_list("registration_id", flat=True))
    joined |= set(CheckIn.objects.filter(registration_id__in=ids, result=CheckIn.Result.OK,
                                         method=CheckIn.Method.ONLINE).values_list("registration_id", flat=True))
    registered: dict[int, set[str]] = defaultdict(set)
    for registration_id, mode in RegistrationDay.objects.filter(registration_id__in=ids).values_list(
            "registration_id", "mode"):
        registered[registration_id].add(mode)
    modes = {}
    for pk in ids:
        if pk in door:
            modes[pk] = AnswerSet.Mode.IN_PERSON
        elif pk in joined:
            modes[pk] = AnswerSet.Mode.ONLINE
        elif RegistrationDay.Mode.IN_PERSON in registered.get(pk, ()):
            modes[pk] = AnswerSet.Mode.IN_PERSON
        elif registered.get(pk):
            modes[pk] = AnswerSet.Mode.ONLINE
        else:
            modes[pk] = AnswerSet.Mode.UNKNOWN
    return modes


def attendance_mode(registration: Registration) -> str:
    return attendance_modes([registration.pk])[registration.pk]


def form_questions(questionnaire: Questionnaire) -> list[Question]:
    return list(questionnaire.questions.select_related("session").order_by("position", "pk"))


# ---------------------------------------------------------------- the portal's card and the certificate gate


def portal_state(registration: Registration) -> dict | None:
    """What the portal's evaluation card says: None when the event has no evaluation (or no items), or for a
    registration not approved (the portal says what matters to them first)."""
    if registration.status != Registration.Status.APPROVED:
        return None
    questionnaire = cached_questionnaire_for(registration.event)
    if not has_items(questionnaire):
        return None
    answered = has_answered(questionnaire, registration)
    reason = None if answered else refusal(questionnaire, registration, answered=False)
    return {"questionnaire": questionnaire, "answered": answered, "open": not answered and reason is None,
            "reason": reason, "url": reverse("evaluation:portal_form", args=[registration.portal_secret])}


def portal_signature(registration: Registration) -> str:
    """What the portal's evaluation card shows, as a string for the page's ETag (attendance.portal_cache).

    Keeps the state on the registration for the card's template tag, which then reads nothing again.
    The certificate block waits on the same ``answered``, so its change shows in the ETag too.
    """
    state = portal_state(registration)
    registration.portal_evaluation_card = state
    if state is None:
        return "-"
    q = state["questionnaire"]
    return repr((q.pk, q.required_for_certificate, state["answered"], state["open"], str(state["reason"] or "")))


def certificate_wait(registration: Registration) -> DownloadWait | None:
    """The certificate gate (registered in ``certificates.gates``): wait while a required evaluation is unanswered."""
    questionnaire = questionnaire_for(registration.event)
    if questionnaire is None or not questionnaire.required_for_certificate or not has_items(questionnaire):
        return None
    if has_answered(questionnaire, registration):
        return None
    return DownloadWait(message=_("Isi evaluasi untuk mengunduh sertifikat."),
                        url=reverse("evaluation:portal_form", args=[registration.portal_secret]),
                        action=_("Isi evaluasi"))


# ---------------------------------------------------------------- results


@dataclass
class ItemResult:
    question: Question
    count: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: {s: 0 for s in SCORES})

    @property
    def mean(self) -> float | None:
        if not self.count:
            return None
        return round(sum(s * n for s, n in self.distribution.items()) / self.count, 2)

    @property
    def shares(self) -> dict[int, float]:
        return {s: (n / self.count if self.count else 0.0) for s, n in self.distribution.items()}


def min_group() -> int:
    return max(1, int(settings.EVALUATION_MIN_GROUP))


def _item_results(questions: list[Question], answer_filter: dict) -> dict[int, ItemResult]:
    results = {q.pk: ItemResult(q) for q in questions if q.kind == Question.Kind.LIKERT}
    rows = (Answer.objects.filter(question__in=list(results), score__isnull=False, **answer_filter)
            .values("question_id", "score").annotate(n=Count("pk")))
    for row in rows:
        item = results[row["question_id"]]
        item.distribution[row["score"]] = row["n"]
        item.count += row["n"]
    return results


def mode_counts(questionnaire: Questionnaire) -> dict[str, int]:
    return dict(AnswerSet.objects.filter(questionnaire=questionnaire).values_list("mode")
                .annotate(n=Count("pk")).values_list("mode", "n"))


def breakdown_allowed(counts: dict[str, int]) -> bool:
    """A breakdown by group only when there are two groups or more and each has at least the smallest group size."""
    groups = [n for n in counts.values() if n]
    return len(groups) >= 2 and all(n >= min_group() for n in groups)


def results(questionnaire: Questionnaire) -> dict:
    """Everything the results page, its charts and the XLSX export show; nothing below the smallest group."""
    questions = form_questions(questionnaire)
    respondents = AnswerSet.objects.filter(questionnaire=questionnaire).count()
    counts = mode_counts(questionnaire)
    shown = respondents >= min_group()
    data = {"questionnaire": questionnaire, "respondents": respondents, "min_group": min_group(), "shown": shown,
            "questions": questions, "items": [], "sections": [], "modes": [], "breakdown": False, "open": []}
    if not shown:
        return data
    items = _item_results(questions, {"answer_set__questionnaire": questionnaire})
    data["items"] = [items[q.pk] for q in questions if q.pk in items]
    # Grouped for the page: general aspects in order, speaker items per session.
    sections: list[dict] = []
    for item in data["items"]:
        q = item.question
        key = (q.aspect, q.session_id if q.aspect == Question.Aspect.SPEAKER else None)
        if not sections or sections[-1]["key"] != key:
            title = q.get_aspect_display()
            if q.session_id:
                title = f"{title}: {q.session.title}"
            sections.append({"key": key, "title": title, "aspect": q.aspect, "session": q.session, "items": []})
        sections[-1]["items"].append(item)
    data["sections"] = sections
    if breakdown_allowed(counts):
        data["breakdown"] = True
        for mode, label in AnswerSet.Mode.choices:
            if not counts.get(mode):
                continue
            per = _item_results(questions, {"answer_set__mode": mode, "answer_set__questionnaire": questionnaire})
            for r in per.values():
                r.mode, r.mode_label = mode, label
            data["modes"].append({"mode": mode, "label": label, "respondents": counts[mode],
                                  "items": {pk: r for pk, r in per.items()}})
        for item in data["items"]:
            item.by_mode = [m["items"][item.question.pk] for m in data["modes"]]
    open_questions = [q for q in questions if q.kind == Question.Kind.OPEN]
    texts = defaultdict(list)
    # Random ids (uuid4): this order says nothing about who answered when.
    for question_id, text in (Answer.objects.filter(question__in=open_questions).exclude(text="")
                              .order_by("pk").values_list("question_id", "text")):
        texts[question_id].append(text)
    data["open"] = [{"question": q, "answers": texts.get(q.pk, [])} for q in open_questions]
    return data


def respondent_count(questionnaire: Questionnaire) -> int:
    return Respondent.objects.filter(questionnaire=questionnaire).count()


def report_summary(event) -> dict | None:
    """For the activity report (issue 18): None without a questionnaire; else respondents, per-item statistics
    and the number of open answers. Item statistics are empty below the smallest group (respondents not
    identifiable), as on the results page."""
    questionnaire = questionnaire_for(event)
    if questionnaire is None:
        return None
    data = results(questionnaire)
    items = []
    for item in data["items"]:
        q = item.question
        items.append({"aspect": str(q.get_aspect_display()), "question": q.label,
                      "session": q.session.title if q.session_id else None, "mean": item.mean, "count": item.count,
                      "distribution": dict(item.distribution)})
    open_answers = sum(len(o["answers"]) for o in data["open"])
    return {"respondents": data["respondents"], "items": items, "open_answers": open_answers}


# ---------------------------------------------------------------- "my data"


def personal_sections(participant, registrations) -> list:
    """Whether the person answered each evaluation (the answers themselves cannot be traced to them)."""
    rows = [{"event": r.questionnaire.event.name, "answered_on": r.answered_on}
            for r in Respondent.objects.filter(registration__in=registrations).select_related("questionnaire__event")
            .order_by("answered_on", "pk")]
    return [Section(key="evaluation", title=_("Evaluasi"),
                    columns=[("event", _("Acara")), ("answered_on", _("Diisi pada tanggal"))], rows=rows,
                    empty=_("Belum mengisi evaluasi."))]


def sessions_with_speakers(event) -> list[Session]:
    """Sessions that have a speaker (a guest speaker's name or a registered speaker), in programme order."""
    sessions = list(Session.objects.filter(event=event).annotate(n_speakers=Count("speakers")).order_by("start", "pk"))
    return [s for s in sessions if s.guest_speakers.strip() or s.n_speakers]
