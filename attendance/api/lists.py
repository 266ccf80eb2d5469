"""Staff lists of the API: an event's registrations and its attendance record (check-ins).

Organisers see everything; a unit coordinator only the people of their unit and the
units under it (rakor.roles.managed_units / coordinator_unit), on every call and
every filter. Nobody else gets anything (403). Portal secrets and the scanned ticket
text never leave the server: both are credentials.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers

from rakor.api import IdFilter, Pagination, event_or_404
from rakor.models import Unit
from rakor.roles import coordinator_unit, is_organiser

from ..models import CheckIn, Participant, Registration, RegistrationDay
from ..search import digits_only, looks_like_number, name_match


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """Documents the scanner devices' ``Authorization: Device <token>`` (attendance.authentication)."""

    target_class = "attendance.authentication.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Scanner device token: `Device <token>` (created on the organiser's devices page)."}


class IsOrganiserOrCoordinator(permissions.BasePermission):
    message = _("Hanya panitia dan koordinator unit yang dapat melihat data ini.")

    def has_permission(self, request, view):
        return is_organiser(request.user) or coordinator_unit(request.user) is not None


def scope_to_user(queryset, user, unit_path: str):
    """Organisers: all; a coordinator: people of their unit subtree; anyone else: nothing."""
    if is_organiser(user):
        return queryset
    own = coordinator_unit(user)
    if own is None:
        return queryset.none()
    return queryset.filter(**{f"{unit_path}__path__startswith": own.path})


# ---------------------------------------------------------------- serializers


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ("id", "code", "name", "province")
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = Participant
        fields = ("id", "full_name", "id_kind", "id_number", "position", "rank", "unit", "email", "whatsapp", "gender")
        read_only_fields = fields


class DaySerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationDay
        fields = ("date", "mode")
        read_only_fields = fields


class RegistrationSerializer(serializers.ModelSerializer):
    participant = ParticipantSerializer(read_only=True)
    days = DaySerializer(many=True, read_only=True)

    class Meta:
        model = Registration
        fields = ("id", "public_id", "participant", "role", "status", "status_reason", "status_changed_at", "channel",
                  "days", "consent_at", "ticket_revoked_at", "created_at", "updated_at")
        read_only_fields = fields


class CheckInParticipantSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = Participant
        fields = ("id", "full_name", "unit")
        read_only_fields = fields


class CheckInRegistrationSerializer(serializers.ModelSerializer):
    participant = CheckInParticipantSerializer(read_only=True)

    class Meta:
        model = Registration
        fields = ("id", "public_id", "role", "participant")
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer):
    registration = CheckInRegistrationSerializer(read_only=True, allow_null=True)
    chain_seq = serializers.SerializerMethodField(
        help_text="This check-in's link in the event's tamper-evident chain; null until sealed (a few seconds).")

    class Meta:
        model = CheckIn
        fields = ("id", "kind", "day", "session", "method", "result", "conflict", "offline", "gate", "device",
                  "operator", "scanned_at", "received_at", "registration", "chain_seq")
        read_only_fields = fields

    def get_chain_seq(self, checkin) -> int | None:
        try:
            return checkin.seal.chain_seq
        except CheckIn.seal.RelatedObjectDoesNotExist:
            return None


# ---------------------------------------------------------------- filters


