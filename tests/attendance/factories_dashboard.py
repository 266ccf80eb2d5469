"""A small attendance world for the dashboard, coordinator, report and summary-API tests.

Event 21–23 Nov 2022 (WIB). Units: Kanwil Jawa Barat with Kankemenag Kab. Bogor under it,
Kanwil Aceh. Day 1 (21 Nov):
- Jabar A (Kanwil Jabar, in person): door entry 07:40, also day 2 at 07:05
- Jabar B (Kanwil Jabar, in person): never came (missing)
- Bogor C (Kab. Bogor, online): joined the opening session online (OnlineAttendance, 60 min)
- Aceh D (Kanwil Aceh, in person): door entry 07:55, and scanned in the opening session's room
- Aceh E (Kanwil Aceh, pending): not counted anywhere
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

from attendance.models import CheckIn, Registration
from agenda.models import Session
from attendance.models import OnlineAttendance
from tests.factories import EventFactory, RegistrationFactory, UnitFactory

DAY1, DAY2, DAY3 = dt.date(2022, 11, 21), dt.date(2022, 11, 22), dt.date(2022, 11, 23)


def at(event, day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=event.tz)


def checkin(reg, when, *, session=None, method=CheckIn.Method.CAMERA, result=CheckIn.Result.OK, gate="Meja 1"):
    return CheckIn.objects.create(
        event=reg.event, registration=reg, ticket_text="t", kind=CheckIn.Kind.ENTRY,
        day=when.astimezone(reg.event.tz).date(), session=session, method=method, gate=gate, scanned_at=when,
        nonce=uuid.uuid4(), result=result,
    )


def attendance_world():
    event = EventFactory(start_date=DAY1, end_date=DAY3, slug="rakorwas-uji", name="Rakorwas Uji")
    jabar = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat", province="Jawa Barat", code="kanwil-jabar-uji",
                        sort_order=10)
    bogor = UnitFactory(name="Kankemenag Kabupaten Bogor", province="", parent=jabar, kind="district",
                        code="kankemenag-bogor-uji", sort_order=11)
    aceh = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", province="Aceh", code="kanwil-aceh-uji", sort_order=5)
    opening = Session.objects.create(
        event=event, title="Pembukaan <b>Rakorwas</b>", day=DAY1, start=at(event, DAY1, 8), end=at(event, DAY1, 10),
        mode=Session.Mode.HYBRID, meeting_url="https://zoom.us/j/1", status=Session.Status.ENDED,
    )
    jabar_a = RegistrationFactory(event=event, participant__unit=jabar, participant__full_name="Jabar A Hadir",
                                  participant__whatsapp="+6281111111111")
    jabar_b = RegistrationFactory(event=event, participant__unit=jabar, participant__full_name="Jabar B Absen",
                                  participant__whatsapp="0812-2222-2222")
    bogor_c = RegistrationFactory(event=event, participant__unit=bogor, participant__full_name="Bogor C Daring",
                                  participant__whatsapp="", modes=["online"] * 3)
    aceh_d = RegistrationFactory(event=event, participant__unit=aceh, participant__full_name="Aceh D Hadir")
    aceh_e = RegistrationFactory(event=event, participant__unit=aceh, participant__full_name="Aceh E Menunggu",
                                 status=Registration.Status.PENDING)
    checkin(jabar_a, at(event, DAY1, 7, 40))
    checkin(jabar_a, at(event, DAY2, 7, 5))
    checkin(aceh_d, at(event, DAY1, 7, 55), gate="Meja 2")
    checkin(aceh_d, at(event, DAY1, 7, 58), session=opening)
    checkin(bogor_c, at(event, DAY1, 8, 3), session=opening, method=CheckIn.Method.ONLINE)
    OnlineAttendance.objects.create(registration=bogor_c, session=opening, first_joined_at=at(event, DAY1, 8, 3),
                                    last_heartbeat_at=at(event, DAY1, 9, 3), heartbeat_minutes=60)
    # A refused scan is never attendance.
    checkin(jabar_b, at(event, DAY1, 8, 30), result=CheckIn.Result.NOT_APPROVED)
    return SimpleNamespace(event=event, jabar=jabar, bogor=bogor, aceh=aceh, opening=opening, jabar_a=jabar_a,
                           jabar_b=jabar_b, bogor_c=bogor_c, aceh_d=aceh_d, aceh_e=aceh_e)
