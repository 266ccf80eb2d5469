"""Public API of the core: events and the unit tree; the API's shared throttles and pagination.

Everything here is public data (no personal data): anyone may read it.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.pagination import PageNumberPagination

from .models import Event, Unit




# ---------------------------------------------------------------- pagination


class Pagination(PageNumberPagination):
    """``?page=N`` and ``?page_size=N`` (at most 500); 50 per page by default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


# ---------------------------------------------------------------- filters

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number the database can hold (not NumberFilter's decimal)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


# ---------------------------------------------------------------- events


class EventSerializer(serializers.ModelSerializer):
    organiser_unit = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    days = serializers.ListField(child=serializers.DateField(), read_only=True)
    public_key = serializers.CharField(read_only=True, help_text="Ed25519 public key (base64) that checks the event's "
                                                                 "QR tickets offline.")

    class Meta:
        model = Event
        fields = ("slug", "name", "theme", "organiser_unit", "venue", "venue_address", "time_zone", "start_date",
                  "end_date", "days", "registration_opens", "registration_closes", "in_person_capacity",
                  "requires_approval", "wa_service", "wa_complaints", "public_key")
        read_only_fields = fields


class EventFilter(django_filters.FilterSet):
    starts_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte",
                                             help_text="Events starting on or after this date.")
    starts_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte",
                                              help_text="Events starting on or before this date.")

    class Meta:
        model = Event
        fields = ("starts_after", "starts_before")


class EventListView(generics.ListAPIView):
    """GET /api/v1/events/ — every event, newest first (public fields only)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = EventSerializer
    pagination_class = Pagination
    filterset_class = EventFilter
    queryset = Event.objects.order_by("-start_date", "pk")


class EventDetailView(generics.RetrieveAPIView):
    """GET /api/v1/events/<slug>/ — one event (public fields only)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = EventSerializer
    queryset = Event.objects.all()
    lookup_field = "slug"


# ---------------------------------------------------------------- units


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ("id", "code", "name", "short_name", "kind", "parent", "province", "sort_order")
        read_only_fields = fields


class UnitFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Unit.Kind.choices)
    parent = IdFilter(field_name="parent_id", help_text="Direct children of this unit id.")
    root = django_filters.BooleanFilter(field_name="parent", lookup_expr="isnull",
                                        help_text="true: only the top of the tree (units without a parent).")
    within = IdFilter(method="filter_within",
                                         help_text="This unit id and every unit under it.")
    province = django_filters.CharFilter(field_name="province", lookup_expr="iexact")
    code = django_filters.CharFilter(field_name="code")

    class Meta:
        model = Unit
        fields = ("kind", "parent", "root", "within", "province", "code")

    def filter_within(self, queryset, name, value):
        unit = Unit.objects.filter(pk=value).first()
        return queryset.subtree(unit) if unit is not None else queryset.none()


class UnitListView(generics.ListAPIView):
    """GET /api/v1/units/ — the organisation tree in tree order (parents before their children)."""

    permission_classes = [permissions.AllowAny]
    serializer_class = UnitSerializer
    pagination_class = Pagination
    filterset_class = UnitFilter
    queryset = Unit.objects.order_by("path", "pk")


def event_or_404(slug: str) -> Event:
    return get_object_or_404(Event, slug=slug)
