"""API for the scanner page (issue 3, items 4 and 5): offline bundle, batch sync, desk search, today's count.

Views validate and map; every scan, online or replayed from an offline queue, is
decided by ``attendance.checkin.checkin_perform``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rakor.models import Event
from rakor.signing import sign_ticket

from .. import codes
from ..authentication import DeviceTokenAuthentication, DeviceUser
from ..checkin import checkin_perform
from ..identity import mask_id_number
from ..models import CheckIn, CheckInWindow, Registration, RegistrationDay
from ..services import registration_admit_in_person
from ..selectors import DESK_SEARCH_MIN, desk_search_match
from .checkins import (
    CheckInInput,
    ScanPermission,
    expired_device_answer,
    DeskSearchThrottle,
    code_rate_check,
    outcome_payload,
    typed_code,
)

MAX_BATCH = 500
MAX_BATCH_BODY = 512 * 1024
SEARCH_MIN = DESK_SEARCH_MIN
SEARCH_MAX_RESULTS = 20


class ScannerAPIView(APIView):
    """Scanner device token (own event only), or a logged-in user who may scan."""

    authentication_classes = [DeviceTokenAuthentication] + APIView.authentication_classes
    permission_classes = [ScanPermission]
    # Scanner rates (a batch after a network cut, the bundle on every start): never throttled,
    # except the desk search (RegistrationSearchView's own throttle).
    throttle_classes: list = []

    def device(self, request):
        return request.auth if isinstance(request.user, DeviceUser) else None

    def event_for(self, request, slug: str) -> Event:
        event = get_object_or_404(Event, slug=slug)
        self.check_device_event(request, event)
        return event

    def check_device_event(self, request, event: Event) -> None:
        device = self.device(request)
        if device is not None and device.event_id != event.pk:
            raise exceptions.PermissionDenied(_("Perangkat ini terdaftar untuk acara lain."))


def today_in(event: Event) -> dt.date:
    return timezone.localtime(timezone.now(), event.tz).date()


def _in_person(event: Event):
    return Registration.objects.filter(
        event=event,
        pk__in=RegistrationDay.objects.filter(
            registration__event=event, mode=RegistrationDay.Mode.IN_PERSON
        ).values("registration_id"),
    )


class ScannerBundleView(ScannerAPIView):
    """What a scanner keeps so it can go on deciding when the network drops.

    A constant number of queries whatever the number of registrations (values_list,
    no model instances). The ETag covers everything except ``generated_at``, so a
    scanner that already holds the current bundle gets a 304.
    """

    @extend_schema(responses={200: inline_serializer("ScannerBundle", {
        "event": serializers.DictField(), "public_key": serializers.CharField(),
        "revoked": serializers.ListField(child=serializers.CharField()),
        "registrations": serializers.ListField(child=serializers.DictField()),
        "windows": serializers.DictField(), "generated_at": serializers.DateTimeField(),
    })})
    def get(self, request, slug):
        event = self.event_for(request, slug)
        days: dict[str, list[str]] = {}
        for public_id, date in (
            RegistrationDay.objects.filter(registration__event=event, mode=RegistrationDay.Mode.IN_PERSON)
            .order_by("registration_id", "date")
            .values_list("registration__public_id", "date")
        ):
            days.setdefault(public_id, []).append(date.isoformat())
        registrations = [
            {"id": public_id, "name": name, "unit": unit, "status": reg_status, "in_person_days": days.get(public_id, []),
             "code": code}
            for public_id, name, unit, reg_status, code in _in_person(event)
            .order_by("pk")
            .values_list("public_id", "participant__full_name", "participant__unit__name", "status", "short_code")
        ]
        revoked = list(
            Registration.objects.filter(event=event, ticket_revoked_at__isnull=False)
            .order_by("pk").values_list("public_id", flat=True)
        )
        custom = {w.date: (w.opens, w.closes) for w in CheckInWindow.objects.filter(event=event)}
        windows = {}
        for day in event.days:
            # Same rule as checkin_window(), without one query per day.
            opens, closes = custom.get(day) or _default_window()
            windows[day.isoformat()] = [opens.strftime("%H:%M:%S"), closes.strftime("%H:%M:%S")]
        payload = {
            "event": {"slug": event.slug, "name": event.name, "days": [d.isoformat() for d in event.days],
                      "time_zone": event.time_zone},
            "public_key": event.public_key,
            "revoked": revoked,
            "registrations": registrations,
            "windows": windows,
        }
        etag = '"%s"' % hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:32]
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            payload["generated_at"] = timezone.now().isoformat()
            response = Response(payload)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


def _default_window():
    return settings.CHECKIN_DEFAULT_WINDOW


class BatchItemInput(CheckInInput):
    """One queued scan: the fields of POST /api/v1/checkins/, or a registration id for an offline desk search."""

    ticket = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", trim_whitespace=True)
    registration = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    event = serializers.SlugField(max_length=60, required=False)
    scanned_at = serializers.DateTimeField()
    offline = serializers.BooleanField(default=True)

    def validate(self, attrs):
        if not attrs.get("ticket") and not attrs.get("registration"):
            raise serializers.ValidationError({"ticket": [_("Isi tiket wajib diisi.")]})
        if attrs.get("registration") and not attrs.get("ticket") and attrs.get("method") != CheckIn.Method.MANUAL:
            raise serializers.ValidationError({"registration": [_("Hanya untuk pencatatan manual.")]})
        return attrs


class BatchInput(serializers.Serializer):
    event = serializers.SlugField(max_length=60)
    scans = serializers.ListField(child=serializers.JSONField(), allow_empty=False, max_length=MAX_BATCH)


class CheckInBatchView(ScannerAPIView):
    """Apply a scanner's offline queue, oldest scan first, through checkin_perform.

    Idempotent: each scan carries its nonce, so re-sending a batch after a dropped
    connection returns the same answers and writes nothing new. A bad item gets its
    own error; the others are still applied. Each item's ``scanned_at`` is the scanner's
    clock: checkin_perform accepts it only within the event's offline window. A batch
    from an expired device is recorded (every scan refused, device_expired) and answered 401.
    """

    records_expired_devices = True

    # JSON only in the schema (as the scanner sends it): several content types made generated
    # clients fail on import (issue 13, item 8).
    @extend_schema(request={"application/json": inline_serializer("CheckInBatch", {
        "event": serializers.SlugField(), "scans": serializers.ListField(child=serializers.DictField()),
    })}, responses={200: inline_serializer("CheckInBatchResult", {
        "results": serializers.ListField(child=serializers.DictField()),
    })})
    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BATCH_BODY:
            return Response({"detail": _("Isi permintaan terlalu besar.")}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        envelope = BatchInput(data=request.data)
        envelope.is_valid(raise_exception=True)
        event = Event.objects.filter(slug=envelope.validated_data["event"]).first()
        if event is None:
            raise exceptions.ValidationError({"event": [_("Acara tidak dikenal.")]})
        self.check_device_event(request, event)
        device = self.device(request)
        operator = None if device is not None else request.user

        results: list[dict | None] = []
        valid = []
        for index, raw in enumerate(envelope.validated_data["scans"]):
            nonce = raw.get("nonce") if isinstance(raw, dict) else None
            item = BatchItemInput(data=raw if isinstance(raw, dict) else {})
            if not isinstance(raw, dict):
                results.append({"index": index, "nonce": None, "error": {"non_field_errors": [_("Harus berupa objek.")]}})
                continue
            if not item.is_valid():
                results.append({"index": index, "nonce": nonce, "error": item.errors})
                continue
            v = item.validated_data
            if v.get("event") and v["event"] != event.slug:
                results.append({"index": index, "nonce": str(v["nonce"]),
                                "error": {"event": [_("Pindaian untuk acara lain tidak boleh dikirim di sini.")]}})
                continue
            results.append(None)
            valid.append((v["scanned_at"], index, v))

        sessions = {}
        session_ids = {v["session"] for _, _, v in valid if v["session"] is not None}
        if session_ids:
            sessions = {s.pk: s for s in event.sessions.filter(pk__in=session_ids)}
        registrations = {}
        wanted = {v["registration"] for _, _, v in valid if v["registration"] and not v["ticket"]}
        if wanted:
            registrations = {r.public_id: r for r in Registration.objects.filter(event=event, public_id__in=wanted)}

        for scanned_at, index, v in sorted(valid, key=lambda t: (t[0], t[1])):
            nonce = str(v["nonce"])
            session = None
            if v["session"] is not None:
                session = sessions.get(v["session"])
                if session is None:
                    results[index] = {"index": index, "nonce": nonce,
                                      "error": {"session": [_("Sesi tidak dikenal untuk acara ini.")]}}
                    continue
            registration = None
            if not v["ticket"]:
                registration = registrations.get(v["registration"])
                if registration is None:
                    results[index] = {"index": index, "nonce": nonce,
                                      "error": {"registration": [_("Pendaftaran tidak dikenal untuk acara ini.")]}}
                    continue
            ticket, method, extra = v["ticket"], v["method"], {}
            if ticket and codes.looks_like_code(ticket):  # a short code typed while offline (issue 13, item 6)
                try:
                    code_rate_check(request, self)
                except exceptions.Throttled as exc:
                    results[index] = {"index": index, "nonce": nonce, "error": {"ticket": [str(exc.detail)]}}
                    continue
                registration, extra = typed_code(event, ticket)
                ticket, method = codes.normalise(ticket), CheckIn.Method.MANUAL
            outcome = checkin_perform(
                event=event, ticket=ticket, registration=registration, kind=v["kind"], session=session,
                nonce=v["nonce"], device_scanned_at=scanned_at, method=method, device=device, operator=operator,
                offline=v["offline"],
            )
            if outcome.result != CheckIn.Result.INVALID:
                extra = {}
            results[index] = {"index": index, "nonce": nonce, **outcome_payload(outcome), **extra}
        if device is not None and device.is_expired():
            return expired_device_answer({"results": results}, device)
        return Response({"results": results})


class RegistrationSearchView(ScannerAPIView):
    """The desk's search for people without their phone (in-person registrations only).

    Finds by name, by a whole NIP, or by a name with the NIP's last four digits
    (selectors.desk_search_match); answers with masked numbers; throttled per device or account.
    """

    throttle_classes = [DeskSearchThrottle]

    def throttled(self, request, wait):
        seconds = max(1, math.ceil(wait or 1))
        exc = exceptions.Throttled(detail=_(
            "Terlalu banyak pencarian dari perangkat atau akun ini. Coba lagi dalam %(n)d detik; "
            "sementara itu pindai tiket peserta.") % {"n": seconds})
        exc.wait = seconds  # Retry-After, without DRF's own English sentence appended to ours
        raise exc

    @extend_schema(responses={200: inline_serializer("RegistrationSearch", {
        "results": serializers.ListField(child=serializers.DictField()),
    })})
    def get(self, request, slug):
        event = self.event_for(request, slug)
        q = " ".join((request.query_params.get("q") or "").split())[:100]
        if len(q) < SEARCH_MIN:
            raise exceptions.ValidationError({"q": [_("Ketik minimal 3 huruf atau angka.")]})
        today = today_in(event)
        match = desk_search_match(q)
        if match is None:
            return Response({"results": []})
        rows = (
            _in_person(event)
            .filter(match)
            .select_related("participant__unit")
            .annotate(
                today_mode=Subquery(
                    RegistrationDay.objects.filter(registration=OuterRef("pk"), date=today).values("mode")[:1]
                ),
                checked_in_today=Exists(
                    CheckIn.objects.filter(registration=OuterRef("pk"), day=today, kind=CheckIn.Kind.ENTRY,
                                           result=CheckIn.Result.OK, session__isnull=True)
                ),
            )
            .order_by("participant__full_name", "pk")[:SEARCH_MAX_RESULTS]
        )
        results = [
            {
                "id": r.public_id,
                "name": r.participant.full_name,
                "unit": r.participant.unit.name,
                "nip_masked": mask_id_number(r.participant.id_number),
                "status": r.status,
                "status_label": r.get_status_display(),
                "revoked": r.ticket_revoked_at is not None,
                "today_mode": r.today_mode,
                "checked_in_today": r.checked_in_today,
                "ticket": sign_ticket(event_slug=event.slug, public_id=r.public_id, signing_key=event.signing_key),
            }
            for r in rows
        ]
        return Response({"results": results})


class TodayCountView(ScannerAPIView):
    """How many people were admitted today (accepted entries to the venue, event time zone)."""

    @extend_schema(responses={200: inline_serializer("CheckInsToday", {
        "date": serializers.DateField(), "count": serializers.IntegerField(),
    })})
    def get(self, request, slug):
        event = self.event_for(request, slug)
        today = today_in(event)
        count = CheckIn.objects.filter(
            event=event, day=today, kind=CheckIn.Kind.ENTRY, result=CheckIn.Result.OK, session__isnull=True
        ).count()
        return Response({"date": today.isoformat(), "count": count})


class AdmitInPersonInput(serializers.Serializer):
    nonce = serializers.UUIDField()


class AdmitInPersonView(ScannerAPIView):
    """The desk's one tap for a person registered online today who came to the door (issue 12, item 5).

    POST /api/v1/events/<event>/registrations/<public id>/admit-in-person/ ``{"nonce": uuid}``:
    today's mode becomes in person when a seat allows (in the audit trail, with the operator's
    name) and the person is checked in; the answer is the check-in's, as POST /api/v1/checkins/.
    Seats full, not approved, revoked, not an event day: 409 with ``detail`` in words.
    """

    @extend_schema(request={"application/json": AdmitInPersonInput}, responses={
        200: inline_serializer("AdmitInPersonResult", {
            "result": serializers.ChoiceField(choices=CheckIn.Result.choices), "message": serializers.CharField(),
            "participant": serializers.DictField(allow_null=True),
            "first_checkin_at": serializers.DateTimeField(allow_null=True),
            "first_gate": serializers.CharField(allow_null=True),
        }),
        409: inline_serializer("AdmitInPersonRefused", {"detail": serializers.CharField()}),
    })
    def post(self, request, slug, public_id):
        event = self.event_for(request, slug)
        data = AdmitInPersonInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = get_object_or_404(Registration.objects.select_related("event", "participant__unit"),
                                         event=event, public_id=public_id)
        device = self.device(request)
        try:
            outcome = registration_admit_in_person(registration=registration, nonce=data.validated_data["nonce"],
                                                   by=None if device is not None else request.user, device=device)
        except DjangoValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(outcome_payload(outcome))
