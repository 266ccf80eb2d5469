"""WebSocket consumers of the agenda (transport only; reads go through selectors)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from rakor.models import Event
from rakor.metrics import websockets_open
from rakor.net import scope_client_ip
from rakor.roles import is_organiser

from .listeners import (  # noqa: F401
    CLOSE_FORBIDDEN,
    CLOSE_TOO_MANY_GUESSES,
    CLOSE_TRY_AGAIN_LATER,
    CLOSE_UNKNOWN_EVENT,
    beats_accepted,
    secret_refusal,
    take_beat,
)
from .models import Session
from .selectors import event_by_slug, session_public_data, sessions_group

log = logging.getLogger("rakor.sessions")

# The hub re-joins its group this often, and at once after a receive error: a Redis that restarted
# (or failed over) comes back without the group's members, and redis-py may reconnect without the hub
# ever seeing an error. One ZADD and one EXPIRE per process and event every few seconds.
HUB_REJOIN_SECONDS = 3.0
HUB_RETRY_SECONDS = 1.0  # after a failed receive or re-join
# A connect's snapshot comes from the hub's copy (rebuilt after every status change the hub hears, and
# at least this often, for edits that push nothing, such as a new title); the event by slug from this
# process's copy (selectors.event_by_slug). Measured before: the snapshot query, the event query and the
# secret's four-table join were most of a connect's 5-7 ms of server CPU, and a node restart's
# reconnect storm pays them once per socket.
SNAPSHOT_SECONDS = 5.0
# Connects this process works on at once (access check and snapshot); more are closed at once with 1013
# and come back after the portal's backoff. Measured (bench/herd.py --phases reconnect): 10,000 sockets
# arriving within 15 s at a node that absorbs a few hundred a second queued on the thread pool for
# longer than a phone waits; every abandoned handshake was still worked on, then its retry: the storm
# fed itself and most sockets never came back. A refused socket comes back at a random moment of the
# portal's first window (live.js; no doubling), so refusals return spread over 15 s, never as a wall.
# 1000, not 500 (lead session 6, 10,000 reconnects at load 13): 2,001 refusals instead of 3,696 and 1.9
# instead of 2.1 ms of server CPU per reconnect, no handshake timing out. A refusal is no bargain: it is
# a whole WebSocket handshake (about what a connect costs here, its look-ups being cached), so the limit
# only bounds the wait inside a connect: 1000 at the ~100 a second a starved process managed is 10 s,
# well under the 30 s a page waits for a handshake.
CONNECTS_IN_FLIGHT_MAX = 1000
_connects_in_flight = 0


def event_sessions_public(event_id: int) -> list[dict]:
    """Every session of an event as anyone may see it (no meeting URL): the snapshot and the polling answer."""
    return [session_public_data(s) for s in Session.objects.filter(event_id=event_id).order_by("start", "title")]


# Not thread-sensitive: a reconnect storm (thousands of phones after a network blip
# or a deploy) runs these lookups on the executor's threads side by side instead
# of one by one on the single shared sync thread. They touch no request state.
def _event_and_access_sync(slug: str, secret: str, user, address: str) -> tuple[Event | None, int | None]:
    """The event and None when this socket may listen; else the close code (4404, 4403, 4429).

    A ``?t=`` secret is checked by the app that owns it (agenda.listeners: attendance's portal
    secret, whose unknown values count as guesses for the client's address, 4429 past the limit).
    """
    event = event_by_slug(slug)
    if event is None:
        return None, CLOSE_UNKNOWN_EVENT
    refusal = CLOSE_FORBIDDEN
    if secret:
        refusal = secret_refusal(event, secret, address)
        if refusal is None:
            return event, None
    # is_organiser may read the user's groups: keep it inside the sync thread.
    if user is not None and is_organiser(user):
        return event, None
    return event, refusal


_event_and_access = database_sync_to_async(_event_and_access_sync, thread_sensitive=False)


class _Hub:
    """The one channel-layer subscriber of an event's sessions group in this process.

    Why not one group member per socket, the Channels way: measured with 5,000
    sockets on 2 workers, a group message woke every consumer's receive() in
    channels-redis, each creating and cancelling tasks around a shared lock:
    about 0.46 ms of CPU per socket (2.3 CPU-seconds per "set live"), the same
    for a bare consumer that only joins a group. Here the group has one member
    per process; it encodes the message once and writes it to its local sockets.

    Surviving Redis: the group's membership lives in Redis, so a restart forgets it. The
    hub re-joins every HUB_REJOIN_SECONDS and at once after a receive error, so the next
    "go live" after Redis is back reaches every socket within seconds; the portal also
    polls when its socket has been silent a while (static/rakor/portal.js).
    """

    def __init__(self, layer, group: str):
        self.layer, self.group = layer, group
        self.members: set[SessionStatusConsumer] = set()
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.joined_at: float | None = None
        self.wake = asyncio.Event()  # set by a failed receive: re-join now
        self.lost = False  # the last re-join failed (logged once per outage)
        # The snapshot shared by this process's connects (see snapshot()).
        self.version = 0  # +1 for every status change heard (and every outage): older snapshots are stale
        self.snapshot_text: str | None = None
        self.snapshot_version = -1
        self.snapshot_until = 0.0
        self.building: asyncio.Future | None = None
        self.building_version = -1

    def forget_snapshot(self) -> None:
        self.version += 1
        self.snapshot_text = None

    async def snapshot(self, event: Event) -> str:
        """The snapshot message for a socket that has just been added: one query per status change, not per socket.

        A snapshot is good for a socket if no status change reached the hub between the start of
        its query and the socket's add (a change after the add is held for the socket and follows
        the snapshot; a change committed before the query is in it). So a socket takes the copy,
        or shares a query in flight, only when it started at the current version; thousands of
        sockets connecting at once share one query.
        """
        version = self.version
        now = time.monotonic()
        if self.snapshot_text is not None and self.snapshot_version == version and now < self.snapshot_until:
            return self.snapshot_text
        if self.building is None or self.building_version != version:
            self.building_version = version
            self.building = asyncio.ensure_future(self._build(event, version))
        return await asyncio.shield(self.building)

    async def _build(self, event: Event, version: int) -> str:
        try:
            sessions = await database_sync_to_async(event_sessions_public, thread_sensitive=False)(event.pk)
            message = {"type": "snapshot", "sessions": sessions, "spread": event.join_spread_seconds}
            if beats_accepted():
                message["beats"] = True  # the page sends its heartbeats over this socket (see receive_json)
            text = json.dumps(message, separators=(",", ":"))
        finally:
            if self.building_version == version:
                self.building = None
        if self.version == version:
            self.snapshot_text, self.snapshot_version = text, version
            self.snapshot_until = time.monotonic() + SNAPSHOT_SECONDS
        return text

    async def add(self, consumer: SessionStatusConsumer) -> None:
        if self.channel is None:
            # The layer's default prefix: channels-redis reads every channel of a process from one key per prefix.
            self.channel = await self.layer.new_channel()
            loop = asyncio.get_running_loop()
            self.tasks = [loop.create_task(self._run()), loop.create_task(self._keep_joined())]
        if self.joined_at is None:
            await self.layer.group_add(self.group, self.channel)
            self.joined_at = time.monotonic()
        self.members.add(consumer)

    async def discard(self, consumer: SessionStatusConsumer) -> None:
        """The last socket gone, stop listening: no receive() stays pending on the layer for nobody."""
        self.members.discard(consumer)
        if self.members or self.channel is None:
            return
        channel, tasks = self.channel, self.tasks
        self.channel, self.tasks, self.joined_at = None, [], None  # a socket arriving meanwhile starts afresh
        self.forget_snapshot()  # nobody listens for changes any more: the copy cannot be trusted later
        for task in tasks:
            task.cancel()
        await self.layer.group_discard(self.group, channel)

    async def rejoin(self) -> bool:
        """Join the group again (idempotent); False, logged once per outage, when the layer is away."""
        channel = self.channel
        if channel is None:
            return True
        try:
            await self.layer.group_add(self.group, channel)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001
            if not self.lost:
                log.warning("sessions hub %s: re-join failed, retrying every %.0f s", self.group, HUB_RETRY_SECONDS,
                            exc_info=True)
            self.lost = True
            return False
        if self.lost:
            log.info("sessions hub %s: re-joined its group", self.group)
        self.lost = False
        self.joined_at = time.monotonic()
        return True

    async def _keep_joined(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), HUB_RETRY_SECONDS if self.lost else HUB_REJOIN_SECONDS)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()
            await self.rejoin()

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away: re-join as soon as it answers; sockets resynchronise from snapshots
                if not self.lost:
                    log.warning("sessions hub %s: receive failed", self.group, exc_info=True)
                self.lost = True
                self.forget_snapshot()  # changes may be missed while Redis is away
                self.wake.set()
                await asyncio.sleep(HUB_RETRY_SECONDS)
                continue
            if message.get("type") != "session.status":
                continue
            self.forget_snapshot()
            text = json.dumps({"type": "session", **message["session"]}, separators=(",", ":"))
            members = list(self.members)
            # One task per socket: a phone on a slow link must not hold up everyone after it.
            await asyncio.gather(*(m.push(text) for m in members), return_exceptions=True)


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {group: _Hub}


def _hub(layer, group: str) -> _Hub:
    per_loop = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = per_loop.get(group)
    if hub is None or hub.layer is not layer:
        hub = per_loop[group] = _Hub(layer, group)
    return hub


class SessionStatusConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/events/<event>/sessions/``: a snapshot of the agenda's statuses, then every status change.

    A process busy with more than CONNECTS_IN_FLIGHT_MAX connects closes further ones with 1013
    (try again later) before any lookup.

    Who may listen: the holder of a portal secret (``?t=<secret>``) of an approved,
    unrevoked registration of this event, or an organiser. Anything else is accepted
    and closed at once with 4403 (4404: unknown event; 4429: an unknown secret from an
    address past its guess limit), so the portal can tell "not allowed" (stop) from
    "network down" (poll). Messages carry only
    ``session_public_data``: never a meeting URL. Status changes reach the socket
    through the process's _Hub (see there why); a change pushed before the
    snapshot went out waits and follows it, so the page ends on the newest state.
    The consumer keeps little per socket, because one process holds thousands.
    """

    hub: _Hub | None = None
    secret = ""  # the ?t= secret the socket was let in with (its heartbeats are that person's)
    held: list | None = None  # pushes that arrived before the snapshot was sent
    # No channel of its own: the hub listens for the whole process. Channels would give each socket a
    # channel and a pending receive() on the layer, and when Redis restarts every one of those receives
    # fails and Channels ends the consumer: thousands of sockets closed at once (seen in the rehearsal).
    channel_layer_alias = None

    async def connect(self):
        global _connects_in_flight
        if _connects_in_flight >= CONNECTS_IN_FLIGHT_MAX:
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        _connects_in_flight += 1
        try:
            await self._connect()
        finally:
            _connects_in_flight -= 1

    async def _connect(self):
        slug = self.scope["url_route"]["kwargs"]["event"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        secret = (query.get("t") or [""])[0]
        event, refusal = await _event_and_access(slug, secret, self.scope.get("user"), scope_client_ip(self.scope))
        await self.accept()
        if refusal is not None:
            await self.close(code=refusal)
            return
        self.secret = secret
        # Subscribe first, then read: a change committed in between arrives as a push, never lost.
        self.held = []
        hub = _hub(get_channel_layer(), sessions_group(event.slug))
        await hub.add(self)
        self.hub = hub
        websockets_open.inc()
        await self.send(text_data=await hub.snapshot(event))
        held, self.held = self.held, None
        for text in held:
            await self.send(text_data=text)

    async def push(self, text: str) -> None:
        if self.held is not None:
            self.held.append(text)
            return
        await self.send(text_data=text)

    async def disconnect(self, code):
        if self.hub is not None:
            websockets_open.dec()
            await self.hub.discard(self)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """The portal's heartbeats, ``{"type":"beat","session":<id>}``; anything else is ignored (not answered).

        A beat is the person's of the socket's secret, for a session they joined (the taker registered
        by attendance applies the same rule as the POSTed heartbeat): recorded, nothing is sent back (the
        page does nothing with the POST's ``{"minutes": null}`` either); refused because they did not join
        it, ``{"type":"beat","session":<id>,"stop":true}`` (the POST's 403/404 stops the page's timer too).
        """
        if not text_data or not self.secret or self.hub is None or len(text_data) > 200:
            return
        try:
            content = json.loads(text_data)
            session_id = content["session"] if content.get("type") == "beat" else None
        except (ValueError, TypeError, KeyError, AttributeError):
            return
        if type(session_id) is not int or not 0 < session_id < 10**12:
            return
        if await take_beat(self.secret, session_id) == "not_joined":
            await self.send(text_data=json.dumps({"type": "beat", "session": session_id, "stop": True},
                                                 separators=(",", ":")))
