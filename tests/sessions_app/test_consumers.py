"""The portal's live-status socket, through the real ASGI router (origin check included)."""

import asyncio
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from rakor.asgi import application
from sessions_app.models import Session
from sessions_app.services import session_set_status
from tests.factories import RegistrationFactory, organiser

pytestmark = pytest.mark.django_db(transaction=True)

MEETING_URL = "https://zoom.example/j/81234567890?pwd=rahasia"


def in_own_loop(test):
    """Run an async test body on a loop of its own, in a thread of its own.

    pytest-asyncio cannot start a loop once Playwright's sync API (the session-wide
    browser of tests/e2e) runs one in the main thread; a thread of our own always can.
    The DB connection the sync-to-async worker kept is closed at the end, so the
    test database can be dropped.
    """

    async def body():
        try:
            await test()
        finally:
            from django.db import connections

            await sync_to_async(connections.close_all)()

    def run():
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, body()).result(timeout=60)

    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


def make_session(event, title="Pembukaan oleh Menteri Agama"):
    start = dt.datetime.combine(event.days[0], dt.time(9, 0), tzinfo=event.tz)
    return Session.objects.create(event=event, title=title, day=event.days[0], start=start,
                                  end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                  meeting_url=MEETING_URL, meeting_passcode="778899")


@database_sync_to_async
def setup_online():
    reg = RegistrationFactory(modes=["online"] * 3)
    return reg, make_session(reg.event)


@sync_to_async
def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def socket(slug: str, secret: str | None = None, user=None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}".encode()))
    query = f"?t={secret}" if secret else ""
    return WebsocketCommunicator(application, f"/ws/events/{slug}/sessions/{query}", headers=headers)


async def closed_with(comm) -> int:
    """Connect, and return the close code the consumer sends right after accepting."""
    connected, _ = await comm.connect()
    assert connected is True
    message = await comm.receive_output(timeout=2)
    assert message["type"] == "websocket.close"
    return message["code"]


async def assert_no_url(message: dict):
    text = json.dumps(message)
    assert "zoom.example" not in text
    assert "778899" not in text


@in_own_loop
async def test_socket_without_secret_is_closed_4403_and_gets_nothing():
    reg, session = await setup_online()
    comm = await socket(reg.event.slug)
    try:
        assert await closed_with(comm) == 4403
        await database_sync_to_async(session_set_status)(session=session, status="live")
        assert await comm.receive_nothing(timeout=0.3) is True
    finally:
        await comm.disconnect()


@in_own_loop
async def test_wrong_secret_and_unknown_event_are_told_apart():
    reg, _ = await setup_online()
    comm = await socket(reg.event.slug, secret="x" * 43)
    other = await socket("tidak-ada", secret=reg.portal_secret)
    try:
        assert await closed_with(comm) == 4403
        assert await closed_with(other) == 4404
    finally:
        await comm.disconnect()
        await other.disconnect()


@in_own_loop
async def test_secret_of_another_event_is_refused():
    reg, _ = await setup_online()
    stranger = await database_sync_to_async(RegistrationFactory)(modes=["online"] * 3)
    comm = await socket(reg.event.slug, secret=stranger.portal_secret)
    try:
        assert await closed_with(comm) == 4403
    finally:
        await comm.disconnect()


@in_own_loop
async def test_revoked_or_pending_registration_is_refused():
    reg, _ = await setup_online()

    @database_sync_to_async
    def others():
        from django.utils import timezone

        pending = RegistrationFactory(event=reg.event, status="pending", modes=["online"] * 3)
        revoked = RegistrationFactory(event=reg.event, modes=["online"] * 3, ticket_revoked_at=timezone.now())
        return pending, revoked

    pending, revoked = await others()
    for r in (pending, revoked):
        comm = await socket(reg.event.slug, secret=r.portal_secret)
        try:
            assert await closed_with(comm) == 4403
        finally:
            await comm.disconnect()


@in_own_loop
async def test_participant_gets_snapshot_then_live_then_ended_without_meeting_url():
    reg, session = await setup_online()
    comm = await socket(reg.event.slug, secret=reg.portal_secret)
    try:
        connected, _ = await comm.connect()
        assert connected is True
        snapshot = await comm.receive_json_from(timeout=2)
        assert snapshot["type"] == "snapshot"
        assert [(s["id"], s["title"], s["status"]) for s in snapshot["sessions"]] == [
            (session.pk, "Pembukaan oleh Menteri Agama", "scheduled")]
        await assert_no_url(snapshot)

        await database_sync_to_async(session_set_status)(session=session, status="live")
        live = await comm.receive_json_from(timeout=2)
        assert (live["type"], live["id"], live["status"]) == ("session", session.pk, "live")
        await assert_no_url(live)

        await database_sync_to_async(session_set_status)(session=session, status="ended")
        ended = await comm.receive_json_from(timeout=2)
        assert (ended["type"], ended["id"], ended["status"]) == ("session", session.pk, "ended")
        await assert_no_url(ended)
    finally:
        await comm.disconnect()


@in_own_loop
async def test_socket_of_another_event_hears_nothing():
    reg, session = await setup_online()
    other_reg, _ = await setup_online()
    comm = await socket(other_reg.event.slug, secret=other_reg.portal_secret)
    try:
        connected, _ = await comm.connect()
        assert connected is True
        assert (await comm.receive_json_from(timeout=2))["type"] == "snapshot"
        await database_sync_to_async(session_set_status)(session=session, status="live")
        assert await comm.receive_nothing(timeout=0.3) is True
    finally:
        await comm.disconnect()


@in_own_loop
async def test_organiser_may_listen_without_a_secret():
    reg, session = await setup_online()
    user = await database_sync_to_async(organiser)()
    comm = await socket(reg.event.slug, user=user)
    try:
        connected, _ = await comm.connect()
        assert connected is True
        snapshot = await comm.receive_json_from(timeout=2)
        assert [s["id"] for s in snapshot["sessions"]] == [session.pk]
    finally:
        await comm.disconnect()