def _subtree(queryset, unit_path: str, unit_id):
    unit = Unit.objects.filter(pk=unit_id).only("path").first()
    if unit is None:
        return queryset.none()
    return queryset.filter(**{f"{unit_path}__path__startswith": unit.path})


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Registration.Status.choices)
    role = django_filters.ChoiceFilter(choices=Registration.Role.choices)
    channel = django_filters.ChoiceFilter(choices=Registration.Channel.choices)
    unit = IdFilter(method="filter_unit", help_text="This unit id and every unit under it.")
    day = django_filters.DateFilter(method="filter_day", help_text="Registered for this event day.")
    mode = django_filters.ChoiceFilter(
        choices=RegistrationDay.Mode.choices, method="filter_mode",
        help_text="Attends in this mode on `day` when given, else on at least one day.")
    search = django_filters.CharFilter(method="filter_search", help_text=(
        "Words of the name (any order; diacritics, case and punctuation ignored), or the start of the NIP "
        "(spaces, dots and dashes ignored)."))

    class Meta:
        model = Registration
        fields = ("status", "role", "channel", "unit", "day", "mode", "search")

    def filter_unit(self, queryset, name, value):
        return _subtree(queryset, "participant__unit", value)

    def filter_day(self, queryset, name, value):
        if self.form.cleaned_data.get("mode"):
            return queryset  # filter_mode takes the day into account
        return queryset.filter(Exists(RegistrationDay.objects.filter(registration=OuterRef("pk"), date=value)))

    def filter_mode(self, queryset, name, value):
        days = RegistrationDay.objects.filter(registration=OuterRef("pk"), mode=value)
        if self.form.cleaned_data.get("day"):
            days = days.filter(date=self.form.cleaned_data["day"])
        return queryset.filter(Exists(days))

    def filter_search(self, queryset, name, value):
        # Names without diacritics or titles, a NIP with or without spaces (attendance.search, issue 13 item 7).
        value = value.strip()
        if not value:
            return queryset
        if looks_like_number(value):
            return queryset.filter(participant__id_digits__startswith=digits_only(value))
        match = name_match(value)
        return queryset.filter(match) if match is not None else queryset.none()


class CheckInFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(field_name="day")
    session = IdFilter(field_name="session_id")
    door = django_filters.BooleanFilter(field_name="session", lookup_expr="isnull",
                                        help_text="true: door check-ins only; false: session check-ins only.")
    result = django_filters.ChoiceFilter(choices=CheckIn.Result.choices)
    kind = django_filters.ChoiceFilter(choices=CheckIn.Kind.choices)
    method = django_filters.ChoiceFilter(choices=CheckIn.Method.choices)
    unit = IdFilter(method="filter_unit", help_text="This unit id and every unit under it.")
    registration = IdFilter(field_name="registration_id")

    class Meta:
        model = CheckIn
        fields = ("day", "session", "door", "result", "kind", "method", "unit", "registration")

    def filter_unit(self, queryset, name, value):
        return _subtree(queryset, "registration__participant__unit", value)


# ---------------------------------------------------------------- views


class _EventStaffList(generics.ListAPIView):
    permission_classes = [IsOrganiserOrCoordinator]
    pagination_class = Pagination

    @cached_property
    def event(self):
        return event_or_404(self.kwargs["slug"])


@extend_schema(responses={200: RegistrationSerializer(many=True),
                          403: OpenApiResponse(description="Not an organiser or a unit coordinator."),
                          404: OpenApiResponse(description="No such event.")})
class RegistrationListView(_EventStaffList):
    """GET /api/v1/events/<slug>/registrations/ — organisers: all; coordinators: their unit subtree."""

    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        qs = (Registration.objects.filter(event=self.event).select_related("participant__unit")
              .prefetch_related(Prefetch("days", queryset=RegistrationDay.objects.order_by("date")))
              .order_by("participant__full_name", "pk"))
        return scope_to_user(qs, self.request.user, "participant__unit")


@extend_schema(responses={200: CheckInSerializer(many=True),
                          403: OpenApiResponse(description="Not an organiser or a unit coordinator."),
                          404: OpenApiResponse(description="No such event.")})
class CheckInListView(_EventStaffList):
    """GET /api/v1/events/<slug>/checkins/ — the attendance record, newest first.

    Coordinators see the check-ins of their unit subtree's people only (so not the
    refused scans of unknown tickets).
    """

    serializer_class = CheckInSerializer
    filterset_class = CheckInFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CheckIn.objects.none()
        qs = (CheckIn.objects.filter(event=self.event)
              .select_related("registration__participant__unit", "seal").order_by("-pk"))
        return scope_to_user(qs, self.request.user, "registration__participant__unit")
