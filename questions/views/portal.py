"""The participant's side: the question page of a live session, asking and upvoting (plain POSTs work
without JavaScript), and the polling answer for networks that block WebSockets."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agenda.models import Session
from attendance.portal import portal_view

from ..models import QUESTION_MAX_LENGTH, Question
from ..selectors import (
    allow_anonymous,
    ask_refusal,
    my_questions,
    my_votes,
    public_snapshot,
    questions_group,
    registration_may_take_part,
)
from ..services import QuestionRefused, question_ask, question_vote


def _session(registration, session_id: int) -> Session:
    session = Session.objects.select_related("event").filter(pk=session_id, event_id=registration.event_id).first()
    if session is None or not registration_may_take_part(registration, session):
        raise Http404
    return session


def _page(registration, session) -> str:
    return reverse("questions:portal", kwargs={"secret": registration.portal_secret, "session_id": session.pk})


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_questions(request, registration, session_id: int):
    session = _session(registration, session_id)
    return render(request, "questions/portal.html", {
        "registration": registration, "event": session.event, "session": session,
        "refusal": ask_refusal(registration, session), "snapshot": public_snapshot(session),
        "mine": my_questions(registration, session), "voted": my_votes(registration, session),
        "allow_anonymous": allow_anonymous(session.event_id), "max_length": QUESTION_MAX_LENGTH,
        "ws_path": f"/ws/events/{session.event.slug}/sessions/{session.pk}/questions/",
        "group": questions_group(session.pk),
    })


@require_POST
@portal_view
def portal_ask(request, registration, session_id: int):
    session = _session(registration, session_id)
    try:
        question_ask(registration=registration, session=session, text=request.POST.get("text", ""),
                     anonymous=request.POST.get("anonymous") == "1")
    except QuestionRefused as refused:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": refused.code, "message": refused.message}, status=400)
        messages.error(request, refused.message)
    else:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": "ok"})
        messages.success(request, _("Pertanyaan terkirim dan menunggu persetujuan moderator."))
    return redirect(_page(registration, session) + "#tanya")


@require_POST
@portal_view
def portal_vote(request, registration, session_id: int, question_id: int):
    session = _session(registration, session_id)
    question = Question.objects.select_related("session").filter(pk=question_id, session=session).first()
    if question is None:
        raise Http404
    try:
        new = question_vote(registration=registration, question=question)
    except QuestionRefused as refused:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": refused.code, "message": refused.message}, status=400)
        messages.error(request, refused.message)
    else:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"result": "ok" if new else "already_voted"})
    return redirect(_page(registration, session) + f"#q-{question.pk}")


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_questions_json(request, registration, session_id: int):
    session = _session(registration, session_id)
    data = public_snapshot(session)
    data["voted"] = sorted(my_votes(registration, session))
    return JsonResponse(data)
