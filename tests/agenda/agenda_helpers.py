"""Helpers for the agenda tests (sessions at fixed local times of an event day)."""

import datetime as dt

from agenda.models import Session

MEETING_URL = "https://zoom.us/j/81234567890?pwd=RahasiaSekaliJanganBocor"
PASSCODE = "552211"


def at(event, day_index: int, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(event.days[day_index], dt.time.fromisoformat(hhmm), tzinfo=event.tz)


def make_session(event, title="Pembukaan", *, day_index=0, start="09:00", minutes=60, **kwargs):
    begin = at(event, day_index, start)
    defaults = dict(meeting_url=MEETING_URL, meeting_passcode=PASSCODE, room="Ballroom", mode=Session.Mode.HYBRID)
    defaults.update(kwargs)
    return Session.objects.create(event=event, title=title, day=event.days[day_index], start=begin,
                                  end=begin + dt.timedelta(minutes=minutes), **defaults)
