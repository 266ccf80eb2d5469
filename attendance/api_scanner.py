"""API for the scanner page (issue 3, items 4 and 5): offline bundle, batch sync, desk search, today's count.

Views validate and map; every scan, online or replayed from an offline queue, is
decided by ``attendance.checkin.checkin_perform``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.db.models import Exists, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rakor.models import Event
from rakor.signing import sign_ticket

from .api import CheckInInput, ScanPermission, outcome_payload
from .authentication import DeviceTokenAuthentication, DeviceUser
from .checkin import checkin_perform
from .models import CheckIn, CheckInWindow, Registration, RegistrationDay

MAX_BATCH = 500
MAX_BATCH_BODY = 512 * 1024
SEARCH_MIN = 3
SEARCH_MAX_RESULTS = 20


class ScannerAPIView(APIView):
    """Scanner device token (own event only), or a logged-in user who may scan."""

    authentication_classes = [DeviceTokenAuthentication] + APIView.authentication_classes
    permission_classes = [ScanPermission]

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


def mask_id_number(number: str) -> str:
    """All but the last four digits hidden: enough for the desk to confirm, useless to anyone else."""
    number = number or ""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


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
            {"id": public_id, "name": name, "unit": unit, "status": reg_status, "in_person_days": days.get(public_id, [])}
            for public_id, name, unit, reg_status in _in_person(event)
            .order_by("pk")
            .values_list("public_id", "participant__full_name", "participant__unit__name", "status")
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
    from django.conf import settings

    from .checkin import DEFAULT_WINDOW

    return getattr(settings, "CHECKIN_DEFAULT_WINDOW", DEFAULT_WINDOW)


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
    own error; the others are still applied.
    """

    @extend_schema(request=inline_serializer("CheckInBatch", {
        "event": serializers.SlugField(), "scans": serializers.ListField(child=serializers.DictField()),
    }), responses={200: inline_serializer("CheckInBatchResult", {
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
            outcome = checkin_perform(
                event=event, ticket=v["ticket"], registration=registration, kind=v["kind"], session=session,
                nonce=v["nonce"], scanned_at=scanned_at, method=v["method"], device=device, operator=operator,
                offline=v["offline"],
            )
            results[index] = {"index": index, "nonce": nonce, **outcome_payload(outcome)}
        return Response({"results": results})


class RegistrationSearchView(ScannerAPIView):
    """The desk's search by name or NIP for people without their phone (in-person registrations only)."""

    @extend_schema(responses={200: inline_serializer("RegistrationSearch", {
        "results": serializers.ListField(child=serializers.DictField()),
    })})
    def get(self, request, slug):
        event = self.event_for(request, slug)
        q = " ".join((request.query_params.get("q") or "").split())[:100]
        if len(q) < SEARCH_MIN:
            raise exceptions.ValidationError({"q": [_("Ketik minimal 3 huruf atau angka.")]})
        digits = q.replace(" ", "")
        today = today_in(event)
        match = Q(participant__full_name__icontains=q)
        if digits.isdigit():
            match |= Q(participant__id_number__contains=digits)
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
