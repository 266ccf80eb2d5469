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
    """Seat use per quota unit and day (nested quotas counted apart), for organisers and coordinators."""
    from .services import _quota_scope

    quotas = UnitQuota.objects.filter(event=event).select_related("unit").order_by("unit__sort_order", "unit__name")
    if units is not None:
        quotas = quotas.filter(unit__in=units)
    result = []
    for quota in quotas:
        counts = dict(
            Registration.objects.filter(
                _quota_scope(quota), event=event, status__in=Registration.ACTIVE_STATUSES,
                days__mode=RegistrationDay.Mode.IN_PERSON,
            )
            .values_list("days__date")
            .annotate(n=Count("pk", distinct=True))
        )
        result.append(QuotaUse(unit=quota.unit, seats=quota.in_person_seats,
                               used_per_day={d: counts.get(d, 0) for d in event.days}))
    return result


def registration_counts(event: Event, registrations=None) -> dict:
    qs = registrations if registrations is not None else Registration.objects.filter(event=event)
    return qs.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Registration.Status.PENDING)),
        approved=Count("pk", filter=Q(status=Registration.Status.APPROVED)),
        rejected=Count("pk", filter=Q(status=Registration.Status.REJECTED)),
        cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
    )
