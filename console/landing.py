"""Where each person lands after signing in, and which events the front door shows.

Pure reads of rakor's events and roles; the views in console.views turn the answers
into a redirect (one obvious place) or a short list to choose from (several).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from rakor.models import Event
from rakor.roles import can_scan, coordinator_unit, is_coordinator, is_notulis, is_organiser

RECENT_LIMIT = 6


def local_today(event: Event, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), event.tz).date()


def _near(now: dt.datetime, days: int):
    today = timezone.localdate(now)
    # A day of slack either side: an event's own time zone may be a day ahead or behind the server's.
    return Event.objects.filter(end_date__gte=today - dt.timedelta(days=days + 1)).order_by("start_date", "pk")


def events_running(now: dt.datetime | None = None) -> list[Event]:
    """Events whose dates include today in their own time zone."""
    now = now or timezone.now()
    return [e for e in _near(now, 0) if e.start_date <= local_today(e, now) <= e.end_date]


def events_upcoming(now: dt.datetime | None = None) -> list[Event]:
    now = now or timezone.now()
    return [e for e in _near(now, 0) if local_today(e, now) < e.start_date]


def events_recent(now: dt.datetime | None = None) -> list[Event]:
    """The events that ended last, newest first (the archive's front)."""
    now = now or timezone.now()
    candidates = Event.objects.filter(end_date__lte=timezone.localdate(now)).order_by("-end_date", "-pk")
    return [e for e in candidates[:RECENT_LIMIT + 2] if e.end_date < local_today(e, now)][:RECENT_LIMIT]


def events_open_for_registration(now: dt.datetime | None = None) -> list[Event]:
    now = now or timezone.now()
    return [e for e in _near(now, 0) if e.end_date >= local_today(e, now) and e.registration_is_open(now)]


def events_current(now: dt.datetime | None = None) -> list[Event]:
    """The events someone at work most likely means: running today; else the next one; else the latest."""
    now = now or timezone.now()
    running = events_running(now)
    if running:
        return running
    upcoming = events_upcoming(now)
    if upcoming:
        return upcoming[:1]
    latest = Event.objects.order_by("-end_date", "-pk").first()
    return [latest] if latest else []


@dataclass
class Landing:
    """Either ``url`` (go there) or ``choices`` (a short list of (event, url) to pick from) with a heading."""

    role: str
    url: str = ""
    choices: list = field(default_factory=list)
    others: list = field(default_factory=list)  # events further away, offered below the choices


def landing_for(user, now: dt.datetime | None = None) -> Landing:
    """The page a signed-in person works on first. Never a page their role may not open."""
    now = now or timezone.now()
    if is_organiser(user):
        current = events_current(now)
        if len(current) == 1:
            return Landing("organiser", url=reverse("console:event", args=[current[0].slug]))
        return Landing("organiser", choices=[(e, reverse("console:event", args=[e.slug])) for e in current],
                       others=_others(current, "console:event"))
    if can_scan(user):
        today = events_running(now)
        if len(today) == 1:
            return Landing("scanner", url=reverse("attendance:scanner", args=[today[0].slug]))
        return Landing("scanner", choices=[(e, reverse("attendance:scanner", args=[e.slug])) for e in today],
                       others=[(e, reverse("attendance:scanner", args=[e.slug])) for e in events_upcoming(now)[:5]])
    if is_coordinator(user) and coordinator_unit(user) is not None:
        current = events_current(now)
        if len(current) == 1:
            return Landing("coordinator", url=reverse("attendance:unit_list", args=[current[0].slug]))
        return Landing("coordinator", url=reverse("attendance:coordinator_home"))
    if is_notulis(user):
        return Landing("notulis", url=reverse("minutes:home"))
    return Landing("none")


def _others(shown: list[Event], url_name: str) -> list:
    ids = {e.pk for e in shown}
    return [(e, reverse(url_name, args=[e.slug])) for e in Event.objects.order_by("-start_date", "-pk")[:10]
            if e.pk not in ids]
