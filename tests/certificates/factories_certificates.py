"""Helpers for certificate tests: an event with an agenda, attendance records, templates."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from attendance.models import CheckIn, Registration
from certificates import services
from certificates.models import CertificateTemplate
from agenda.models import Session
from attendance.models import OnlineAttendance
from tests.factories import EventFactory, RegistrationFactory

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def at(event, day_index: int, hhmm: str) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    day = event.start_date + dt.timedelta(days=day_index)
    return dt.datetime(day.year, day.month, day.day, h, m, tzinfo=WIB)


def make_session(event, title, *, day_index=0, start="09:00", minutes=60, mode=Session.Mode.HYBRID,
                 kind=Session.Kind.PLENARY):
    begin = at(event, day_index, start)
    return Session.objects.create(event=event, title=title, day=begin.date(), start=begin,
                                  end=begin + dt.timedelta(minutes=minutes), mode=mode, kind=kind,
                                  status=Session.Status.ENDED, meeting_url="https://zoom.us/j/123")


def past_event(**kwargs):
    """A two-day event that ended last week, with five countable sessions (420 minutes) and a break."""
    start = dt.date.today() - dt.timedelta(days=8)
    event = EventFactory(start_date=start, end_date=start + dt.timedelta(days=1), **kwargs)
    sessions = [
        make_session(event, "Pembukaan", day_index=0, start="09:00", minutes=60),
        make_session(event, "Rehat", day_index=0, start="10:00", minutes=30, kind=Session.Kind.BREAK,
                     mode=Session.Mode.IN_PERSON),
        make_session(event, "Pleno I", day_index=0, start="10:30", minutes=90),
        make_session(event, "Kunjungan lapangan", day_index=0, start="13:00", minutes=90,
                     mode=Session.Mode.IN_PERSON),
        make_session(event, "Pleno II", day_index=1, start="09:00", minutes=120),
        make_session(event, "Penutupan", day_index=1, start="11:00", minutes=60),
    ]
    return event, sessions


def door_entry(registration, day_index: int, hhmm: str = "08:30", session=None):
    event = registration.event
    when = at(event, day_index, hhmm)
    return CheckIn.objects.create(event=event, registration=registration, kind=CheckIn.Kind.ENTRY,
                                  day=when.date(), session=session, method=CheckIn.Method.CAMERA,
                                  scanned_at=when, nonce=uuid.uuid4(), result=CheckIn.Result.OK)


def online(registration, session, *, heartbeat=0, report=0):
    return OnlineAttendance.objects.create(registration=registration, session=session,
                                           first_joined_at=session.start, heartbeat_minutes=heartbeat,
                                           report_minutes=report)


def attended_everything(registration, modes=("in_person", "in_person")):
    for day_index, mode in enumerate(modes):
        if mode == "in_person":
            door_entry(registration, day_index)
        else:
            for s in registration.event.sessions.filter(day=registration.event.start_date
                                                        + dt.timedelta(days=day_index)):
                online(registration, s, heartbeat=int((s.end - s.start).total_seconds() // 60))


def templates(event, **changes):
    services.template_create_defaults(event=event)
    if changes:
        CertificateTemplate.objects.filter(event=event).update(**changes)
    return {t.role: t for t in CertificateTemplate.objects.filter(event=event)}


def registration(event, *, role=Registration.Role.PARTICIPANT, modes=None, name=None, **kwargs):
    extra = {"participant__full_name": name} if name else {}
    return RegistrationFactory(event=event, role=role, modes=modes or ["in_person"] * len(event.days), **extra,
                               **kwargs)
