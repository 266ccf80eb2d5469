"""The polling fallback: /e/<event>/sessions/status.json."""

import datetime as dt
import json

import pytest

from agenda.models import Session
from agenda.services import session_set_status
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def make_session(event, title, hour):
    start = dt.datetime.combine(event.days[0], dt.time(hour, 0), tzinfo=event.tz)
    return Session.objects.create(event=event, title=title, day=event.days[0], start=start,
                                  end=start + dt.timedelta(hours=1), meeting_url="https://zoom.example/j/1",
                                  meeting_passcode="778899")


def test_status_lists_every_session_of_the_event_without_meeting_url(client):
    event = EventFactory()
    first = make_session(event, "Pembukaan", 9)
    second = make_session(event, "Panel Pengawasan", 10)
    make_session(EventFactory(), "Acara lain", 9)
    session_set_status(session=first, status="live")

    response = client.get(f"/e/{event.slug}/sessions/status.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=5"
    data = json.loads(response.content)
    assert [(s["id"], s["title"], s["status"]) for s in data["sessions"]] == [
        (first.pk, "Pembukaan", "live"), (second.pk, "Panel Pengawasan", "scheduled")]
    assert b"zoom.example" not in response.content
    assert b"778899" not in response.content


def test_same_etag_gets_304(client):
    event = EventFactory()
    make_session(event, "Pembukaan", 9)
    etag = client.get(f"/e/{event.slug}/sessions/status.json")["ETag"]

    again = client.get(f"/e/{event.slug}/sessions/status.json", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""


def test_unknown_event_is_404(client):
    assert client.get("/e/tidak-ada/sessions/status.json").status_code == 404
