"""Reads that several views, the API and commands share."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.db.models import Count, Q

from rakor.models import Event, Unit
from rakor.roles import managed_units

from .models import Registration, RegistrationDay, UnitQuota


def registration_for_ticket_secret(secret: str) -> Registration | None:
    """The registration whose portal secret this is, compared in constant time; else None."""
    if not secret or len(secret) > 64:
        return None
    candidate = (
        Registration.objects.select_related("event", "participant__unit").filter(portal_secret=secret).first()
    )
    # The lookup narrows by an index; the final word is a constant-time comparison.
    if candidate is None or not hmac.compare_digest(candidate.portal_secret.encode(), secret.encode()):
        return None
    return candidate


def registrations_visible_to(user, event: Event):
    """Registrations of `event` a user may see: all for organisers, their subtree for coordinators."""
    units = managed_units(user)
    return (
        Registration.objects.filter(event=event, participant__unit__in=units)
        .select_related("participant__unit")
        .prefetch_related("days")
    )


@dataclass
class QuotaUse:
    unit: Unit
    seats: int
    used_per_day: dict  # date -> count of active in-person registrations

    @property
    def max_used(self) -> int:
        return max(self.used_per_day.values(), default=0)

    @property
    def full(self) -> bool:
        return self.max_used >= self.seats


def quota_usage(event: Event, units=None) -> list[QuotaUse]:
    """Seat use per quota unit and day (nested quotas counted apart), for organisers and coordinators.

    Two queries whatever the number of quotas: each in-person day counts against the
    nearest quota on the path from the participant's unit to the root, which is what
    services._quota_scope means by "its subtree minus nested quotas' subtrees".
    ``units`` limits which quotas are listed, not how seats are attributed.
    """
    quotas = list(
        UnitQuota.objects.filter(event=event).select_related("unit").order_by("unit__sort_order", "unit__name")
    )
    by_unit = {q.unit_id: q for q in quotas}
    used: dict[int, dict] = {q.pk: {} for q in quotas}
    rows = (
        Registration.objects.filter(event=event, status__in=Registration.ACTIVE_STATUSES,
                                    days__mode=RegistrationDay.Mode.IN_PERSON)
        .values_list("participant__unit__path", "days__date")
        .annotate(n=Count("pk", distinct=True))
    )
    for path, day, n in rows:
        for unit_id in reversed([int(pk) for pk in path.strip("/").split("/") if pk]):
            quota = by_unit.get(unit_id)
            if quota is not None:
                used[quota.pk][day] = used[quota.pk].get(day, 0) + n
                break
    if units is not None:
        listed = set(units.values_list("pk", flat=True))
        quotas = [q for q in quotas if q.unit_id in listed]
    return [QuotaUse(unit=q.unit, seats=q.in_person_seats, used_per_day={d: used[q.pk].get(d, 0) for d in event.days})
            for q in quotas]


def registration_counts(event: Event, registrations=None) -> dict:
    qs = registrations if registrations is not None else Registration.objects.filter(event=event)
    return qs.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Registration.Status.PENDING)),
        approved=Count("pk", filter=Q(status=Registration.Status.APPROVED)),
        rejected=Count("pk", filter=Q(status=Registration.Status.REJECTED)),
        cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
    )


# ---------------------------------------------------------------- live dashboard and portal check-ins


def _door_entries(event: Event, day):
    """Accepted door entries of a day: the facts that make someone 'present'."""
    from .models import CheckIn

    return CheckIn.objects.filter(
        event=event, day=day, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY, session__isnull=True
    )


def checkin_broadcast_payload(checkin, tz=None) -> dict:
    """The same shape attendance.checkin._broadcast pushes, for the snapshot's 'latest' list.

    With ``tz``, ``scanned_at`` is written with that zone's offset (same instant).
    """
    from django.utils import timezone

    registration = checkin.registration
    participant = registration.participant if registration is not None else None
    return {
        "id": checkin.pk, "kind": checkin.kind, "result": checkin.result, "conflict": checkin.conflict,
        "day": checkin.day.isoformat() if checkin.day else None,
        "scanned_at": (timezone.localtime(checkin.scanned_at, tz) if tz else checkin.scanned_at).isoformat(),
        "gate": checkin.gate,
        "name": participant.full_name if participant else "",
        "unit": participant.unit.name if participant else "",
        "province": participant.unit.province if participant else "",
        "session": checkin.session_id,
    }


def dashboard_snapshot(event: Event, day=None, *, latest: int = 20) -> dict:
    """Attendance of one day (default: today in the event's time zone) for the organisers' dashboard.

    Four aggregate queries whatever the size of the event (no query per row):
    expected in person per unit, present per unit, the latest accepted entries.
    'Expected' is approved registrations attending that day in person; 'present'
    is distinct registrations with an accepted door entry that day.
    """
    import datetime as dt

    from django.utils import timezone

    if day is None:
        day = timezone.localtime(timezone.now(), event.tz).date()
    expected_rows = (
        RegistrationDay.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED, date=day,
            mode=RegistrationDay.Mode.IN_PERSON,
        )
        .values("registration__participant__unit")
        .annotate(n=Count("registration", distinct=True))
        .order_by()
    )
    present_rows = (
        _door_entries(event, day)
        .values("registration__participant__unit")
        .annotate(n=Count("registration", distinct=True))
        .order_by()
    )
    expected = {r["registration__participant__unit"]: r["n"] for r in expected_rows}
    present = {r["registration__participant__unit"]: r["n"] for r in present_rows}
    units = Unit.objects.filter(pk__in=set(expected) | set(present)).order_by("sort_order", "name")
    per_unit, per_province = [], {}
    for unit in units:
        row = {"unit": unit.name, "province": unit.province, "expected": expected.get(unit.pk, 0),
               "present": present.get(unit.pk, 0)}
        per_unit.append(row)
        prov = per_province.setdefault(unit.province, {"province": unit.province, "expected": 0, "present": 0})
        prov["expected"] += row["expected"]
        prov["present"] += row["present"]
    newest = (
        _door_entries(event, day)
        .select_related("registration__participant__unit")
        .order_by("-scanned_at", "-pk")[:latest]
    )
    return {
        "type": "snapshot",
        "event": event.slug,
        "day": day.isoformat() if isinstance(day, dt.date) else str(day),
        "totals": {"expected_in_person_today": sum(expected.values()), "present_today": sum(present.values())},
        "per_unit": per_unit,
        "per_province": sorted(per_province.values(), key=lambda p: (p["province"] == "", p["province"])),
        "latest": [checkin_broadcast_payload(c, event.tz) for c in newest],
    }


def checkins_for_registration(registration: Registration) -> list:
    """A participant's own accepted check-ins (entries, exits, online joins), oldest first, for their portal.

    Refused scans are kept for the auditors but not shown here: they are not
    attendance. Each item carries ``local_time`` in the event's time zone.
    """
    from django.utils import timezone

    from .models import CheckIn

    tz = registration.event.tz
    items = list(
        CheckIn.objects.filter(registration=registration, result=CheckIn.Result.OK)
        .select_related("session")
        .order_by("scanned_at", "pk")
    )
    for item in items:
        item.local_time = timezone.localtime(item.scanned_at, tz)
    return items
