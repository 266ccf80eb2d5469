"""The sessions hub re-joins its channel-layer group after a Redis error or restart (issue 14, item 4).

A Redis that restarts (or fails over) comes back without the group's members; the hub's
receive may fail once, or not at all when redis-py reconnects by itself. Either way the next
"go live" must reach the sockets that were open before, within seconds.
"""

import asyncio
import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer
from django.test import override_settings

from agenda import consumers
from agenda.services import session_set_status
from tests.agenda.test_consumers import in_own_loop, setup_online, socket

pytestmark = pytest.mark.django_db(transaction=True)


class RestartableLayer(InMemoryChannelLayer):
    """The in-memory layer with a "Redis restart": every group forgotten and, with an error, every receive
    waiting at that moment fails, as channels-redis's blocking reads do when their connection drops."""

    def restart(self, *, with_error: bool) -> None:
        self.groups.clear()
        if with_error:
            for waiter in list(getattr(self, "waiters", ())):
                if not waiter.done():
                    waiter.set_exception(ConnectionError("Connection closed by server."))

    async def receive(self, channel):
        waiters = self.__dict__.setdefault("waiters", set())
        failed = asyncio.get_running_loop().create_future()
        waiters.add(failed)
        message = asyncio.ensure_future(super().receive(channel))
        try:
            await asyncio.wait([message, failed], return_when=asyncio.FIRST_COMPLETED)
            if failed.done():
                message.cancel()
                failed.result()  # raises the connection error
            return message.result()
        finally:
            waiters.discard(failed)
            if not message.done():
                message.cancel()
            if not failed.done():
                failed.cancel()


LAYER = {"default": {"BACKEND": "tests.agenda.test_hub_rejoin.RestartableLayer"}}


async def live_heard_after_restart(monkeypatch, restart) -> dict:
    monkeypatch.setattr(consumers, "HUB_REJOIN_SECONDS", 0.2)
    monkeypatch.setattr(consumers, "HUB_RETRY_SECONDS", 0.1)
    reg, session = await setup_online()
    comm = await socket(reg.event.slug, secret=reg.portal_secret)
    try:
        connected, _ = await comm.connect()
        assert connected is True
        assert (await comm.receive_json_from(timeout=2))["type"] == "snapshot"
        await restart()
        await asyncio.sleep(0.6)  # a few re-join periods ("within seconds"; here shortened)
        await database_sync_to_async(session_set_status)(session=session, status="live")
        live = await comm.receive_json_from(timeout=3)
        return {"type": live["type"], "id": live["id"] == session.pk, "status": live["status"]}
    finally:
        await comm.disconnect()


@pytest.mark.parametrize("with_error", [True, False], ids=["receive-fails", "silent-reconnect"])
def test_hub_rejoins_after_the_layer_forgot_its_group(monkeypatch, with_error):
    with override_settings(CHANNEL_LAYERS=LAYER):
        from channels.layers import get_channel_layer

        @in_own_loop
        async def body():
            async def restart():
                get_channel_layer().restart(with_error=with_error)

            heard = await live_heard_after_restart(monkeypatch, restart)
            assert heard == {"type": "session", "id": True, "status": "live"}

        body()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's PostgreSQL + Redis run)")
def test_hub_rejoins_after_redis_came_back_empty(monkeypatch):
    """Real Redis: its database emptied and every connection to it dropped (a restart without persistence).

    Only this test worker's own Redis database is touched: the connections killed are those on it.
    """
    import redis

    @in_own_loop
    async def body():
        async def restart():
            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            db = client.connection_pool.connection_kwargs.get("db", 0)
            client.flushdb()
            for other in client.client_list():
                if int(other.get("db", -1)) == db and other.get("cmd") != "client|list":
                    client.client_kill_filter(_id=other["id"])
            client.close()

        heard = await live_heard_after_restart(monkeypatch, restart)
        assert heard == {"type": "session", "id": True, "status": "live"}

    body()
