"""Attendance only counts what has happened (issue 12, item 6)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.models import RegistrationDay
from certificates.eligibility import registration_eligibility, sessions_to_come
from minutes import services as minutes_services
from minutes.models import Minutes
from agenda.models import Session
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, coordinator, organiser
from tests.minutes.factories_minutes import content, notulis, open_minutes

from .factories_certificates import at, door_entry, make_session, registration, templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_event():
    """A two-day event of today and tomorrow: the opening (09:00–10:00), a plenary (10:30–12:00), and two
    sessions tomorrow; nothing has a status yet."""
    event = EventFactory(name="Rakorwas Berjalan", start_date=dt.date(2030, 3, 4), end_date=dt.date(2030, 3, 5))
    sessions = {
        "Pembukaan": make_session(event, "Pembukaan", day_index=0, start="09:00", minutes=60),
        "Pleno I": make_session(event, "Pleno I", day_index=0, start="10:30", minutes=90),
        "Pleno II": make_session(event, "Pleno II", day_index=1, start="09:00", minutes=90),
        "Penutupan": make_session(event, "Penutupan", day_index=1, start="11:00", minutes=60),
    }
    Session.objects.filter(event=event).update(status=Session.Status.SCHEDULED)
    templates(event)
    return event, sessions


def test_eligibility_at_mid_event_excludes_sessions_not_yet_held(running_event):
    event, s = running_event
    reg = registration(event)
    door_entry(reg, 0, "08:45")
    with time_machine.travel(at(event, 0, "11:00"), tick=False):
        e = registration_eligibility(reg)
        to_come = sessions_to_come(event)
    # The opening (60 min) and the first 30 minutes of Pleno I; tomorrow's sessions are neither expected nor counted.
    assert e.per_session == {s["Pembukaan"].pk: 60, s["Pleno I"].pk: 30}
    assert (e.sessions_attended, e.sessions_expected) == (2, 2)
    assert (e.minutes_attended, e.minutes_expected) == (90, 90)
    assert e.jp == 2
    assert to_come == 3

    with time_machine.travel(at(event, 1, "18:00"), tick=False):
        after = registration_eligibility(reg)
    assert (after.sessions_attended, after.sessions_expected) == (2, 4)
    assert after.minutes_expected == 300


def test_issue_all_during_the_event_says_how_many_sessions_are_to_come(client, running_event):
    event, _s = running_event
    with time_machine.travel(at(event, 0, "11:00"), tick=True):
        client.force_login(organiser())  # signed in at the travelled time (a session from today would expire)
        page = client.get(reverse("certificates:organiser", args=[event.slug])).content.decode()
        issued = client.post(reverse("certificates:issue_all", args=[event.slug]), follow=True).content.decode()
    warning = "Acara masih berlangsung: 3 sesi belum selesai."
    assert warning in page and warning in issued
    assert 'data-confirm="Acara masih berlangsung: 3 sesi belum selesai.' in page


def test_minutes_cannot_be_finalised_before_their_session_ends(client, running_event):
    event, s = running_event
    org, taker = organiser(), notulis()
    minutes = open_minutes(s["Pleno I"], [taker], by=org)
    minutes_services.save_draft(minutes=minutes, by=taker, content=content(), base_revision=minutes.revision_number,
                                submit=True)
    minutes.refresh_from_db()
    detail = reverse("minutes:detail", args=[event.slug, s["Pleno I"].pk])
    with time_machine.travel(at(event, 0, "11:00"), tick=True):
        client.force_login(org)
        with pytest.raises(ValidationError) as refused:
            minutes_services.finalise(minutes=minutes, by=org)
        page = client.get(detail).content.decode()
        posted = client.post(reverse("minutes:review", args=[event.slug, s["Pleno I"].pk]),
                             {"action": "finalise", "base_revision": minutes.revision_number}, follow=True)
    assert refused.value.messages == [
        "Sesi ini belum selesai (dijadwalkan berakhir Senin, 4 Maret 2030 12:00). Notulen dapat difinalkan setelah "
        "sesinya berakhir, agar daftar hadirnya lengkap."]
    assert "Notulen dapat difinalkan setelah sesi berakhir (Senin, 4 Maret 2030 12:00)" in page
    assert 'value="finalise"' not in page
    assert "Sesi ini belum selesai" in posted.content.decode()
    assert Minutes.objects.get(pk=minutes.pk).status != Minutes.Status.FINAL

    with time_machine.travel(at(event, 0, "12:05"), tick=True):
        client.force_login(org)
        page = client.get(detail).content.decode()
        assert 'data-confirm="Finalkan dan kunci notulen ini?' in page
        minutes_services.finalise(minutes=minutes, by=org)
    assert Minutes.objects.get(pk=minutes.pk).status == Minutes.Status.FINAL


def test_who_is_missing_counts_only_what_has_started(client, running_event):
    event, _s = running_event
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Banten")
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Luring Belum", unit=unit))
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Daring Belum", unit=unit),
                        modes=[RegistrationDay.Mode.ONLINE, RegistrationDay.Mode.ONLINE])
    user = coordinator(unit)
    url = reverse("attendance:unit_attendance", args=[event.slug])
    with time_machine.travel(at(event, 0, "07:00"), tick=True):
        client.force_login(user)
        early = client.get(url, {"day": "2030-03-04"}).content.decode()
        tomorrow = client.get(url, {"day": "2030-03-05"}).content.decode()
    with time_machine.travel(at(event, 0, "09:30"), tick=True):
        client.force_login(user)
        started = client.get(url, {"day": "2030-03-04"}).content.decode()
    for page in (early, tomorrow):
        assert "hari ini belum dimulai" in page.lower()
        assert "Luring Belum" not in page and "Daring Belum" not in page
    assert "Luring Belum" in started and "Daring Belum" in started


def test_go_live_is_offered_only_for_sessions_with_something_to_broadcast(client, running_event):
    event, s = running_event
    Session.objects.filter(pk=s["Pembukaan"].pk).update(mode=Session.Mode.IN_PERSON)
    Session.objects.filter(pk=s["Pleno I"].pk).update(mode=Session.Mode.ONLINE)
    client.force_login(organiser())
    page = client.get(reverse("sessions:agenda_manage", args=[event.slug])).content.decode()
    pembukaan = page[page.index(f'id="sesi-{s["Pembukaan"].pk}"'):page.index(f'id="sesi-{s["Pleno I"].pk}"')]
    pleno = page[page.index(f'id="sesi-{s["Pleno I"].pk}"'):page.index(f'id="sesi-{s["Pleno II"].pk}"')]
    assert "Mulai siaran (Live)" not in pembukaan and "Sesi luring: tidak ada yang disiarkan." in pembukaan
    assert "Mulai siaran (Live)" in pleno
