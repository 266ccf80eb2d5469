"""The personal join link /t/<secret>/join/<session>/ (issue 4, item 4) and the stream page (item 7)."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance.models import CheckIn, Registration, RegistrationDay
from attendance.online import selectors
from agenda.models import Session
from attendance.models import OnlineAttendance
from tests.factories import EventFactory, RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db

MEETING_URL = "https://us02web.zoom.us/j/81234567890?pwd=RahasiaRapat2022"
STREAM_URL = "https://www.youtube.com/watch?v=AbCdEfGhIjK"
ONLINE, IN_PERSON = RegistrationDay.Mode.ONLINE, RegistrationDay.Mode.IN_PERSON


def make_event():
    today = timezone.localdate(timezone.now(), timezone.get_fixed_timezone(7 * 60))
    return EventFactory(start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=1))


def make_session(event, *, starts_in=0, minutes=60, **kwargs):
    """A session starting ``starts_in`` minutes from now (negative: already started)."""
    start = timezone.now() + dt.timedelta(minutes=starts_in)
    fields = {"title": "Pleno I: Arah Kebijakan Pengawasan 2023", "mode": Session.Mode.HYBRID,
              "meeting_url": MEETING_URL, "meeting_passcode": "882211", "room": "Ballroom"}
    fields.update(kwargs)
    return Session.objects.create(event=event, day=timezone.localtime(start, event.tz).date(), start=start,
                                  end=start + dt.timedelta(minutes=minutes), **fields)


def online_registration(event, **kwargs):
    return RegistrationFactory(event=event, modes=[ONLINE] * len(event.days), **kwargs)


def join_url(registration, session):
    return f"/t/{registration.portal_secret}/join/{session.pk}/"


def ok_online_rows(registration, session):
    return CheckIn.objects.filter(registration=registration, session=session, result=CheckIn.Result.OK,
                                  method=CheckIn.Method.ONLINE).count()


@pytest.fixture
def event():
    return make_event()


def test_before_the_window_shows_the_start_time_and_records_nothing(client, event):
    session = make_session(event, starts_in=120)
    reg = online_registration(event)
    response = client.get(join_url(reg, session))
    body = response.content.decode()
    assert response.status_code == 200
    start = timezone.localtime(session.start, event.tz).strftime("%H:%M")
    assert f"Sesi dimulai pukul {start} WIB" in body
    assert "Tombol aktif 15 menit sebelumnya." in body
    assert '<meta http-equiv="refresh" content="30">' in body
    assert response["Cache-Control"] == "private, no-store"
    assert CheckIn.objects.count() == 0
    assert OnlineAttendance.objects.count() == 0
    assert MEETING_URL not in body and "RahasiaRapat" not in body and "882211" not in body


def test_inside_the_window_records_one_online_attendance_and_redirects_to_the_meeting(client, event):
    session = make_session(event, starts_in=10)  # opens 15 minutes before the start
    reg = online_registration(event)
    response = client.get(join_url(reg, session))
    assert response.status_code == 302
    assert response["Location"] == MEETING_URL
    assert response["Cache-Control"] == "private, no-store"
    # The meeting platform never learns the participant's portal link from a Referer.
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.content == b""
    assert ok_online_rows(reg, session) == 1
    checkin = CheckIn.objects.get()
    assert (checkin.kind, checkin.day, checkin.session_id) == (CheckIn.Kind.ENTRY, session.day, session.pk)
    oa = OnlineAttendance.objects.get()
    assert (oa.registration_id, oa.session_id) == (reg.pk, session.pk)
    assert oa.first_joined_at == checkin.scanned_at


def test_a_second_join_redirects_again_and_keeps_one_accepted_row(client, event):
    session = make_session(event, starts_in=-5, status=Session.Status.LIVE)
    reg = online_registration(event)
    first = client.get(join_url(reg, session))
    first_joined = OnlineAttendance.objects.get().first_joined_at
    second = client.get(join_url(reg, session))
    assert (first.status_code, second.status_code) == (302, 302)
    assert second["Location"] == MEETING_URL
    assert ok_online_rows(reg, session) == 1
    assert list(CheckIn.objects.order_by("pk").values_list("result", flat=True)) == ["ok", "already_checked_in"]
    assert OnlineAttendance.objects.count() == 1
    assert OnlineAttendance.objects.get().first_joined_at == first_joined


def test_live_session_opens_even_before_its_scheduled_window(client, event):
    session = make_session(event, starts_in=90, status=Session.Status.LIVE)
    reg = online_registration(event)
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL


@pytest.mark.parametrize("kwargs", [{"starts_in": -120}, {"starts_in": -10, "status": Session.Status.ENDED}])
def test_after_the_end(client, event, kwargs):
    session = make_session(event, **kwargs)
    reg = online_registration(event)
    response = client.get(join_url(reg, session))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sesi telah berakhir" in body
    assert "http-equiv=\"refresh\"" not in body
    assert CheckIn.objects.count() == 0
    assert MEETING_URL not in body


def test_unit_not_allowed(client, event):
    allowed, other = UnitFactory(), UnitFactory()
    session = make_session(event, starts_in=-5, join_scope=Session.JoinScope.UNITS)
    session.allowed_units.add(allowed)
    reg = online_registration(event, participant__unit=other)
    response = client.get(join_url(reg, session))
    assert response.status_code == 200
    assert "Unit Anda tidak termasuk peserta daring sesi ini." in response.content.decode()
    assert CheckIn.objects.count() == 0
    member = online_registration(event, participant__unit=allowed)
    assert client.get(join_url(member, session))["Location"] == MEETING_URL


def test_a_unit_under_an_allowed_unit_may_join(client, event):
    kanwil = UnitFactory()
    district = UnitFactory(parent=kanwil, kind="district")
    session = make_session(event, starts_in=-5, join_scope=Session.JoinScope.UNITS)
    session.allowed_units.add(kanwil)
    reg = online_registration(event, participant__unit=district)
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL


def test_registered_in_person_that_day(client, event):
    session = make_session(event, starts_in=-5)
    reg = RegistrationFactory(event=event, modes=[IN_PERSON] * len(event.days))
    response = client.get(join_url(reg, session))
    assert "Anda terdaftar luring hari ini" in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_pending_registration(client, event):
    session = make_session(event, starts_in=-5)
    reg = online_registration(event, status=Registration.Status.PENDING)
    body = client.get(join_url(reg, session)).content.decode()
    assert "Pendaftaran Anda masih menunggu persetujuan panitia." in body
    assert CheckIn.objects.count() == 0


def test_revoked_ticket(client, event):
    session = make_session(event, starts_in=-5)
    reg = online_registration(event, ticket_revoked_at=timezone.now())
    body = client.get(join_url(reg, session)).content.decode()
    assert "Tiket Anda telah dicabut oleh panitia" in body
    assert CheckIn.objects.count() == 0
    assert MEETING_URL not in body


def test_unknown_secret_is_404_and_other_events_session_is_404(client, event):
    session = make_session(event, starts_in=-5)
    assert client.get(f"/t/tidak-ada-{'x' * 20}/join/{session.pk}/").status_code == 404
    other = online_registration(make_event())
    assert client.get(join_url(other, session)).status_code == 404
    assert CheckIn.objects.count() == 0


def test_head_records_nothing(client, event):
    session = make_session(event, starts_in=-5)
    reg = online_registration(event)
    response = client.head(join_url(reg, session))
    assert response.status_code == 204
    assert not response.has_header("Location")
    assert CheckIn.objects.count() == 0 and OnlineAttendance.objects.count() == 0


def test_post_is_refused(client, event):
    session = make_session(event, starts_in=-5)
    reg = online_registration(event)
    assert client.post(join_url(reg, session)).status_code == 405
    assert CheckIn.objects.count() == 0


def test_join_outside_the_door_hours_is_still_recorded(client, event, settings):
    """The door's check-in window does not apply to an online join (attendance.checkin._decide)."""
    settings.CHECKIN_DEFAULT_WINDOW = (dt.time(0, 0), dt.time(0, 1))
    session = make_session(event, starts_in=-5)
    reg = online_registration(event)
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL
    assert ok_online_rows(reg, session) == 1


