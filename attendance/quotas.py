"""The in-person seat rule (kuota luring), in one place: the seat book.

Registration services (one registration, under a lock), the participant import (a whole
file, in file order) and the demo seeder (many people, no refusals: a full day becomes
online) all count seats with ``SeatBook``. The rule:

- A unit's seats are governed by its own quota, else the nearest ancestor's
  (``governing``); a nested quota counts apart from the one above it.
- A seat is an in-person day of a registration that holds its seats
  (``Registration.seat_holders_q``: approved ones; pending ones only until the registration
  closes; rejected and cancelled free theirs), counted against the quota that governs the
  participant's unit, and against the event's in-person capacity.
- A new in-person day is refused when its quota (or the event capacity) has no seat
  left: ``used + 1 > seats``. Every quota day is checked before the capacity days; the
  first refusal is the answer (``refusal``).

Counts are read in one grouped query, attributed to quotas by the unit's materialised
path, so a book for a whole event costs three queries whatever the number of quotas.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

from django.db import connection
from django.db.models import Count

from rakor.models import Event, Unit

from .models import Registration, RegistrationDay, UnitQuota

IN_PERSON = RegistrationDay.Mode.IN_PERSON
ONLINE = RegistrationDay.Mode.ONLINE

QUOTA_EXCEEDED = "quota_exceeded"
CAPACITY_EXCEEDED = "capacity_exceeded"


@dataclass(frozen=True)
class SeatRefusal:
    """Why an in-person day has no seat: ``code`` is QUOTA_EXCEEDED (``quota`` is the full one)
    or CAPACITY_EXCEEDED; ``seats`` the limit and ``used`` the seats already taken that day."""

    code: str
    day: dt.date
    seats: int
    used: int
    quota: UnitQuota | None = None


def _ancestors(path: str) -> list[int]:
    """Unit ids on a materialised path ("/1/5/9/"), root first."""
    return [int(pk) for pk in path.strip("/").split("/") if pk]


def in_person_days(days: Mapping[dt.date, str]) -> list[dt.date]:
    return sorted(d for d, mode in days.items() if mode == IN_PERSON)


def quota_for_unit(*, event: Event, unit: Unit) -> UnitQuota | None:
    """The quota that governs `unit`: its own, else the nearest ancestor's (one query)."""
    ancestor_ids = _ancestors(unit.path)
    quotas = {q.unit_id: q for q in UnitQuota.objects.filter(event=event, unit_id__in=ancestor_ids).select_related("unit")}
    return next((quotas[pk] for pk in reversed(ancestor_ids) if pk in quotas), None)


