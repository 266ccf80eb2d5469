"""iCalendar exports of an event's agenda (the ``icalendar`` package).

Times are written in UTC (``...Z``): every calendar shows them in its own zone, and
the event's zone is named in X-WR-TIMEZONE. The public feed carries the event page;
a participant's feed carries their personal join link (/t/<secret>/join/<id>/) for the
sessions they may join online. The raw meeting URL and passcode are never written.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from rakor.models import Event

from .selectors import event_sessions


def session_uid(session, host: str) -> str:
    """Stable across exports, so calendars update an entry instead of adding a new one."""
    return f"session-{session.pk}@{host}"


def event_calendar(event: Event, *, site_url: str, personal=None) -> bytes:
    """The agenda as iCalendar; with ``personal`` (attendance.online.selectors.PersonalAgenda) the participant's links."""
    host = urlsplit(site_url).hostname or "rakor"
    event_page = f"{site_url}/e/{event.slug}/"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Rakor//Agenda//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", event.name)
    cal.add("x-wr-timezone", event.time_zone)
    stamp = timezone.now().astimezone(dt.timezone.utc)
    for s in event_sessions(event):
        item = icalendar.Event()
        item.add("uid", session_uid(s, host))
        item.add("dtstamp", stamp)
        item.add("dtstart", s.start.astimezone(dt.timezone.utc))
        item.add("dtend", s.end.astimezone(dt.timezone.utc))
        item.add("summary", s.title)
        location = ", ".join(part for part in (s.room, event.venue) if part)
        if location:
            item.add("location", location)
        lines = [s.description] if s.description else []
        speakers = [line.strip() for line in s.guest_speakers.splitlines() if line.strip()]
        if speakers:
            lines.append(_("Narasumber: %(names)s") % {"names": "; ".join(speakers)})
        if s.moderator_name:
            lines.append(_("Moderator: %(name)s") % {"name": s.moderator_name})
        lines.append(_("Moda: %(mode)s") % {"mode": s.get_mode_display()})
        url = event_page
        join_path = personal.join_path(s) if personal is not None else ""
        if join_path:
            url = f"{site_url}{join_path}"
            lines.append(_("Tautan bergabung pribadi Anda (jangan dibagikan): %(url)s") % {"url": url})
        lines.append(_("Agenda lengkap: %(url)s") % {"url": event_page})
        item.add("description", "\n\n".join(lines))
        item.add("url", url)
        item.add("categories", [s.get_kind_display()])
        cal.add_component(item)
    return cal.to_ical()
