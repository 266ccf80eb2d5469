"""Check-in API (DESIGN.md, "API"): views validate and map; attendance.checkin decides."""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from rakor.models import Event
from rakor.roles import can_scan

from .. import codes
from ..authentication import (
    DeviceTokenAuthentication,
    DeviceUser,
    device_expired_message,
)
from ..checkin import CheckInOutcome, checkin_perform
from ..models import CheckIn, Registration
from ..selectors import registration_by_short_code

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


class DeskSearchThrottle(SimpleRateThrottle):
    """``settings.DESK_SEARCH_RATE`` searches per scanner device, or per signed-in account (the staff search).

    The scanner endpoints are otherwise never throttled (ScannerAPIView.throttle_classes); the search is the
    exception because each answer tells something about people, and a device token or an operator's
    account is what one person at one desk holds.
    """

    scope = "desk_search"

    def get_rate(self):
        return settings.DESK_SEARCH_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.user, DeviceUser):
            ident = f"device-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def code_rate_check(request, view) -> None:
    """Typed short codes count against the desk search's limiter (DESK_SEARCH_RATE per device or account):
    a code, like a search, is something a person can guess. Raises Throttled (429) with words to show."""
    throttle = DeskSearchThrottle()
    if throttle.allow_request(request, view):
        return
    seconds = max(1, math.ceil(throttle.wait() or 1))
    exc = exceptions.Throttled(detail=_(
        "Terlalu banyak kode tiket diketik dari perangkat atau akun ini. Coba lagi dalam %(n)d detik; "
        "sementara itu pindai QR tiket peserta.") % {"n": seconds})
    exc.wait = seconds
    raise exc


def typed_code(event, text: str) -> tuple[Registration | None, dict]:
    """For a ticket field holding a typed short code (attendance.codes): its registration, or None and
    what the answer says instead (a typo caught by the check character, or a code of no one here).
    The caller then records the scan through checkin_perform either way (a refusal is kept too)."""
    if not codes.is_valid(text):
        return None, {"message": _("Kode salah ketik: periksa lagi"), "code_typo": True}
    registration = registration_by_short_code(event, text)
    if registration is None:
        return None, {"message": _("Kode tiket tidak dikenal untuk acara ini.")}
    return registration, {}


def in_person_offer(registration) -> dict:
    """For a person registered online today at the door: whether the desk may admit them in person now.

    ``seats_ok`` and, when not, ``detail`` (the seat rule's words: the unit's quota or the event's
    capacity is full); ``url`` is where the desk's one tap posts (AdmitInPersonView).
    """
    from django.urls import reverse

    from ..services import registration_in_person_refusal

    registration = Registration.objects.select_related("event", "participant__unit").get(pk=registration.pk)
    day = timezone.localtime(timezone.now(), registration.event.tz).date()
    refusal = registration_in_person_refusal(registration=registration, day=day)
    return {
        "seats_ok": not refusal,
        "detail": refusal,
        "url": reverse("api-admit-in-person", args=[registration.event.slug, registration.public_id]),
    }


class ParticipantOutput(serializers.Serializer):
    name = serializers.CharField()
    unit = serializers.CharField()
    province = serializers.CharField()
    position = serializers.CharField()
    role = serializers.CharField()


# A scanner is told nobody's name for these: another event's ticket, or a device that is no longer one.
_NAMELESS = (CheckIn.Result.WRONG_EVENT, CheckIn.Result.DEVICE_EXPIRED)


def outcome_payload(outcome: CheckInOutcome) -> dict:
    registration = outcome.registration
    participant = None
    if registration is not None and outcome.result not in _NAMELESS:
        p = registration.participant
        participant = {"name": p.full_name, "unit": p.unit.name, "province": p.unit.province,
                       "position": p.position, "role": registration.get_role_display()}
    first = outcome.first if outcome.result != CheckIn.Result.DEVICE_EXPIRED else None
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


