"""Joining keeps the participant in the portal: Join opens a new tab; a session with a stream links its
stream page, which records the join like the Join button (issue 12, item 7)."""

import re

import pytest

from agenda.models import Session
from tests.attendance.test_join import (
    MEETING_URL, STREAM_URL, join_url, make_event, make_session, ok_online_rows, online_registration,
)

pytestmark = pytest.mark.django_db


def test_join_opens_a_new_tab_and_the_stream_page_is_linked(client):
    event = make_event()
    both = make_session(event, starts_in=-5, stream_url=STREAM_URL, title="Pleno dengan siaran")
    Session.objects.filter(pk=both.pk).update(status=Session.Status.LIVE)
    meeting_only = make_session(event, starts_in=-5, title="Sesi kelas")
    reg = online_registration(event)

    page = client.get(f"/t/{reg.portal_secret}/").content.decode()

    links = re.findall(r'<a class="button[^"]*"[^>]* href="([^"]+)" target="_blank" rel="noopener"[^>]*>([^<]+)</a>',
                       page)
    assert links == [(join_url(reg, both), "Bergabung"), (join_url(reg, both) + "?stream=1", "Tonton siaran"),
                     (join_url(reg, meeting_only), "Bergabung")]


def test_the_stream_link_records_the_join_and_opens_the_stream_page(client):
    event = make_event()
    session = make_session(event, starts_in=-5, stream_url=STREAM_URL)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.LIVE)
    reg = online_registration(event)

    response = client.get(join_url(reg, session) + "?stream=1")

    assert response["Location"] == f"/t/{reg.portal_secret}/watch/{session.pk}/"
    assert ok_online_rows(reg, session) == 1
    assert client.get(response["Location"]).status_code == 200
    assert client.get(join_url(reg, session))["Location"] == MEETING_URL  # Join still goes to the meeting
