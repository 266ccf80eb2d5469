"""Check-in API (DESIGN.md, "API"): views validate and map; attendance.checkin decides."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from rakor.models import Event
from rakor.roles import can_scan

from .authentication import DeviceTokenAuthentication, DeviceUser
from .checkin import CheckInOutcome, checkin_perform
from .models import CheckIn

MAX_CHECKIN_BODY = 16 * 1024

def result_message(result: str) -> str:
    return str(CheckIn.Result(result).label) if result in CheckIn.Result.values else result


class CheckInInput(serializers.Serializer):
    ticket = serializers.CharField(max_length=200, allow_blank=False, trim_whitespace=True)
    event = serializers.SlugField(max_length=60)
    session = serializers.IntegerField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=CheckIn.Kind.choices, default=CheckIn.Kind.ENTRY)
    nonce = serializers.UUIDField()
    scanned_at = serializers.DateTimeField(required=False, default=None, allow_null=True)
    method = serializers.ChoiceField(
        choices=[CheckIn.Method.CAMERA, CheckIn.Method.HANDHELD, CheckIn.Method.MANUAL],
        default=CheckIn.Method.CAMERA,
    )
    offline = serializers.BooleanField(default=False)


class ParticipantOutput(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.CharField()
    province = serializers.CharField()
    position = serializers.CharField()
    role = serializers.CharField()


def outcome_payload(outcome: CheckInOutcome) -> dict:
    registration = outcome.registration
    participant = None
    if registration is not None and outcome.result != CheckIn.Result.WRONG_EVENT:
        p = registration.participant
        participant = {"name": p.full_name, "unit": p.unit.name, "province": p.unit.province,
                       "position": p.position, "role": registration.get_role_display()}
    first = outcome.first
    return {
        "result": outcome.result,
        "message": result_message(outcome.result),
        "participant": participant,
        "first_checkin_at": first.scanned_at.isoformat() if first is not None else None,
        "first_gate": first.gate if first is not None else None,
        "conflict": outcome.checkin.conflict,
        "replayed": outcome.replayed,
    }


class ScanPermission(permissions.BasePermission):
    """Organisers, scanner operators, or an active scanner device."""

    def has_permission(self, request, view):
        if isinstance(request.user, DeviceUser):
            return True
        return can_scan(request.user)


class CheckInView(APIView):
    authentication_classes = [DeviceTokenAuthentication] + APIView.authentication_classes
    permission_classes = [ScanPermission]
    # JSON in, JSON out: no content negotiation over form parsers and the browsable API
    # on the hottest endpoint.
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=CheckInInput,
        responses={200: inline_serializer("CheckInResult", {
            "result": serializers.ChoiceField(choices=CheckIn.Result.choices),
            "message": serializers.CharField(),
            "participant": ParticipantOutput(allow_null=True),
            "first_checkin_at": serializers.DateTimeField(allow_null=True),
            "first_gate": serializers.CharField(allow_null=True),
            "conflict": serializers.BooleanField(),
            "replayed": serializers.BooleanField(),
        })},
    )
    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_CHECKIN_BODY:
            return Response({"detail": _("Isi permintaan terlalu besar.")}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        device = request.auth if isinstance(request.user, DeviceUser) else None
        if device is not None and device.event.slug == v["event"]:
            event = device.event  # loaded with the device: no second query on the hot path
        else:
            event = Event.objects.filter(slug=v["event"]).first()
            if event is None:
                raise exceptions.ValidationError({"event": [_("Acara tidak dikenal.")]})
            if device is not None:
                raise exceptions.PermissionDenied(_("Perangkat ini terdaftar untuk acara lain."))
        session = None
        if v["session"] is not None:
            session = event.sessions.filter(pk=v["session"]).first()
            if session is None:
                raise exceptions.ValidationError({"session": [_("Sesi tidak dikenal untuk acara ini.")]})
        outcome = checkin_perform(
            event=event, ticket=v["ticket"], kind=v["kind"], session=session, nonce=v["nonce"],
            scanned_at=v["scanned_at"] or timezone.now(), method=v["method"], device=device,
            operator=None if device is not None else request.user, offline=v["offline"],
        )
        return Response(outcome_payload(outcome))
