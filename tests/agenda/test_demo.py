"""seed_demo's agenda: three realistic days, valid by the organisers' own rules, idempotent."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from agenda.demo import seed_demo_event
from agenda.forms import SessionAdminForm
from agenda.models import Session
from rakor import demo_data as data
from rakor.models import Unit
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kanwil():
    return {p: Unit.objects.create(name=data.kanwil_name(p), code=data.kanwil_code(p), kind=Unit.Kind.PROVINCIAL,
                                   province=p) for p in data.PROVINCES}


def counts():
    return (Session.objects.count(), Session.allowed_units.through.objects.count())


def test_archive_agenda_three_days_all_ended_and_idempotent(kanwil):
    event = EventFactory(slug="rakorwas-2022", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))

    created = seed_demo_event(event=event, archive=True)
    first = counts()
    again = seed_demo_event(event=event, archive=True)

    assert (created, again) == (first[0], 0)
    assert counts() == first
    sessions = list(Session.objects.filter(event=event))
    assert {s.status for s in sessions} == {"ended"}
    assert {s.day for s in sessions} == set(event.days)
    opening = Session.objects.get(title="Pembukaan Rakorwas 2022 oleh Menteri Agama")
    local = opening.start.astimezone(event.tz)
    assert (opening.day, local.strftime("%H:%M %Z"), opening.kind, opening.mode) == (
        dt.date(2022, 11, 21), "15:30 WIB", "plenary", "hybrid")
    assert opening.meeting_url.startswith("https://zoom.us/j/") and "?pwd=" in opening.meeting_url
    assert opening.stream_url.startswith("https://www.youtube.com/watch?v=")
    assert "Menteri Agama" in opening.guest_speakers
    titles = [s.title for s in sessions]
    for expected in ("Diskusi kelompok Inspektorat Wilayah I: temuan dan tindak lanjut per wilayah",
                     "Diskusi kelompok Inspektorat Wilayah IV: temuan dan tindak lanjut per wilayah",
                     "Diskusi kelompok Inspektorat Investigasi: pengaduan masyarakat dan whistleblowing",
                     "Pleno: rencana pengawasan 2023 (PKPT)", "Perumusan rekomendasi Rakorwas 2022",
                     "Penutupan dan pembacaan rekomendasi"):
        assert expected in titles
    breakout = Session.objects.get(title__startswith="Diskusi kelompok Inspektorat Wilayah I:")
    assert breakout.join_scope == "units"
    assert sorted(u.province for u in breakout.allowed_units.all()) == sorted(data.PROVINCES[0:10])


def test_every_demo_session_passes_the_admin_validation(kanwil):
    event = EventFactory(slug="rakorwas-2022", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))
    seed_demo_event(event=event, archive=True)

    for session in Session.objects.filter(event=event):
        values = model_to_dict(session)
        form = SessionAdminForm(data=values, instance=session)
        form.is_valid()
        assert {k: v for k, v in form.errors.items() if k in ("day", "start", "end")} == {}, session.title


def test_demo_today_starts_soon_after_now_and_is_scheduled(kanwil):
    tz = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime(2024, 5, 6, 9, 2, tzinfo=tz)
    event = EventFactory(slug="rakorwas-demo", start_date=now.date(), end_date=now.date() + dt.timedelta(days=2))

    seed_demo_event(event=event, archive=False, now=now)
    seed_demo_event(event=event, archive=False, now=now + dt.timedelta(hours=3))

    sessions = list(Session.objects.filter(event=event).order_by("start"))
    assert {s.status for s in sessions} == {"scheduled"}
    assert sessions[0].start == dt.datetime(2024, 5, 6, 9, 10, tzinfo=tz)
    assert len(sessions) == len(Session.objects.filter(event=event).values("title", "day").distinct())
    assert sessions[-1].day == event.days[2]


def test_demo_late_in_the_day_compresses_day_one_before_midnight(kanwil):
    tz = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime(2024, 5, 6, 21, 0, tzinfo=tz)
    event = EventFactory(slug="rakorwas-demo", start_date=now.date(), end_date=now.date() + dt.timedelta(days=2))

    seed_demo_event(event=event, archive=False, now=now)

    day_one = list(Session.objects.filter(event=event, day=event.days[0]).order_by("start"))
    assert day_one[0].start.astimezone(tz).strftime("%H:%M") == "21:10"
    assert all(s.end.astimezone(tz).date() == event.days[0] and s.end > s.start for s in day_one)
