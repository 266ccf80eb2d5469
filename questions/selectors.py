"""Reads of the questions app: who may do what, and the snapshots the sockets and pages show."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from agenda.selectors import cached_event_sessions
from attendance.models import Registration
from rakor.roles import is_organiser

from .models import (
    QUESTION_MAX_LENGTH,
    Question,
    QuestionSettings,
    SessionModerator,
    Vote,
)

WAITING_SHOWN = 30  # approved questions a participant's socket carries (by votes): the top of the list
ANSWERED_SHOWN = 10
PROJECTOR_WAITING = 5


def questions_group(session_id: int) -> str:
    return f"questions-{session_id}"


def moderators_group(session_id: int) -> str:
    return f"questions-mod-{session_id}"


def allow_anonymous(event_id: int) -> bool:
    return QuestionSettings.objects.filter(event_id=event_id, allow_anonymous=True).exists()


def cached_allow_anonymous(event_id: int) -> bool:
    """``allow_anonymous`` kept per event in this process (``attendance.portal_cache.event_part``;
    questions/signals.py forgets it on every change of the settings): no query when warm."""
    from attendance.portal_cache import event_part

    return event_part("questions-allow-anonymous", event_id, lambda: allow_anonymous(event_id))


# ---------------------------------------------------------------- who may


def registration_may_take_part(registration: Registration, session: Session) -> bool:
    """An approved, unrevoked registration of the session's event (in the room or online)."""
    return (registration.event_id == session.event_id and registration.status == Registration.Status.APPROVED
            and registration.ticket_revoked_at is None)


def ask_refusal(registration: Registration, session: Session) -> str | None:
    """None when the holder may ask and vote in the session now; else why not (shown to them)."""
    if not registration_may_take_part(registration, session):
        return _("Hanya peserta yang pendaftarannya disetujui yang dapat bertanya.")
    if session.status != Session.Status.LIVE:
        return _("Pertanyaan dapat diajukan hanya selama sesi berlangsung.")
    return None


def can_moderate(user, session: Session) -> bool:
    """Organisers moderate every session; a SessionModerator only theirs."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_organiser(user):
        return True
    return SessionModerator.objects.filter(session=session, user=user).exists()


def sessions_moderated_by(user, event):
    sessions = Session.objects.filter(event=event).order_by("start", "title")
    if is_organiser(user):
        return sessions
    return sessions.filter(question_moderators__user=user).distinct()


# ---------------------------------------------------------------- what each audience sees


def _base(session_id: int):
    return (Question.objects.filter(session_id=session_id)
            .select_related("registration__participant__unit")
            .annotate(vote_count=Count("votes")))


def _public_item(q: Question, anonymous_allowed: bool) -> dict:
    hide = q.anonymous and anonymous_allowed
    p = q.registration.participant
    return {
        "id": q.pk, "text": q.text, "votes": q.vote_count, "status": q.status, "on_screen": q.on_screen,
        "asker": _("Anonim") if hide else p.full_name, "unit": "" if hide else p.unit.name,
        "answer": q.answer_note if q.status == Question.Status.ANSWERED else "",
    }


def public_snapshot(session: Session) -> dict:
    """What every participant, and the hall's screen, may see: approved and answered questions only.

    Pending, hidden and merged questions never appear here, so they never reach a participant's socket.
    """
    anonymous_allowed = allow_anonymous(session.event_id)
    visible = list(_base(session.pk).filter(status__in=Question.VISIBLE))
    current = next((q for q in visible if q.on_screen), None)
    waiting = sorted((q for q in visible if q.status == Question.Status.APPROVED and not q.on_screen),
                     key=lambda q: (-q.vote_count, q.created_at, q.pk))
    answered = sorted((q for q in visible if q.status == Question.Status.ANSWERED and not q.on_screen),
                      key=lambda q: (q.answered_at or q.created_at), reverse=True)
    return {
        "session": {"id": session.pk, "title": session.title, "status": session.status},
        "current": _public_item(current, anonymous_allowed) if current else None,
        "waiting": [_public_item(q, anonymous_allowed) for q in waiting[:WAITING_SHOWN]],
        "waiting_count": len(waiting),
        "answered": [_public_item(q, anonymous_allowed) for q in answered[:ANSWERED_SHOWN]],
    }


def moderator_questions(session: Session) -> dict[str, list[Question]]:
    """Every question of the session by status, askers always named (never anonymous to organisers)."""
    found = {s: [] for s in Question.Status.values}
    for q in _base(session.pk).select_related("merged_into"):
        found[q.status].append(q)
    found[Question.Status.APPROVED].sort(key=lambda q: (not q.on_screen, -q.vote_count, q.created_at))
    found[Question.Status.ANSWERED].sort(key=lambda q: q.answered_at or q.created_at, reverse=True)
    return found


def moderator_snapshot(session: Session) -> dict:
    """A small signal for the moderator page (it then fetches its list): counts per status and the newest id."""
    counts = dict.fromkeys(Question.Status.values, 0)
    for status, n in Question.objects.filter(session=session).values_list("status").annotate(n=Count("pk")):
        counts[status] = n
    return {"session": session.pk, "counts": counts,
            "votes": Vote.objects.filter(question__session=session).count()}


def my_questions(registration: Registration, session: Session) -> list[Question]:
    return list(Question.objects.filter(session=session, registration=registration).order_by("-created_at"))


def my_votes(registration: Registration, session: Session) -> set[int]:
    return set(Vote.objects.filter(registration=registration, question__session=session)
               .values_list("question_id", flat=True))


def portal_question_sessions(registration: Registration, today) -> list[Session]:
    """Sessions whose question box the portal carries: live ones (shown), and today's scheduled ones (hidden
    until the agenda's live status turns them live). None for a registration that may not ask.

    From the agenda's cached sessions (``cached_event_sessions``: no query when warm), so the box
    costs the portal nothing in the herd minute; a session's status change bumps their version."""
    if registration.status != Registration.Status.APPROVED or registration.ticket_revoked_at is not None:
        return []
    _version, sessions = cached_event_sessions(registration.event)
    chosen = [s for s in sessions if s.status == Session.Status.LIVE
              or (s.status == Session.Status.SCHEDULED and s.day == today)]
    return sorted(chosen, key=lambda s: (s.start, s.title))


def portal_box(registration: Registration) -> dict:
    """What the portal's "Tanya" box shows (``{% questions_portal_box %}``)."""
    today = timezone.now().astimezone(registration.event.tz).date()
    sessions = portal_question_sessions(registration, today)
    return {"registration": registration, "sessions": sessions, "max_length": QUESTION_MAX_LENGTH,
            "allow_anonymous": bool(sessions) and cached_allow_anonymous(registration.event_id)}


def portal_signature(registration: Registration) -> str:
    """The box's state as a string for the portal page's ETag (attendance.portal_cache); keeps the box's
    context on the registration for the template tag, which then reads nothing again."""
    box = portal_box(registration)
    registration.portal_questions_box = box
    return repr(([(s.pk, s.status, s.day) for s in box["sessions"]], box["allow_anonymous"]))


