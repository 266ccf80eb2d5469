"""Factories for the minutes tests: sessions, minute takers, minutes in each state."""

import datetime as dt

from django.contrib.auth.models import Group

from agenda.models import Session
from minutes import services
from minutes.models import Minutes
from rakor.models import StaffProfile
from rakor.roles import NOTULIS
from tests.factories import UserFactory, organiser


def make_session(event, title="Pleno: pencegahan korupsi dan zona integritas", day_index=0, hour=9):
    day = event.days[day_index]
    start = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=event.tz)
    return Session.objects.create(event=event, title=title, day=day, start=start, end=start + dt.timedelta(hours=2),
                                  room="Ballroom", mode=Session.Mode.HYBRID)


def notulis(unit=None, **kwargs):
    user = UserFactory(groups=[NOTULIS], first_name=kwargs.pop("first_name", "Siti"),
                       last_name=kwargs.pop("last_name", "Notulis"), **kwargs)
    Group.objects.get_or_create(name=NOTULIS)
    if unit is not None:
        StaffProfile.objects.create(user=user, unit=unit, position="Analis Kebijakan")
    return user


def open_minutes(session, takers, by=None) -> Minutes:
    by = by or organiser()
    return services.assign_minute_takers(session=session, takers=takers, by=by)


def content(**overrides) -> dict:
    base = {
        "opened": "09:05", "closed": "10:55",
        "chair_name": "Dr. H. Faisal, M.Si.", "chair_position": "Inspektur Wilayah I", "chair_rank": "Pembina Utama Muda (IV/c)",
        "chair_nip": "197001011998031001",
        "taker_name": "Siti Notulis", "taker_position": "Analis Kebijakan", "taker_rank": "Penata (III/c)",
        "taker_nip": "198805052015032002",
        "agenda": "Pembahasan zona integritas", "discussion": "Peserta membahas **WBK**.",
        "decisions": "1. Semua satker menyusun rencana aksi ZI.", "items": [],
    }
    base.update(overrides)
    return base


def final_minutes(session, taker, org, items=()):
    minutes = open_minutes(session, [taker], by=org)
    services.save_draft(minutes=minutes, by=taker, content=content(items=list(items)),
                        base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    return minutes
