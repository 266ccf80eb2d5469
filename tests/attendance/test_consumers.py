"""The organisers' dashboard socket, through the real ASGI router (origin check and session auth included)."""

import datetime as dt
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from unittest import mock

from attendance.checkin import checkin_perform
from rakor.asgi import application
from tests.factories import RegistrationFactory, UnitFactory, coordinator, organiser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_thread_connections():
    """Close the DB connection the sync-to-async worker thread kept, so the test database can be dropped."""
    yield
    from django.db import connections

    await sync_to_async(connections.close_all)()


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def socket(event_slug: str, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}".encode()))
    return WebsocketCommunicator(application, f"/ws/events/{event_slug}/dashboard/", headers=headers)


def in_window(event, hour=8, minute=0):
    return dt.datetime.combine(event.days[0], dt.time(hour, minute), tzinfo=event.tz)


@database_sync_to_async
def scan(reg, minute=0):
    return checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(),
                           scanned_at=in_window(reg.event, 8, minute)).result


@database_sync_to_async
def setup_event():
    unit = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", province="Aceh")
    present = RegistrationFactory(participant__unit=unit, participant__full_name="Dr. Hadir Pertama")
    event = present.event
    absent = RegistrationFactory(event=event, participant__unit=unit)
    online = RegistrationFactory(event=event, participant__unit=unit, modes=["online"] * 3)
    other_unit = UnitFactory(name="Kanwil Kemenag Provinsi Bali", province="Bali")
    later = RegistrationFactory(event=event, participant__unit=other_unit, participant__full_name="Ni Made Datang")
    checkin_perform(event=event, ticket=present.ticket, nonce=uuid.uuid4(), scanned_at=in_window(event, 7, 30))
    return event, present, absent, online, later


async def test_organiser_gets_snapshot_then_each_checkin():
    event, present, absent, online, later = await setup_event()
    today = event.days[0]
    user = await database_sync_to_async(organiser)()
    ws = await socket(event.slug, user)
    try:
        # The snapshot is for "today in the event's time zone": pin it to the event's first day.
        with mock.patch("django.utils.timezone.now", return_value=in_window(event, 9)):
            connected, _ = await ws.connect()
            assert connected
            snapshot = await ws.receive_json_from(timeout=5)
        assert snapshot["type"] == "snapshot"
        assert snapshot["day"] == today.isoformat()
        assert snapshot["totals"] == {"expected_in_person_today": 3, "present_today": 1}
        assert snapshot["per_unit"] == [
            {"unit": "Kanwil Kemenag Provinsi Aceh", "province": "Aceh", "expected": 2, "present": 1},
            {"unit": "Kanwil Kemenag Provinsi Bali", "province": "Bali", "expected": 1, "present": 0},
        ]
        assert snapshot["per_province"] == [
            {"province": "Aceh", "expected": 2, "present": 1},
            {"province": "Bali", "expected": 1, "present": 0},
        ]
        assert [(c["name"], c["scanned_at"]) for c in snapshot["latest"]] == [
            ("Dr. Hadir Pertama", in_window(event, 7, 30).isoformat())]

        assert await scan(later, minute=15) == "ok"
        pushed = await ws.receive_json_from(timeout=5)
        # With Redis, pushes are batched every quarter second (rakor.broadcast): the setup's own check-in,
        # committed before the socket joined, may still be flushed to it after. It is the snapshot's, not new.
        while pushed["name"] == "Dr. Hadir Pertama":
            pushed = await ws.receive_json_from(timeout=5)
        assert {k: pushed[k] for k in ("type", "kind", "result", "conflict", "day", "name", "unit", "province", "session")} == {
            "type": "checkin", "kind": "entry", "result": "ok", "conflict": False, "day": today.isoformat(),
            "name": "Ni Made Datang", "unit": "Kanwil Kemenag Provinsi Bali", "province": "Bali", "session": None,
        }
        # A refused scan is recorded but not pushed.
        assert await scan(online) == "not_in_person"
        assert await ws.receive_nothing(timeout=0.3)
    finally:
        await ws.disconnect()


