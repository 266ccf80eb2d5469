"""Sessions API (DESIGN.md, "API"): the agenda for anyone, the status switch for organisers.

Participants and anonymous callers get session_public_data (never the meeting URL or
passcode); organisers also get the links. Status changes go through session_set_status.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from rakor.api import Pagination
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


def _session_fields() -> dict:
    """Fresh field instances each time: a serializer class takes its fields out of the dict it is given."""
    return {
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


SessionOutput = inline_serializer("Session", _session_fields())
SessionItem = type("SessionItem", (serializers.Serializer,), {**_session_fields(), "__module__": __name__})


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Session.Status.choices)


class SessionFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(field_name="day")
    status = django_filters.ChoiceFilter(choices=Session.Status.choices)
    mode = django_filters.ChoiceFilter(choices=Session.Mode.choices)
    kind = django_filters.ChoiceFilter(choices=Session.Kind.choices)

    class Meta:
        model = Session
        fields = ("day", "status", "mode", "kind")


class SessionPagination(Pagination):
    """The API's ``?page``/``?page_size`` with the list under ``sessions`` (what the portal and clients read).

    An agenda fits one page (100 by default): the count query is skipped when it does.
    """

    page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        try:
            number = int(request.query_params.get(self.page_query_param) or 1)
        except ValueError:
            number = 0
        if number < 1 or number > 1_000_000:  # no agenda has a millionth page (and the offset must fit the database)
            raise exceptions.NotFound(_("Halaman tidak ada."))
        offset = (number - 1) * size
        rows = list(queryset[offset:offset + size + 1])
        if number > 1 and not rows:
            raise exceptions.NotFound(_("Halaman tidak ada."))
        self.number, self.size = number, size
        self.total = offset + len(rows) if len(rows) <= size else queryset.count()
        return rows[:size]

    def _link(self, number):
        if number < 1 or (number - 1) * self.size >= self.total:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, number) if number > 1 else remove_query_param(
            url, self.page_query_param)

    def get_paginated_response(self, data):
        return Response({"count": self.total, "next": self._link(self.number + 1),
                         "previous": self._link(self.number - 1) if self.number > 1 else None, "sessions": data})

    def get_paginated_response_schema(self, schema):
        return {"type": "object", "required": ["count", "sessions"], "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "format": "uri", "nullable": True},
            "previous": {"type": "string", "format": "uri", "nullable": True},
            "sessions": schema,
        }}


class SessionListView(generics.ListAPIView):
    """GET /api/v1/events/<event>/sessions/ — public; filters day, status, mode, kind."""

    permission_classes = [permissions.AllowAny]
    pagination_class = SessionPagination
    filterset_class = SessionFilter
    serializer_class = SessionItem

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        self.event = get_object_or_404(Event, slug=self.kwargs["slug"])
        return self.event.sessions.order_by("start", "title", "pk")

    @extend_schema(responses={200: SessionItem(many=True),
                              404: OpenApiResponse(description="No such event, or no such page.")})
    def get(self, request, *args, **kwargs):
        sessions = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        organiser = is_organiser(request.user)
        return self.get_paginated_response([session_api_data(s, organiser=organiser) for s in sessions])


class SessionStatusView(APIView):
    """POST /api/v1/events/<event>/sessions/<id>/status/ — organisers; the organiser page's button."""

    permission_classes = [IsOrganiser]

    # JSON only in the schema: a body offered in several content types made openapi-python-client
    # generate a module that fails on import (NameError: Unset; issue 13, item 8). Forms still parse.
    @extend_schema(request={"application/json": StatusInput}, responses={
        200: inline_serializer("SessionStatusResult", {"session": inline_serializer("SessionAfter", _session_fields())}),
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