class SeatBook:
    """In-person seats of one event: each quota and the event capacity, per day.

    ``SeatBook(event)`` counts every active registration of the event (the import, the
    demo); ``SeatBook.for_unit(...)`` only what one unit's registration needs (the
    services). With ``lock`` the quota rows (all, or the governing one) and, when the
    event has a capacity, the event row are locked *before* anything is counted, so two
    writers cannot both take the last seat (call it inside ``transaction.atomic()``).
    ``book``/``release`` keep the counts right while a caller adds or replaces
    registrations in memory (an import in file order, the demo).
    """

    def __init__(self, event: Event, *, lock: bool = False):
        self.event = event
        quotas = UnitQuota.objects.filter(event=event).select_related("unit")
        if lock:
            quotas = quotas.select_for_update(**({"of": ("self",)} if connection.features.has_select_for_update_of else {}))
        self.quotas: dict[int, UnitQuota] = {q.unit_id: q for q in quotas}  # unit id -> quota
        self.capacity = event.in_person_capacity
        if lock and self.capacity is not None:
            Event.objects.select_for_update().filter(pk=event.pk).first()
        self._governing: dict[str, UnitQuota | None] = {}
        self.used: dict[tuple[int, dt.date], int] = defaultdict(int)  # (quota pk, day) -> seats
        self.total: dict[dt.date, int] = defaultdict(int)  # day -> seats
        if self.quotas or self.capacity is not None:
            self._count(Registration.objects.filter(event=event))

    @classmethod
    def for_unit(cls, *, event: Event, unit: Unit, days: Mapping[dt.date, str], exclude_pk=None) -> "SeatBook":
        """The seats a registration of `unit` for these days competes for, counted under lock.

        Locks the governing quota row (and the event row when it has a capacity); counts only
        that quota's subtree and the event's totals on these in-person days, without the
        registration ``exclude_pk`` (one being edited or re-activated).
        """
        book = cls.__new__(cls)
        book.event, book.capacity = event, event.in_person_capacity
        book._governing, book.used, book.total = {}, defaultdict(int), defaultdict(int)
        book.quotas = {}
        wanted = in_person_days(days)
        if not wanted:
            return book
        registrations = Registration.objects.filter(event=event)
        if exclude_pk:
            registrations = registrations.exclude(pk=exclude_pk)
        quota = quota_for_unit(event=event, unit=unit)
        if quota is not None:
            # Re-read under the lock (as before this module: the quota row and its unit's): the
            # seats are those of the moment the seat is taken.
            quota = UnitQuota.objects.select_for_update().select_related("unit").get(pk=quota.pk)
            nested = UnitQuota.objects.filter(event=event, unit__path__startswith=quota.unit.path).select_related("unit")
            book.quotas = {q.unit_id: q for q in nested if q.pk != quota.pk}
            book.quotas[quota.unit_id] = quota
            book._count(registrations.filter(participant__unit__path__startswith=quota.unit.path), wanted,
                        totals=False)
        if book.capacity is not None:
            Event.objects.select_for_update().filter(pk=event.pk).first()
            book._count(registrations, wanted, quotas=False)
        return book

    def _count(self, registrations, days=None, *, quotas: bool = True, totals: bool = True) -> None:
        # One filter() call: the day's mode and date are of the same RegistrationDay row.
        day_filter = {"days__mode": IN_PERSON} if days is None else {"days__mode": IN_PERSON, "days__date__in": days}
        rows = (registrations.filter(Registration.seat_holders_q(self.event), **day_filter).order_by()
                .values_list("participant__unit__path", "days__date").annotate(n=Count("pk", distinct=True)))
        for path, day, n in rows:
            if quotas:
                quota = self.governing_path(path)
                if quota is not None:
                    self.used[(quota.pk, day)] += n
            if totals:
                self.total[day] += n

    # ------------------------------------------------------------ the rule

    def governing_path(self, path: str) -> UnitQuota | None:
        """The quota governing the unit with this path: its own, else the nearest ancestor's."""
        if path not in self._governing:
            self._governing[path] = next(
                (self.quotas[pk] for pk in reversed(_ancestors(path)) if pk in self.quotas), None)
        return self._governing[path]

    def governing(self, unit: Unit) -> UnitQuota | None:
        return self.governing_path(unit.path)

    def refusal(self, unit: Unit, days: Mapping[dt.date, str]) -> SeatRefusal | None:
        """The first reason these in-person days cannot have a seat (quota days first, then
        the event capacity), or None when every one of them has a seat."""
        wanted = in_person_days(days)
        quota = self.governing(unit) if wanted else None
        if quota is not None:
            for day in wanted:
                used = self.used[(quota.pk, day)]
                if used + 1 > quota.in_person_seats:
                    return SeatRefusal(QUOTA_EXCEEDED, day, quota.in_person_seats, used, quota)
        if self.capacity is not None:
            for day in wanted:
                used = self.total[day]
                if used + 1 > self.capacity:
                    return SeatRefusal(CAPACITY_EXCEEDED, day, self.capacity, used)
        return None

    def book(self, unit: Unit, days: Mapping[dt.date, str], sign: int = 1) -> None:
        """Count these in-person days as taken (``sign=-1``: as freed; see ``release``)."""
        quota = self.governing(unit)
        for day in in_person_days(days):
            if quota is not None:
                self.used[(quota.pk, day)] += sign
            self.total[day] += sign

    def release(self, unit: Unit, days: Mapping[dt.date, str]) -> None:
        """Free the seats of a registration whose days are being replaced."""
        self.book(unit, days, sign=-1)

    def take(self, unit: Unit, days: Mapping[dt.date, str]) -> dict[dt.date, str]:
        """The days with each in-person day that has no seat left made online; books the rest.

        For the demo, which fills an event without refusing anybody; each day is decided
        by ``refusal`` as a one-day registration would be.
        """
        result = {}
        for day, mode in sorted(days.items()):
            if mode == IN_PERSON:
                if self.refusal(unit, {day: mode}) is not None:
                    mode = ONLINE
                else:
                    self.book(unit, {day: mode})
            result[day] = mode
        return result