async def test_event_b_socket_gets_nothing_from_event_a():
    event_a, present, *_ = await setup_event()
    other = await database_sync_to_async(RegistrationFactory)()
    user = await database_sync_to_async(organiser)()
    ws_b = await socket(other.event.slug, user)
    ws_a = await socket(event_a.slug, user)
    try:
        assert (await ws_b.connect())[0] and (await ws_a.connect())[0]
        assert (await ws_b.receive_json_from(timeout=5))["type"] == "snapshot"
        assert (await ws_a.receive_json_from(timeout=5))["type"] == "snapshot"
        absent = await database_sync_to_async(RegistrationFactory)(event=event_a)
        assert await scan(absent) == "ok"
        assert (await ws_a.receive_json_from(timeout=5))["type"] == "checkin"
        assert await ws_b.receive_nothing(timeout=0.3)
    finally:
        await ws_a.disconnect()
        await ws_b.disconnect()


async def closed_with(ws) -> int:
    connected, _ = await ws.connect()
    message = await ws.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


async def test_anonymous_socket_is_refused_with_4403():
    reg = await database_sync_to_async(RegistrationFactory)()
    ws = await socket(reg.event.slug)
    try:
        assert await closed_with(ws) == 4403
    finally:
        await ws.disconnect()


async def test_coordinator_socket_is_refused_with_4403():
    reg = await database_sync_to_async(RegistrationFactory)()
    user = await database_sync_to_async(coordinator)(reg.participant.unit)
    ws = await socket(reg.event.slug, user)
    try:
        assert await closed_with(ws) == 4403
    finally:
        await ws.disconnect()


async def test_unknown_event_is_4404():
    user = await database_sync_to_async(organiser)()
    ws = await socket("tidak-ada", user)
    try:
        assert await closed_with(ws) == 4404
    finally:
        await ws.disconnect()


async def test_foreign_origin_is_rejected():
    reg = await database_sync_to_async(RegistrationFactory)()
    user = await database_sync_to_async(organiser)()
    ws = await socket(reg.event.slug, user)
    ws.scope["headers"] = [(k, b"https://evil.example" if k == b"origin" else v) for k, v in ws.scope["headers"]]
    try:
        connected, _ = await ws.connect()
        assert connected is False
    finally:
        await ws.disconnect()


# ---------------------------------------------------------------- the page and its polling fallback


def test_dashboard_page_shows_snapshot_and_socket_path(client):
    reg = RegistrationFactory(participant__full_name="Drs. Tamu Pagi")
    checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=in_window(reg.event, 7, 45))
    client.force_login(organiser())
    with mock.patch("django.utils.timezone.now", return_value=in_window(reg.event, 9)):
        html = client.get(f"/e/{reg.event.slug}/dashboard/").content.decode()
    assert f'data-ws="/ws/events/{reg.event.slug}/dashboard/"' in html
    assert f'data-poll="/e/{reg.event.slug}/dashboard/data/"' in html
    assert '<span class="n" id="present">1</span>' in html
    assert "<td>07:45</td><td>Drs. Tamu Pagi</td>" in html
    assert f"/e/{reg.event.slug}/daftar-hadir/{reg.event.days[0].isoformat()}.pdf" in html


def test_dashboard_data_is_the_snapshot(client):
    reg = RegistrationFactory()
    client.force_login(organiser())
    with mock.patch("django.utils.timezone.now", return_value=in_window(reg.event, 9)):
        data = client.get(f"/e/{reg.event.slug}/dashboard/data/").json()
    assert (data["type"], data["day"], data["totals"]) == (
        "snapshot", reg.event.days[0].isoformat(), {"expected_in_person_today": 1, "present_today": 0})


@pytest.mark.parametrize("who", ["anonymous", "coordinator"])
def test_dashboard_is_for_organisers_only(client, who):
    reg = RegistrationFactory()
    if who == "coordinator":
        client.force_login(coordinator(reg.participant.unit))
    for url in (f"/e/{reg.event.slug}/dashboard/", f"/e/{reg.event.slug}/dashboard/data/"):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403)


@pytest.mark.parametrize("n", [1, 3])
def test_snapshot_query_count_does_not_grow_with_rows(django_assert_num_queries, n):
    from attendance.selectors import dashboard_snapshot

    first = RegistrationFactory()
    regs = [first] + [RegistrationFactory(event=first.event) for _ in range(n - 1)]
    for i, reg in enumerate(regs):
        checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=in_window(reg.event, 8, i))
    with django_assert_num_queries(4):
        snapshot = dashboard_snapshot(first.event, first.event.days[0])
    assert snapshot["totals"] == {"expected_in_person_today": n, "present_today": n}
    assert len(snapshot["latest"]) == n
