"""The dashboard page and socket: what an organiser sees, and that nobody else gets a byte of it."""

import uuid
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from rakor.asgi import application
from tests.attendance.factories_dashboard import DAY1, DAY2, at, attendance_world, checkin
from tests.factories import UserFactory, coordinator, organiser, scanner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@sync_to_async
def cookie_for(user=None, portal=None) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    if portal is not None:
        client.get(portal)  # whatever a participant's portal visit leaves in their browser
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())


async def open_socket(slug, user=None, portal=None):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    cookies = await cookie_for(user, portal)
    if cookies:
        headers.append((b"cookie", cookies.encode()))
    return WebsocketCommunicator(application, f"/ws/events/{slug}/dashboard/", headers=headers)


async def test_organiser_snapshot_has_online_and_arrivals_and_refreshes_on_request():
    world = await database_sync_to_async(attendance_world)()
    ws = await open_socket(world.event.slug, await database_sync_to_async(organiser)())
    try:
        with mock.patch("django.utils.timezone.now", return_value=at(world.event, DAY1, 9, 4)):
            assert (await ws.connect())[0]
            snap = await ws.receive_json_from(timeout=5)
            assert snap["totals"] == {"expected_in_person_today": 3, "present_today": 2}
            assert snap["online"] == {"now": 1, "joined_today": 1}
            assert snap["arrivals"][:2] == [{"t": "07:30", "n": 1, "total": 1}, {"t": "07:45", "n": 1, "total": 2}]
            await database_sync_to_async(checkin)(world.jabar_b, at(world.event, DAY1, 9, 2))
            await ws.send_json_to({"type": "snapshot"})
            again = await ws.receive_json_from(timeout=5)
        assert again["totals"] == {"expected_in_person_today": 3, "present_today": 3}
        assert again["arrivals"][-1] == {"t": "09:00", "n": 1, "total": 3}
    finally:
        await ws.disconnect()


@pytest.mark.parametrize("who", ["anonymous", "participant", "coordinator", "scanner", "no_role"])
async def test_everyone_but_organisers_is_refused_and_gets_nothing(who):
    world = await database_sync_to_async(attendance_world)()
    user, portal = None, None
    if who == "participant":
        portal = world.jabar_a.portal_path
    elif who == "coordinator":
        user = await database_sync_to_async(coordinator)(world.jabar)
    elif who == "scanner":
        user = await database_sync_to_async(scanner)(world.jabar)
    elif who == "no_role":
        user = await database_sync_to_async(UserFactory)()
    ws = await open_socket(world.event.slug, user, portal)
    try:
        await ws.connect()
        closed = await ws.receive_output(timeout=5)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4403)
        # Asking for a snapshot after being refused yields nothing either.
        await ws.send_json_to({"type": "snapshot"})
        assert await ws.receive_nothing(timeout=0.3)
    finally:
        await ws.disconnect()


# ---------------------------------------------------------------- the page


def test_page_shows_totals_online_chart_and_days(client):
    world = attendance_world()
    client.force_login(organiser())
    with mock.patch("django.utils.timezone.now", return_value=at(world.event, DAY1, 9, 4)):
        html = client.get(f"/e/{world.event.slug}/dashboard/").content.decode()
    assert '<span class="n" id="present">2</span>' in html
    assert '<strong id="expected">3</strong>' in html
    assert '<span class="n" id="online-now">1</span>' in html
    assert '<span class="n" id="online-today">1</span>' in html
    assert 'data-fixed-day="0"' in html
    assert 'class="chart line-chart"' in html and 'aria-label="Peserta hadir di tempat"' in html
    assert '<script src="/static/rakor/dashboard.js" defer></script>' in html
    assert "Hari: Senin, 21 November 2022" in html
    assert f'href="/e/{world.event.slug}/rekap/"' in html


def test_page_for_a_fixed_day_polls_that_day(client):
    world = attendance_world()
    client.force_login(organiser())
    with mock.patch("django.utils.timezone.now", return_value=at(world.event, DAY2 + (DAY2 - DAY1) * 5, 9)):
        html = client.get(f"/e/{world.event.slug}/dashboard/?day={DAY2.isoformat()}").content.decode()
        data = client.get(f"/e/{world.event.slug}/dashboard/data/?day={DAY2.isoformat()}").json()
    assert 'data-fixed-day="1"' in html
    assert f'data-poll="/e/{world.event.slug}/dashboard/data/?day=2022-11-22"' in html
    assert '<span class="n" id="present">1</span>' in html
    assert (data["day"], data["totals"]) == ("2022-11-22", {"expected_in_person_today": 3, "present_today": 1})
    assert client.get(f"/e/{world.event.slug}/dashboard/?day=2022-12-01").status_code == 404
