"""GET /api/v1/events/<event>/sessions/ and POST .../sessions/<id>/status/."""

import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from rest_framework.authtoken.models import Token

from agenda.models import Session
from tests.factories import EventFactory, UserFactory, organiser

from .agenda_helpers import MEETING_URL, PASSCODE, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji")


def test_anonymous_list_has_the_agenda_and_no_meeting_link(client, event):
    first = make_session(event, "Pembukaan Rakorwas", start="09:00", stream_url="https://www.youtube.com/watch?v=abcdefghijk")
    second = make_session(event, "Pleno PKPT 2023", start="10:30", minutes=90, kind=Session.Kind.PANEL)

    response = client.get("/api/v1/events/rakorwas-uji/sessions/")

    assert response.status_code == 200
    sessions = response.json()["sessions"]
    assert [(s["id"], s["title"], s["day"], s["mode"], s["status"]) for s in sessions] == [
        (first.pk, "Pembukaan Rakorwas", event.days[0].isoformat(), "hybrid", "scheduled"),
        (second.pk, "Pleno PKPT 2023", event.days[0].isoformat(), "hybrid", "scheduled"),
    ]
    assert dt.datetime.fromisoformat(sessions[0]["start"]) == first.start
    assert dt.datetime.fromisoformat(sessions[1]["end"]) == second.end
    assert sessions[0]["has_stream"] is True
    text = response.content.decode()
    for secret in (MEETING_URL, "zoom.us", PASSCODE, "meeting_url", "passcode", "youtube.com/watch"):
        assert secret not in text


def test_a_signed_in_non_organiser_does_not_see_the_link_either(client, event):
    make_session(event)
    client.force_login(UserFactory())

    assert MEETING_URL not in client.get("/api/v1/events/rakorwas-uji/sessions/").content.decode()


def test_organiser_sees_meeting_link_passcode_and_stream(client, event):
    make_session(event, stream_url="https://www.youtube.com/watch?v=abcdefghijk")
    client.force_login(organiser())

    item = client.get("/api/v1/events/rakorwas-uji/sessions/").json()["sessions"][0]

    assert (item["meeting_url"], item["meeting_passcode"], item["stream_url"]) == (
        MEETING_URL, PASSCODE, "https://www.youtube.com/watch?v=abcdefghijk")


def test_unknown_event_is_404(client):
    assert client.get("/api/v1/events/tidak-ada/sessions/").status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_list_query_count_does_not_grow_with_sessions(client, event, django_assert_num_queries, n):
    for i in range(n):
        make_session(event, f"Sesi {i}", start=f"{9 + i:02d}:00")
    with django_assert_num_queries(2):  # the event, the sessions
        response = client.get("/api/v1/events/rakorwas-uji/sessions/")
    assert len(response.json()["sessions"]) == n


def status_url(session):
    return f"/api/v1/events/{session.event.slug}/sessions/{session.pk}/status/"


def test_status_change_needs_credentials(client, event):
    session = make_session(event)

    response = client.post(status_url(session), {"status": "live"}, content_type="application/json")

    assert response.status_code == 401
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_status_change_refused_for_non_organisers(client, event):
    session = make_session(event)
    token = Token.objects.create(user=UserFactory())

    response = client.post(status_url(session), {"status": "live"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 403
    assert response.json() == {"detail": "Hanya panitia yang dapat mengubah status sesi."}
    session.refresh_from_db()
    assert session.status == "scheduled"


def test_bad_status_is_400_with_field_error(client, event):
    session = make_session(event)
    client.force_login(organiser())

    response = client.post(status_url(session), {"status": "siaran"}, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_forbidden_transition_is_400_with_the_reason(client, event):
    session = make_session(event, status=Session.Status.ENDED)
    client.force_login(organiser())

    response = client.post(status_url(session), {"status": "scheduled"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"status": ["Sesi berstatus Selesai tidak dapat diubah menjadi Terjadwal."]}


def test_session_of_another_event_is_404(client, event):
    other = make_session(EventFactory(slug="acara-lain"))
    client.force_login(organiser())

    response = client.post(f"/api/v1/events/rakorwas-uji/sessions/{other.pk}/status/", {"status": "live"},
                           content_type="application/json")

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "scheduled"


def test_set_live_answers_and_reaches_a_group_listener(client, event, settings, django_capture_on_commit_callbacks):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    session = make_session(event, "Pembukaan Rakorwas")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("sessions.rakorwas-uji", channel)
    token = Token.objects.create(user=organiser())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(status_url(session), json.dumps({"status": "live"}), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["session"]["status"] == "live"
    session.refresh_from_db()
    assert session.status == "live"
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "session.status"
    assert (message["session"]["id"], message["session"]["title"], message["session"]["status"]) == (
        session.pk, "Pembukaan Rakorwas", "live")
    assert MEETING_URL not in json.dumps(message)


def test_schema_documents_both_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "/api/v1/events/{slug}/sessions/" in schema
    assert "/api/v1/events/{slug}/sessions/{id}/status/" in schema
