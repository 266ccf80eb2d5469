"""iCal exports: /e/<event>/agenda.ics (public) and /t/<secret>/agenda.ics (personal)."""

import datetime as dt

import icalendar
import pytest

from agenda.models import Session
from attendance.models import RegistrationDay
from tests.factories import EventFactory, RegistrationFactory, UnitFactory

from .agenda_helpers import MEETING_URL, PASSCODE, at, make_session

pytestmark = pytest.mark.django_db
ONLINE, IN_PERSON = RegistrationDay.Mode.ONLINE, RegistrationDay.Mode.IN_PERSON


@pytest.fixture
def event(settings):
    settings.SITE_URL = "https://rakor.itjen.kemenag.go.id"
    return EventFactory(slug="rakorwas-uji", name="Rakorwas Uji", venue="Hotel Novotel Mangga Dua",
                        start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))


def events_of(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in cal.walk("VEVENT")}


def test_public_feed_has_every_session_in_utc_and_no_link(client, event):
    opening = make_session(event, "Pembukaan Rakorwas 2022 oleh Menteri Agama", start="15:30", minutes=90,
                           room="Ballroom", description="Sambutan dan pembukaan.",
                           guest_speakers="Menteri Agama Republik Indonesia", stream_url="https://youtu.be/dQw4w9WgXcQ")
    make_session(event, "PKPT 2023", day_index=2, start="08:00")

    response = client.get("/e/rakorwas-uji/agenda.ics")

    assert response.status_code == 200
    items = events_of(response)
    assert sorted(items) == ["PKPT 2023", "Pembukaan Rakorwas 2022 oleh Menteri Agama"]
    item = items["Pembukaan Rakorwas 2022 oleh Menteri Agama"]
    assert item.decoded("dtstart") == dt.datetime(2022, 11, 21, 8, 30, tzinfo=dt.timezone.utc)
    assert item.decoded("dtend") == dt.datetime(2022, 11, 21, 10, 0, tzinfo=dt.timezone.utc)
    assert item.decoded("dtstart") == opening.start
    assert str(item["uid"]) == f"session-{opening.pk}@rakor.itjen.kemenag.go.id"
    assert str(item["location"]) == "Ballroom, Hotel Novotel Mangga Dua"
    assert str(item["url"]) == "https://rakor.itjen.kemenag.go.id/e/rakorwas-uji/"
    assert "Narasumber: Menteri Agama Republik Indonesia" in str(item["description"])
    text = response.content.decode()
    assert MEETING_URL not in text and "zoom.us" not in text and PASSCODE not in text
    assert "youtu" not in text and "/join/" not in text


def test_uids_are_stable_between_exports(client, event):
    make_session(event)
    first = events_of(client.get("/e/rakorwas-uji/agenda.ics"))
    second = events_of(client.get("/e/rakorwas-uji/agenda.ics"))
    assert [str(e["uid"]) for e in first.values()] == [str(e["uid"]) for e in second.values()]


def test_personal_feed_carries_own_join_links_only_where_allowed(client, event):
    kanwil, other = UnitFactory(), UnitFactory()
    registration = RegistrationFactory(event=event, participant__unit=UnitFactory(parent=kanwil),
                                       modes=[ONLINE, ONLINE, IN_PERSON])
    plenary = make_session(event, "Pleno", start="09:00")
    breakout = make_session(event, "Kelompok Irwil lain", start="13:00", join_scope=Session.JoinScope.UNITS)
    breakout.allowed_units.set([other])
    make_session(event, "Hari ketiga di ruang", day_index=2)

    response = client.get(f"/t/{registration.portal_secret}/agenda.ics")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    items = events_of(response)
    join = f"https://rakor.itjen.kemenag.go.id/t/{registration.portal_secret}/join/{plenary.pk}/"
    assert str(items["Pleno"]["url"]) == join
    assert join in str(items["Pleno"]["description"])
    assert str(items["Kelompok Irwil lain"]["url"]) == "https://rakor.itjen.kemenag.go.id/e/rakorwas-uji/"
    assert str(items["Hari ketiga di ruang"]["url"]) == "https://rakor.itjen.kemenag.go.id/e/rakorwas-uji/"
    text = response.content.decode()
    assert MEETING_URL not in text and "zoom.us" not in text and PASSCODE not in text
    assert sum(str(e.get("url")).count("/join/") + str(e["description"]).count("/join/") for e in items.values()) == 2


def test_personal_feed_of_unknown_secret_is_404(client, event):
    assert client.get("/t/bukan-rahasia-yang-benar/agenda.ics").status_code == 404


def test_unknown_event_feed_is_404(client):
    assert client.get("/e/tidak-ada/agenda.ics").status_code == 404
