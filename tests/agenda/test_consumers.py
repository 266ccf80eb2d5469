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

from agenda.models import Session
from agenda.services import session_set_status
from rakor.asgi import application
from tests.factories import RegistrationFactory, organiser

pytestmark = pytest.mark.django_db(transaction=True)

MEETING_URL = "https://zoom.example/j/81234567890?pwd=rahasia"


def release_loop_connections():
    """Give back the pool connections the test's loop threads kept (PostgreSQL's psycopg pool).

    The loop's default executor threads (``thread_sensitive=False`` database calls) die with the
    loop; a connection one of them still held would stay checked out of this process's pool, and
    a few such tests leave every later test of the worker waiting for a connection (PoolTimeout).
    The main thread's connection goes back first; the pool is then closed and made anew.
    """
    from django.db import connections

    conn = connections["default"]
    if conn.vendor == "postgresql" and conn.settings_dict.get("OPTIONS", {}).get("pool"):
        conn.close()
        conn.close_pool()


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
        try:
            with ThreadPoolExecutor(1) as pool:
                pool.submit(asyncio.run, body()).result(timeout=60)
        finally:
            release_loop_connections()

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


async def socket(slug: str, secret: str | None = None, user=None, client: str = "127.0.0.1",
                 extra_headers=()) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), *extra_headers]
    if user is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}".encode()))
    query = f"?t={secret}" if secret else ""
    comm = WebsocketCommunicator(application, f"/ws/events/{slug}/sessions/{query}", headers=headers)
    comm.scope["client"] = [client, 50123]  # as the ASGI server gives it
    return comm


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


async def close_codes(slug: str, secrets: list, **kwargs) -> list:
    codes = []
    for secret in secrets:
        comm = await socket(slug, secret=secret, **kwargs)
        try:
            codes.append(await closed_with(comm))
        finally:
            await comm.disconnect()
    return codes


@in_own_loop
async def test_wrong_socket_secrets_count_as_guesses_and_are_blocked():
    """The socket's ?t= was an unlimited oracle; it now counts misses with the portal's pages."""
    from django.test import override_settings

    reg, _ = await setup_online()
    with override_settings(PORTAL_GUESS_LIMIT=3):
        wrong = [f"{i:x}" * 32 for i in range(5)]
        assert await close_codes(reg.event.slug, wrong) == [4403, 4403, 4403, 4429, 4429]
        # The socket and the pages share the counter: the next unknown portal link is refused as well.
        response = await sync_to_async(Client().get)(f"/t/{'q' * 32}/")
        assert response.status_code == 429
        # Another address is not affected.
        assert await close_codes(reg.event.slug, ["f" * 32], client="192.0.2.44") == [4403]


@in_own_loop
async def test_a_correct_socket_secret_is_accepted_while_its_address_is_blocked():
    from attendance.ratelimit import portal_guess_record_miss

    reg, _ = await setup_online()
    for _ in range(settings.PORTAL_GUESS_LIMIT + 1):
        await sync_to_async(portal_guess_record_miss)("127.0.0.1")
    assert await close_codes(reg.event.slug, ["a" * 32]) == [4429]
    comm = await socket(reg.event.slug, secret=reg.portal_secret)
    try:
        connected, _ = await comm.connect()
        assert connected is True
        assert (await comm.receive_json_from(timeout=2))["type"] == "snapshot"
    finally:
        await comm.disconnect()


@in_own_loop
async def test_socket_guesses_key_on_the_client_behind_trusted_proxies_only():
    from django.test import override_settings

    reg, _ = await setup_online()
    with override_settings(PORTAL_GUESS_LIMIT=2, TRUSTED_PROXIES=["10.0.0.1"]):
        # From an untrusted peer the header is ignored: every guess counts against the peer.
        codes = []
        for i in range(3):
            spoofed = [(b"x-forwarded-for", f"198.51.100.{i}".encode())]
            codes += await close_codes(reg.event.slug, [f"{i:x}" * 32], client="203.0.113.5", extra_headers=spoofed)
        assert codes == [4403, 4403, 4429]
        # Through the trusted proxy, each client has its own count.
        via_proxy = [(b"x-forwarded-for", b"203.0.113.9")]
        assert await close_codes(reg.event.slug, ["e" * 32], client="10.0.0.1", extra_headers=via_proxy) == [4403]
