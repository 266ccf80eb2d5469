"""Presence on the minutes page over Channels: who else has it open, and who saved."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from minutes import services
from rakor.asgi import application
from tests.agenda.test_consumers import in_own_loop, session_cookie
from tests.factories import EventFactory, UnitFactory, coordinator, organiser
from tests.minutes.factories_minutes import content, make_session, notulis, open_minutes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_channel_layer():
    """A layer of its own for these sockets. A test's event loop ends with the test, and a Redis
    layer another socket test used (its receive lock) stays bound to that loop: seen once on
    PostgreSQL + Redis as "Lock ... is bound to a different event loop". A server process has one
    loop for its life, so this is the tests' matter only."""
    from channels.layers import channel_layers

    channel_layers.backends.pop("default", None)
    yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@database_sync_to_async
def setup():
    event = EventFactory()
    org = organiser(first_name="Panitia", last_name="Satu")
    a = notulis(first_name="Siti", last_name="Aminah")
    b = notulis(first_name="Budi", last_name="Santoso")
    minutes = open_minutes(make_session(event), [a, b], by=org)
    return minutes, org, a, b


async def socket(minutes_id, user):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    from django.conf import settings

    headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={await session_cookie(user)}".encode()))
    return WebsocketCommunicator(application, f"/ws/minutes/{minutes_id}/presence/", headers=headers)


@in_own_loop
async def test_editors_see_each_other_come_and_go_and_hear_of_saves():
    minutes, org, a, b = await setup()
    sa = await socket(minutes.pk, a)
    assert (await sa.connect())[0] is True
    welcome = await sa.receive_json_from(timeout=2)
    assert (welcome["type"], welcome["me"]["name"]) == ("welcome", "Siti Aminah")
    sb = await socket(minutes.pk, b)
    await sb.connect()
    assert (await sb.receive_json_from(timeout=2))["type"] == "welcome"
    here_a = await sa.receive_json_from(timeout=2)  # Siti hears Budi arrive
    here_b = await sb.receive_json_from(timeout=2)  # Budi hears that Siti is already here
    assert (here_a["type"], here_a["who"]["name"]) == ("here", "Budi Santoso")
    assert (here_b["type"], here_b["who"]["name"]) == ("here", "Siti Aminah")
    await sb.send_json_to({"type": "editing"})
    editing = await sa.receive_json_from(timeout=2)
    assert (editing["type"], editing["who"]["name"]) == ("editing", "Budi Santoso")

    @database_sync_to_async
    def save():
        return services.save_draft(minutes=minutes, by=a, content=content(), base_revision=minutes.revision_number)

    revision = await save()
    for comm in (sa, sb):
        saved = await comm.receive_json_from(timeout=2)
        assert (saved["type"], saved["revision"], saved["by"]) == ("saved", revision.number, "Siti Aminah")
    await sb.disconnect()
    gone = await sa.receive_json_from(timeout=2)
    assert (gone["type"], gone["who"]["name"]) == ("gone", "Budi Santoso")
    await sa.disconnect()


@in_own_loop
async def test_people_not_assigned_are_closed_4403():
    minutes, org, a, b = await setup()
    outsider = await database_sync_to_async(notulis)(first_name="Orang", last_name="Lain")
    coord = await database_sync_to_async(lambda: coordinator(UnitFactory()))()
    for user in (outsider, coord):
        comm = await socket(minutes.pk, user)
        assert (await comm.connect())[0] is True
        message = await comm.receive_output(timeout=2)
        assert (message["type"], message["code"]) == ("websocket.close", 4403)
        await comm.disconnect()
    comm = await socket(minutes.pk, org)
    await comm.connect()
    assert (await comm.receive_json_from(timeout=2))["me"]["role"] == "organiser"
    await comm.disconnect()
