"""The organisers' and moderators' side: the sessions' question lists, moderating, and the hall's screen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agenda.models import Session
from rakor.access import role_required
from rakor.models import Event
from rakor.roles import is_organiser

from ..models import ANSWER_NOTE_MAX_LENGTH, Question, QuestionSettings, SessionModerator
from ..selectors import can_moderate, moderator_questions, public_snapshot, sessions_moderated_by
from ..services import event_settings_set, moderator_add, moderator_remove, question_moderate

signed_in = role_required(lambda user: True, lambda: _("Halaman ini hanya untuk moderator dan panitia."))


def _moderated_session(request, event: str, session_id: int) -> Session:
    session = get_object_or_404(Session.objects.select_related("event"), pk=session_id, event__slug=event)
    if not can_moderate(request.user, session):
        raise PermissionDenied(_("Anda bukan moderator sesi ini."))
    return session


@signed_in
@require_http_methods(["GET", "HEAD"])
def index(request, event):
    event = get_object_or_404(Event, slug=event)
    sessions = list(sessions_moderated_by(request.user, event).prefetch_related("question_moderators__user"))
    if not sessions and not is_organiser(request.user):
        raise PermissionDenied(_("Anda bukan moderator sesi mana pun dari acara ini."))
    settings_row = QuestionSettings.objects.filter(event=event).first()
    return render(request, "questions/index.html", {
        "event": event, "sessions": sessions, "nav": "questions", "is_organiser": is_organiser(request.user),
        "allow_anonymous": bool(settings_row and settings_row.allow_anonymous),
    })


@signed_in
@require_POST
def event_settings(request, event):
    event = get_object_or_404(Event, slug=event)
    if not is_organiser(request.user):
        raise PermissionDenied(_("Hanya panitia yang mengubah pengaturan tanya jawab."))
    event_settings_set(event=event, allow_anonymous=request.POST.get("allow_anonymous") == "1", by=request.user)
    messages.success(request, _("Pengaturan tanya jawab disimpan."))
    return redirect("questions:index", event=event.slug)


@signed_in
@require_POST
def moderators(request, event, session_id: int):
    session = get_object_or_404(Session.objects.select_related("event"), pk=session_id, event__slug=event)
    if not is_organiser(request.user):
        raise PermissionDenied(_("Hanya panitia yang menunjuk moderator."))
    remove = request.POST.get("remove")
    if remove:
        row = get_object_or_404(SessionModerator, pk=remove, session=session)
        moderator_remove(row=row, by=request.user)
    else:
        user = get_user_model().objects.filter(username=request.POST.get("username", "").strip(), is_active=True).first()
        if user is None:
            messages.error(request, _("Pengguna dengan nama itu tidak ditemukan."))
        else:
            moderator_add(session=session, user=user, by=request.user)
            messages.success(request, _("%(u)s sekarang moderator “%(s)s”.") % {"u": user.get_username(), "s": session.title})
    return redirect(reverse("questions:index", kwargs={"event": event}) + f"#sesi-{session.pk}")


def _moderation_context(session: Session) -> dict:
    found = moderator_questions(session)
    S = Question.Status
    return {
        "session": session, "event": session.event, "pending": found[S.PENDING], "approved": found[S.APPROVED],
        "answered": found[S.ANSWERED], "hidden": found[S.HIDDEN], "merged": found[S.MERGED],
        "merge_targets": found[S.APPROVED] + found[S.PENDING], "note_max": ANSWER_NOTE_MAX_LENGTH,
    }


@signed_in
@require_http_methods(["GET", "HEAD"])
def moderate(request, event, session_id: int):
    session = _moderated_session(request, event, session_id)
    context = _moderation_context(session)
    context.update({"nav": "questions", "ws_path": f"/ws/events/{session.event.slug}/sessions/{session.pk}/questions/moderate/"})
    return render(request, "questions/moderate.html", context)


@signed_in
@require_http_methods(["GET", "HEAD"])
def moderate_list(request, event, session_id: int):
    """The lists alone (the moderator page's script replaces its lists with this after a push)."""
    session = _moderated_session(request, event, session_id)
    return render(request, "questions/_moderate_lists.html", _moderation_context(session))


@signed_in
@require_POST
def moderate_act(request, event, session_id: int, question_id: int):
    session = _moderated_session(request, event, session_id)
    question = get_object_or_404(Question.objects.select_related("session__event"), pk=question_id, session=session)
    into = None
    if request.POST.get("action") == "merge":
        into = Question.objects.filter(pk=request.POST.get("into") or 0, session=session).first()
    try:
        question_moderate(question=question, action=request.POST.get("action", ""), by=request.user,
                          note=request.POST.get("note", ""), into=into)
    except ValidationError as exc:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": "refused", "message": " ".join(exc.messages)}, status=400)
        messages.error(request, " ".join(exc.messages))
    else:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": "ok"})
    return redirect(reverse("questions:moderate", kwargs={"event": event, "session_id": session.pk}) + f"#q-{question.pk}")


@signed_in
@require_http_methods(["GET", "HEAD"])
def projector(request, event, session_id: int):
    session = _moderated_session(request, event, session_id)
    return render(request, "questions/projector.html", {
        "session": session, "event": session.event, "snapshot": public_snapshot(session),
        "ws_path": f"/ws/events/{session.event.slug}/sessions/{session.pk}/questions/",
        "poll_url": reverse("questions:projector_json", kwargs={"event": event, "session_id": session.pk}),
    })


@signed_in
@require_http_methods(["GET", "HEAD"])
def projector_json(request, event, session_id: int):
    session = _moderated_session(request, event, session_id)
    return JsonResponse(public_snapshot(session))


