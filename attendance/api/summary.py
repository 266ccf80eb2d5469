"""``GET /api/v1/events/<event>/attendance/summary/`` (DESIGN.md, "API"): attendance per day, unit, province, session.

Staff only: organisers get every unit; a unit coordinator gets their unit's subtree
(the same numbers, computed over their people only). Anyone else: 401 without
credentials, 403 with credentials that are not staff. Reads go through
``selectors.attendance_summary`` (a fixed number of queries whatever the size).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from rakor.models import Event
from rakor.roles import coordinator_unit, is_organiser

from .. import selectors


class IsOrganiserOrCoordinator(permissions.BasePermission):
    message = _("Hanya panitia dan koordinator unit yang dapat melihat rekap kehadiran.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (is_organiser(user) or coordinator_unit(user) is not None))


_COUNTS = {
    "expected_in_person": serializers.IntegerField(),
    "present_in_person": serializers.IntegerField(),
    "expected_online": serializers.IntegerField(),
    "joined_online": serializers.IntegerField(),
}
_DAY = inline_serializer("AttendanceDay", {"day": serializers.DateField(), **_COUNTS})
SummaryOutput = inline_serializer("AttendanceSummary", {
    "event": serializers.CharField(),
    "scope": serializers.CharField(allow_null=True, help_text="The coordinator's unit, or null for every unit."),
    "totals": inline_serializer("AttendanceTotals", _COUNTS),
    "per_day": _DAY.__class__(many=True),
    "per_unit": inline_serializer("AttendanceUnit", {
        "unit_id": serializers.IntegerField(), "unit": serializers.CharField(), "code": serializers.CharField(),
        "province": serializers.CharField(), **_COUNTS, "days": _DAY.__class__(many=True),
    }, many=True),
    "per_province": inline_serializer("AttendanceProvince", {
        "province": serializers.CharField(), **_COUNTS, "days": _DAY.__class__(many=True),
    }, many=True),
    "per_session": inline_serializer("AttendanceSession", {
        "id": serializers.IntegerField(), "title": serializers.CharField(), "day": serializers.DateField(),
        "start": serializers.DateTimeField(), "end": serializers.DateTimeField(), "mode": serializers.CharField(),
        "kind": serializers.CharField(), "in_room": serializers.IntegerField(), "online": serializers.IntegerField(),
    }, many=True),
})


class AttendanceSummaryView(APIView):
    permission_classes = [IsOrganiserOrCoordinator]
    renderer_classes = [JSONRenderer]

    @extend_schema(responses={200: SummaryOutput}, summary="Attendance per day, unit, province and session")
    def get(self, request, slug):
        event = get_object_or_404(Event, slug=slug)
        scope = None if is_organiser(request.user) else coordinator_unit(request.user)
        return Response(selectors.attendance_summary_cached(event, units=scope))
