"""Agenda management (admin validation, organiser board) and the public agenda fragment's context."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string

from agenda.models import Session
from agenda.selectors import agenda_context
from attendance.models import RegistrationDay
from attendance.online.selectors import may_join_online, portal_agenda_context
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    UnitFactory,
    UserFactory,
    organiser,
)

from .agenda_helpers import MEETING_URL, PASSCODE, at, make_session

pytestmark = pytest.mark.django_db

ONLINE, IN_PERSON = RegistrationDay.Mode.ONLINE, RegistrationDay.Mode.IN_PERSON


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))


@pytest.fixture
def org_client(client):
    client.force_login(organiser())
    return client


def admin_post(event, **over):
    data = {
        "event": event.pk, "title": "Pleno PKPT 2023", "description": "", "kind": "plenary", "mode": "hybrid",
        "day": "2022-11-22", "start_0": "2022-11-22", "start_1": "08:00", "end_0": "2022-11-22", "end_1": "10:00",
        "room": "Ballroom", "guest_speakers": "", "moderator_name": "", "meeting_url": MEETING_URL,
        "meeting_passcode": PASSCODE, "stream_url": "", "join_scope": "all_online", "join_opens_minutes_before": 15,
        "status": "scheduled",
    }
    data.update(over)
    return data


def errors_of(response):
    return {field: list(errs) for field, errs in response.context["adminform"].form.errors.items()}


def test_admin_creates_a_valid_session_in_event_time(org_client, event):
    response = org_client.post("/admin/agenda/session/add/", admin_post(event))

    assert response.status_code == 302
    session = Session.objects.get()
    assert session.start == at(event, 1, "08:00")
    assert session.start.astimezone(dt.timezone.utc).hour == 1  # 08:00 WIB


def test_admin_refuses_end_before_start(org_client, event):
    response = org_client.post("/admin/agenda/session/add/", admin_post(event, end_1="07:30"))

    assert response.status_code == 200
    assert errors_of(response) == {"end": ["Waktu selesai harus sesudah waktu mulai."]}
    assert Session.objects.count() == 0


def test_admin_refuses_a_day_outside_the_event(org_client, event):
    response = org_client.post("/admin/agenda/session/add/", admin_post(
        event, day="2022-11-24", start_0="2022-11-24", end_0="2022-11-24"))

    assert errors_of(response) == {"day": ["Hari 24 November 2022 di luar tanggal acara (21 November 2022 s.d. 23 November 2022)."]}
    assert Session.objects.count() == 0


def test_admin_refuses_a_start_on_another_day(org_client, event):
    response = org_client.post("/admin/agenda/session/add/", admin_post(event, day="2022-11-21"))

    assert errors_of(response) == {"start": [
        "Waktu mulai (22 November 2022 08:00, Asia/Jakarta) tidak jatuh pada hari sesi (21 November 2022)."]}


def test_admin_refuses_a_session_running_past_midnight(org_client, event):
    response = org_client.post("/admin/agenda/session/add/", admin_post(
        event, start_1="22:00", end_0="2022-11-23", end_1="01:00"))

    assert errors_of(response) == {"end": ["Sesi harus selesai pada hari yang sama (22 November 2022, zona waktu Asia/Jakarta)."]}


def test_admin_warns_but_saves_a_double_booked_room(org_client, event):
    make_session(event, "Diskusi Kelompok Irwil I", day_index=1, start="09:00", minutes=120, room="Ballroom")

    response = org_client.post("/admin/agenda/session/add/", admin_post(event), follow=True)

    assert Session.objects.count() == 2
    levels = {m.level_tag: str(m) for m in get_messages(response.wsgi_request)} | {
        m.level_tag: str(m) for m in response.context["messages"]}
    assert levels["warning"] == ("Perhatian: ruang “Ballroom” juga dipakai pada waktu yang bertumpang tindih oleh: "
                                 "Diskusi Kelompok Irwil I (22 Nov 09:00–11:00).")


def test_admin_no_warning_for_back_to_back_sessions(org_client, event):
    make_session(event, "Sebelumnya", day_index=1, start="06:00", minutes=120, room="Ballroom")

    response = org_client.post("/admin/agenda/session/add/", admin_post(event), follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_admin_action_sets_live_through_the_service(org_client, event):
    session = make_session(event)

    org_client.post("/admin/agenda/session/", {"action": "action_set_live", "_selected_action": [session.pk]})

    session.refresh_from_db()
    assert session.status == "live"
    assert session.status_changed_at is not None


def test_meeting_report_admin_is_read_only(org_client):
    assert org_client.get("/admin/attendance/meetingreport/").status_code == 200
    assert org_client.get("/admin/attendance/meetingreport/add/").status_code == 403


# ---------------------------------------------------------------- organiser board


def test_board_needs_an_organiser(client, event):
    assert client.get("/e/rakorwas-uji/agenda/manage/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/e/rakorwas-uji/agenda/manage/").status_code == 403


def test_board_shows_each_session_with_its_button_and_links(org_client, event):
    make_session(event, "Pembukaan Rakorwas 2022 oleh Menteri Agama")

    page = org_client.get("/e/rakorwas-uji/agenda/manage/").content.decode()

    assert "Pembukaan Rakorwas 2022 oleh Menteri Agama" in page
    assert "Mulai siaran (Live)" in page
    assert MEETING_URL in page  # organisers only
    assert "09:00–10:00" in page


def test_board_button_sets_live_then_end(org_client, event):
    session = make_session(event)
    url = f"/e/rakorwas-uji/agenda/manage/{session.pk}/status/"

    response = org_client.post(url, {"status": "live"}, follow=True)

    session.refresh_from_db()
    assert session.status == "live"
    assert [str(m) for m in response.context["messages"]] == ["“Pembukaan” sekarang berstatus: Sedang berlangsung."]
    assert "Akhiri" in response.content.decode()
    org_client.post(url, {"status": "ended"})
    session.refresh_from_db()
    assert session.status == "ended"


def test_board_refused_transition_is_explained(org_client, event):
    session = make_session(event, status=Session.Status.ENDED)

    response = org_client.post(f"/e/rakorwas-uji/agenda/manage/{session.pk}/status/", {"status": "scheduled"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Sesi berstatus Selesai tidak dapat diubah menjadi Terjadwal."]


def test_board_post_for_another_events_session_is_404(org_client, event):
    other = make_session(EventFactory())
    assert org_client.post(f"/e/rakorwas-uji/agenda/manage/{other.pk}/status/", {"status": "live"}).status_code == 404


# ---------------------------------------------------------------- agenda_context and the fragment


def test_context_days_current_tab_and_now_marker(event):
    opening = make_session(event, "Pembukaan", day_index=0, start="15:30", minutes=90)
    keynote = make_session(event, "Laporan Irjen", day_index=0, start="17:30", minutes=60)
    make_session(event, "PKPT 2023", day_index=2, start="08:00")

    agenda = agenda_context(event, now=at(event, 0, "16:00"))["agenda"]

    assert [(d["date"], d["is_current"], [i["title"] for i in d["sessions"]]) for d in agenda["days"]] == [
        (dt.date(2022, 11, 21), True, ["Pembukaan", "Laporan Irjen"]),
        (dt.date(2022, 11, 22), False, []),
        (dt.date(2022, 11, 23), False, ["PKPT 2023"]),
    ]
    first, second = agenda["days"][0]["sessions"]
    assert (first["is_now"], first["now_before"], second["is_now"], second["now_before"]) == (True, False, False, False)
    assert first["start"].strftime("%H:%M %Z") == "15:30 WIB"
    assert agenda["ical_url"] == "/e/rakorwas-uji/agenda.ics"
    # Between sessions the marker sits above the next one.
    agenda = agenda_context(event, now=at(event, 0, "17:10"))["agenda"]
    assert [i["now_before"] for i in agenda["days"][0]["sessions"]] == [False, True]
    assert opening.pk and keynote.pk


def test_context_before_the_event_opens_the_first_day(event):
    make_session(event)
    agenda = agenda_context(event, now=at(event, 0, "09:00") - dt.timedelta(days=30))["agenda"]
    assert [d["is_current"] for d in agenda["days"]] == [True, False, False]
    assert agenda["days"][0]["sessions"][0]["now_before"] is False


def test_context_for_a_registration_agrees_with_may_join_online(event, django_assert_num_queries):
    kanwil = UnitFactory()
    district = UnitFactory(parent=kanwil)
    other = UnitFactory()
    online = RegistrationFactory(event=event, participant__unit=district, modes=[ONLINE, ONLINE, IN_PERSON])
    plenary = make_session(event, "Pleno", day_index=0)
    breakout = make_session(event, "Kelompok", day_index=0, start="11:00", join_scope=Session.JoinScope.UNITS)
    breakout.allowed_units.set([kanwil])
    closed = make_session(event, "Kelompok lain", day_index=0, start="13:00", join_scope=Session.JoinScope.UNITS)
    closed.allowed_units.set([other])
    stream = make_session(event, "Siaran", day_index=0, start="14:00", meeting_url="", meeting_passcode="",
                          stream_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", mode=Session.Mode.ONLINE)
    in_room = make_session(event, "Hari ketiga", day_index=2)

    with django_assert_num_queries(3):  # sessions, their units, the registration's days
        agenda = portal_agenda_context(event, registration=online, now=at(event, 0, "08:50"))["agenda"]

    items = {i["title"]: i for d in agenda["days"] for i in d["sessions"]}
    for s in (plenary, breakout, closed, stream, in_room):
        assert items[s.title]["may_join"] == may_join_online(online, s), s.title
    assert [t for t, i in items.items() if i["may_join"]] == ["Pleno", "Kelompok", "Siaran"]
    assert items["Pleno"]["join_url"] == f"/t/{online.portal_secret}/join/{plenary.pk}/"
    assert items["Pleno"]["join_open"] is True  # 10 minutes before, window of 15
    assert items["Kelompok"]["join_open"] is False
    assert items["Siaran"]["stream_embed_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert items["Pleno"]["stream_embed_url"] == ""
    assert agenda["ical_url"] == f"/t/{online.portal_secret}/agenda.ics"


def test_fragment_renders_join_button_and_never_the_meeting_url(event):
    registration = RegistrationFactory(event=event, modes=[ONLINE, ONLINE, ONLINE])
    session = make_session(event, "Pembukaan Rakorwas 2022 oleh Menteri Agama")
    make_session(event, "Siaran", start="11:00", meeting_url="", stream_url="https://youtu.be/dQw4w9WgXcQ")

    html = render_to_string("agenda/agenda.html", portal_agenda_context(event, registration=registration,
                                                                       now=at(event, 0, "08:50")))

    assert f'href="/t/{registration.portal_secret}/join/{session.pk}/"' in html
    assert "Pembukaan Rakorwas 2022 oleh Menteri Agama" in html
    assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in html
    assert MEETING_URL not in html and PASSCODE not in html and "zoom.us" not in html
    assert 'data-ws="/ws/events/rakorwas-uji/sessions/"' in html


def test_public_fragment_has_no_join_links(event):
    make_session(event, stream_url="https://youtu.be/dQw4w9WgXcQ")

    html = render_to_string("agenda/agenda.html", agenda_context(event, now=at(event, 0, "09:10")))

    assert "/join/" not in html and "youtu" not in html and MEETING_URL not in html
    assert "Sekarang" in html