def test_stream_only_session_leads_to_the_embedded_stream(client, event):
    session = make_session(event, starts_in=-5, meeting_url="", stream_url=STREAM_URL, mode=Session.Mode.ONLINE)
    reg = online_registration(event)
    response = client.get(join_url(reg, session))
    watch = f"/t/{reg.portal_secret}/watch/{session.pk}/"
    assert response.status_code == 302 and response["Location"] == watch
    page = client.get(watch)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="https://www.youtube-nocookie.com/embed/AbCdEfGhIjK"' in body
    assert STREAM_URL not in body
    assert page["Cache-Control"] == "private, no-store"
    assert f"/t/{reg.portal_secret}/heartbeat/{session.pk}/" in body
    assert ok_online_rows(reg, session) == 1


def test_watch_page_without_a_join_goes_through_the_join_link(client, event):
    session = make_session(event, starts_in=-5, meeting_url="", stream_url=STREAM_URL)
    reg = online_registration(event)
    response = client.get(f"/t/{reg.portal_secret}/watch/{session.pk}/")
    assert response["Location"] == join_url(reg, session)
    assert CheckIn.objects.count() == 0


def test_meeting_url_is_absent_from_every_page_a_participant_sees(client, event):
    open_session = make_session(event, starts_in=-5, stream_url=STREAM_URL)
    later = make_session(event, starts_in=180)
    ended = make_session(event, starts_in=-180)
    reg = online_registration(event)
    pages = [join_url(reg, later), join_url(reg, ended), f"/t/{reg.portal_secret}/", f"/e/{event.slug}/"]
    # The stream page of a hybrid session after joining it.
    assert client.get(join_url(reg, open_session))["Location"] == MEETING_URL
    pages.append(f"/t/{reg.portal_secret}/watch/{open_session.pk}/")
    for url in pages:
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code in (200, 302), url
        assert MEETING_URL not in body and "81234567890" not in body and "882211" not in body, url


def test_join_refusal_agrees_with_may_join_online(event):
    unit = UnitFactory()
    sessions = [make_session(event, starts_in=-5), make_session(event, starts_in=-5, mode=Session.Mode.IN_PERSON),
                make_session(event, starts_in=-5, meeting_url=""),
                make_session(event, starts_in=-5, join_scope=Session.JoinScope.UNITS),
                make_session(event, starts_in=-5, mode=Session.Mode.ONLINE)]
    regs = [online_registration(event), RegistrationFactory(event=event),
            online_registration(event, status=Registration.Status.PENDING),
            online_registration(event, participant__unit=unit)]
    sessions[3].allowed_units.add(unit)
    for s in sessions:
        for r in regs:
            assert (selectors.join_refusal(r, s) is None) == selectors.may_join_online(r, s), (s.pk, r.pk)
            annotated = selectors.session_for_join(r, s.pk)
            assert selectors.join_refusal(r, annotated) == selectors.join_refusal(r, s)


def test_join_query_count(client, event, django_assert_max_num_queries):
    session = make_session(event, starts_in=-5)
    reg = online_registration(event)
    with django_assert_max_num_queries(9):
        assert client.get(join_url(reg, session)).status_code == 302