def expired_device_answer(payload: dict, device) -> Response:
    """A scan (or batch) from a device past its event: the credential is no longer valid, so 401 as the
    contract says; the scans were still decided and recorded (``device_expired``), and the body says so."""
    body = {"detail": device_expired_message(device), "result": CheckIn.Result.DEVICE_EXPIRED, **payload}
    return Response(body, status=status.HTTP_401_UNAUTHORIZED, headers={"WWW-Authenticate": "Device"})


CHECKIN_RESULT = inline_serializer("CheckInResult", {
    "result": serializers.ChoiceField(choices=CheckIn.Result.choices),
    "message": serializers.CharField(),
    "participant": ParticipantOutput(allow_null=True),
    "first_checkin_at": serializers.DateTimeField(allow_null=True),
    "first_gate": serializers.CharField(allow_null=True),
    "conflict": serializers.BooleanField(),
    "replayed": serializers.BooleanField(),
    "in_person": inline_serializer("InPersonOffer", {
        "seats_ok": serializers.BooleanField(), "detail": serializers.CharField(), "url": serializers.CharField(),
    }, required=False, help_text="Present with `not_in_person` at the door: whether a seat allows admitting "
                                 "the person in person now, and where to post that (one tap at the desk)."),
    "code_typo": serializers.BooleanField(required=False, help_text=(
        "Present (true) when `ticket` was a typed short code whose check character does not agree.")),
})


class CheckInView(APIView):
    authentication_classes = [DeviceTokenAuthentication] + APIView.authentication_classes
    permission_classes = [ScanPermission]
    # Scanner rates (a desk every few seconds, a burst when a queue clears): never throttled.
    throttle_classes: list = []
    # An expired device's scan is decided and recorded (refused, device_expired), then answered 401.
    records_expired_devices = True
    # JSON in, JSON out: no content negotiation over form parsers and the browsable API
    # on the hottest endpoint.
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=CheckInInput,
        description=(
            "Decides one scan. `result` is one of: ok, already_checked_in, invalid_ticket, wrong_event, "
            "not_in_person, not_approved, revoked, outside_window, no_entry, stale_scan (an offline-queued "
            "scan whose own time is older than the event's offline window, or ahead of the server's clock), "
            "device_expired (a scanner device past its event's end plus the grace period). The server's clock "
            "decides a scan's time and day; `scanned_at` counts only with `offline: true`. Every decision is "
            "HTTP 200, except device_expired: the device's credential is no longer valid, so 401 (the scan "
            "is still recorded, refused, and the body carries the answer)."),
        responses={200: CHECKIN_RESULT, 401: inline_serializer("CheckInDeviceExpired", {
            "detail": serializers.CharField(),
            "result": serializers.ChoiceField(choices=[CheckIn.Result.DEVICE_EXPIRED]),
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
        # `ticket` is the QR payload, or the ticket's short code typed at the desk (issue 13, item 6).
        ticket, registration, extra, method = v["ticket"], None, {}, v["method"]
        if codes.looks_like_code(ticket):
            code_rate_check(request, self)
            registration, extra = typed_code(event, ticket)
            ticket, method = codes.normalise(ticket), CheckIn.Method.MANUAL
        # The body's scanned_at is the scanner's clock: checkin_perform (scan_time) decides whether it counts.
        outcome = checkin_perform(
            event=event, ticket=ticket, registration=registration, kind=v["kind"], session=session,
            nonce=v["nonce"], device_scanned_at=v["scanned_at"], method=method, device=device,
            operator=None if device is not None else request.user, offline=v["offline"],
        )
        if outcome.result == CheckIn.Result.DEVICE_EXPIRED:
            return expired_device_answer(outcome_payload(outcome), device)
        if outcome.result == CheckIn.Result.INVALID:
            return Response({**outcome_payload(outcome), **extra})
        if outcome.result == CheckIn.Result.NOT_IN_PERSON and session is None and v["kind"] == CheckIn.Kind.ENTRY:
            return Response({**outcome_payload(outcome), "in_person": in_person_offer(outcome.registration)})
        return Response(outcome_payload(outcome))
