"""POST /t/<secret>/heartbeat/<session>/: minutes attended online from the portal (issue 4, item 6)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance.online import services
from agenda.models import Session
from attendance.models import OnlineAttendance
from tests.attendance.test_join import join_url, make_event, make_session, online_registration

pytestmark = pytest.mark.django_db


def beat_url(reg, session):
    return f"/t/{reg.portal_secret}/heartbeat/{session.pk}/"


@pytest.fixture
def joined(client):
    event = make_event()
    session = make_session(event, starts_in=-10, status=Session.Status.LIVE)
    reg = online_registration(event)
    assert client.get(join_url(reg, session)).status_code == 302
    return reg, session


def test_heartbeat_counts_whole_minutes_capped_at_two_per_beat(joined):
    reg, session = joined
    t0 = OnlineAttendance.objects.get().first_joined_at
    beat = lambda minutes, seconds=0: services.online_attendance_heartbeat(  # noqa: E731
        registration=reg, session=session, now=t0 + dt.timedelta(minutes=minutes, seconds=seconds))
    assert beat(0, 30) == 0          # within the first minute: nothing yet
    assert beat(1, 5) == 1
    assert beat(1, 50) == 1          # same minute again: idempotent
    assert beat(2, 10) == 2          # the 5 s left over from the last beat are carried
    assert beat(62) == 4             # a laptop that slept an hour earns 2 minutes, not 60
    assert beat(63) == 5
    oa = OnlineAttendance.objects.get()
    assert (oa.heartbeat_minutes, oa.minutes) == (5, 5)


def test_heartbeat_over_http_answers_the_minutes(client, joined):
    reg, session = joined
    response = client.post(beat_url(reg, session), data="{}", content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"minutes": 0}
    assert response["Cache-Control"] == "private, no-store"
    OnlineAttendance.objects.update(first_joined_at=timezone.now() - dt.timedelta(minutes=1, seconds=2))
    assert client.post(beat_url(reg, session)).json() == {"minutes": 1}
    assert client.post(beat_url(reg, session)).json() == {"minutes": 1}


def test_heartbeat_needs_csrf_token_no_more_than_the_secret(joined):
    from django.test import Client

    reg, session = joined
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(beat_url(reg, session), data="{}", content_type="application/json").status_code == 200


def test_heartbeat_is_refused_without_a_join(client):
    event = make_event()
    session = make_session(event, starts_in=-10, status=Session.Status.LIVE)
    reg = online_registration(event)
    response = client.post(beat_url(reg, session))
    assert response.status_code == 403
    assert response.json() == {"error": "Anda belum bergabung ke sesi ini.", "code": "not_joined"}
    assert OnlineAttendance.objects.count() == 0


def test_heartbeat_is_refused_once_the_session_ended(client, joined):
    reg, session = joined
    from agenda.services import session_set_status

    session_set_status(session=session, status=Session.Status.ENDED)
    response = client.post(beat_url(reg, session))
    assert response.status_code == 409
    assert response.json()["code"] == "not_running"
    with pytest.raises(ValidationError):
        services.online_attendance_heartbeat(registration=reg, session=Session.objects.get(pk=session.pk))


def test_heartbeat_get_and_unknown_secret(client, joined):
    reg, session = joined
    assert client.get(beat_url(reg, session)).status_code == 405
    assert client.post(f"/t/{'y' * 32}/heartbeat/{session.pk}/").status_code == 404


def test_heartbeat_is_counted_while_its_address_is_blocked(client, joined, settings):
    """A guesser sharing the participant's address (a venue's NAT) does not stop their minutes being counted."""
    from attendance.ratelimit import portal_guess_record_miss

    reg, session = joined
    for _ in range(settings.PORTAL_GUESS_LIMIT + 1):
        portal_guess_record_miss("127.0.0.1")
    assert client.post(f"/t/{'y' * 32}/heartbeat/{session.pk}/").status_code == 429
    response = client.post(beat_url(reg, session))
    assert (response.status_code, response.json()) == (200, {"minutes": 0})
