"""Sessions API (DESIGN.md, "API"): the agenda for anyone, the status switch for organisers.

Participants and anonymous callers get session_public_data (never the meeting URL or
passcode); organisers also get the links. Status changes go through session_set_status.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from rakor.models import Event
from rakor.roles import is_organiser

from .models import Session
from .selectors import session_public_data
from .services import session_set_status


class IsOrganiser(permissions.BasePermission):
    message = _("Hanya panitia yang dapat mengubah status sesi.")

    def has_permission(self, request, view):
        return is_organiser(request.user)


def session_api_data(session: Session, *, organiser: bool) -> dict:
    data = session_public_data(session)
    data.update({
        "description": session.description,
        "guest_speakers": [line.strip() for line in session.guest_speakers.splitlines() if line.strip()],
        "moderator": session.moderator_name, "join_scope": session.join_scope,
        "status_changed_at": session.status_changed_at.isoformat() if session.status_changed_at else None,
    })
    if organiser:
        data.update({"meeting_url": session.meeting_url, "meeting_passcode": session.meeting_passcode,
                     "stream_url": session.stream_url})
    return data


_SESSION_FIELDS = {
    "id": serializers.IntegerField(), "title": serializers.CharField(), "day": serializers.DateField(),
    "start": serializers.DateTimeField(), "end": serializers.DateTimeField(), "room": serializers.CharField(),
    "kind": serializers.ChoiceField(choices=Session.Kind.choices),
    "mode": serializers.ChoiceField(choices=Session.Mode.choices),
    "status": serializers.ChoiceField(choices=Session.Status.choices),
    "has_stream": serializers.BooleanField(), "description": serializers.CharField(),
    "guest_speakers": serializers.ListField(child=serializers.CharField()),
    "moderator": serializers.CharField(), "join_scope": serializers.ChoiceField(choices=Session.JoinScope.choices),
    "status_changed_at": serializers.DateTimeField(allow_null=True),
    "meeting_url": serializers.CharField(required=False, help_text="Organisers only."),
    "meeting_passcode": serializers.CharField(required=False, help_text="Organisers only."),
    "stream_url": serializers.CharField(required=False, help_text="Organisers only."),
}
SessionOutput = inline_serializer("Session", _SESSION_FIELDS)


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Session.Status.choices)


class SessionListView(APIView):
    """GET /api/v1/events/<event>/sessions/ — public."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: inline_serializer("SessionList", {"sessions": serializers.ListField(
        child=inline_serializer("SessionItem", _SESSION_FIELDS))})})
    def get(self, request, slug: str):
        event = get_object_or_404(Event, slug=slug)
        organiser = is_organiser(request.user)
        sessions = list(event.sessions.order_by("start", "title", "pk"))
        return Response({"sessions": [session_api_data(s, organiser=organiser) for s in sessions]})


class SessionStatusView(APIView):
    """POST /api/v1/events/<event>/sessions/<id>/status/ — organisers; the organiser page's button."""

    permission_classes = [IsOrganiser]

    @extend_schema(request=StatusInput, responses={
        200: inline_serializer("SessionStatusResult", {"session": inline_serializer("SessionAfter", _SESSION_FIELDS)}),
        400: OpenApiResponse(description="Unknown status or a transition that is not allowed."),
        404: OpenApiResponse(description="No such session in this event."),
    })
    def post(self, request, slug: str, pk: int):
        event = get_object_or_404(Event, slug=slug)
        session = get_object_or_404(Session, event=event, pk=pk)
        data = StatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            session = session_set_status(session=session, status=data.validated_data["status"], by=request.user)
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"status": exc.messages}
            raise exceptions.ValidationError(errors)
        return Response({"session": session_api_data(session, organiser=True)})
