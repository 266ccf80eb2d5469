"""WebSocket consumers of the sessions app (transport only; reads go through selectors)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from attendance.models import Registration
from attendance.selectors import registration_for_ticket_secret
from rakor.models import Event
from rakor.roles import is_organiser

from .models import Session
from .selectors import session_public_data, sessions_group

log = logging.getLogger("rakor.sessions")

CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_EVENT = 4404
GROUP_REFRESH_SECONDS = 3600  # channels-redis forgets group members after a day (group_expiry)


def event_sessions_public(event_id: int) -> list[dict]:
    """Every session of an event as anyone may see it (no meeting URL): the snapshot and the polling answer."""
    return [session_public_data(s) for s in Session.objects.filter(event_id=event_id).order_by("start", "title")]


# Not thread-sensitive: a reconnect storm (thousands of phones after a network blip
# or a deploy) runs these lookups on the executor's threads side by side instead
# of one by one on the single shared sync thread. They touch no request state.
def _event_and_access_sync(slug: str, secret: str, user) -> tuple[Event | None, bool]:
    event = Event.objects.filter(slug=slug).only("pk", "slug").first()
    if event is None:
        return None, False
    if secret:
        registration = registration_for_ticket_secret(secret)
        if (registration is not None and registration.event_id == event.pk
                and registration.status == Registration.Status.APPROVED and registration.ticket_revoked_at is None):
            return event, True
    # is_organiser may read the user's groups: keep it inside the sync thread.
    return event, bool(user is not None and is_organiser(user))


_event_and_access = database_sync_to_async(_event_and_access_sync, thread_sensitive=False)


class _Hub:
    """The one channel-layer subscriber of an event's sessions group in this process.

    Why not one group member per socket, the Channels way: measured with 5,000
    sockets on 2 workers, a group message woke every consumer's receive() in
    channels-redis, each creating and cancelling tasks around a shared lock:
    about 0.46 ms of CPU per socket (2.3 CPU-seconds per "set live"), the same
    for a bare consumer that only joins a group. Here the group has one member
    per process; it encodes the message once and writes it to its local sockets.
    """

    def __init__(self, layer, group: str):
        self.layer, self.group = layer, group
        self.members: set[SessionStatusConsumer] = set()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.joined_at: float | None = None

    async def add(self, consumer: SessionStatusConsumer) -> None:
        if self.channel is None:
            # The layer's default prefix: channels-redis reads every channel of a process from one key per prefix.
            self.channel = await self.layer.new_channel()
            self.task = asyncio.get_running_loop().create_task(self._run())
        if self.joined_at is None or time.monotonic() - self.joined_at > GROUP_REFRESH_SECONDS:
            self.joined_at = time.monotonic()
            await self.layer.group_add(self.group, self.channel)
        self.members.add(consumer)

    async def discard(self, consumer: SessionStatusConsumer) -> None:
        """The last socket gone, stop listening: no receive() stays pending on the layer for nobody."""
        self.members.discard(consumer)
        if self.members or self.channel is None:
            return
        channel, task = self.channel, self.task
        self.channel = self.task = self.joined_at = None  # a socket arriving meanwhile starts afresh
        task.cancel()
        await self.layer.group_discard(self.group, channel)

    async def _run(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis away for a moment: sockets resynchronise from their next snapshot
                log.exception("sessions hub %s: receive failed", self.group)
                await asyncio.sleep(1)
                continue
            if message.get("type") != "session.status":
                continue
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

    Who may listen: the holder of a portal secret (``?t=<secret>``) of an approved,
    unrevoked registration of this event, or an organiser. Anything else is accepted
    and closed at once with 4403 (4404: unknown event), so the portal can tell
    "not allowed" (stop) from "network down" (poll). Messages carry only
    ``session_public_data``: never a meeting URL. Status changes reach the socket
    through the process's _Hub (see there why); a change pushed before the
    snapshot went out waits and follows it, so the page ends on the newest state.
    The consumer keeps little per socket, because one process holds thousands.
    """

    hub: _Hub | None = None
    held: list | None = None  # pushes that arrived before the snapshot was sent

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["event"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        secret = (query.get("t") or [""])[0]
        event, allowed = await _event_and_access(slug, secret, self.scope.get("user"))
        await self.accept()
        if event is None:
            await self.close(code=CLOSE_UNKNOWN_EVENT)
            return
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Subscribe first, then read: a change committed in between arrives as a push, never lost.
        self.held = []
        self.hub = _hub(self.channel_layer, sessions_group(event.slug))
        await self.hub.add(self)
        sessions = await database_sync_to_async(event_sessions_public, thread_sensitive=False)(event.pk)
        await self.send_json({"type": "snapshot", "sessions": sessions})
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
            await self.hub.discard(self)

    async def receive_json(self, content, **kwargs):
        """The portal only listens; anything it sends is ignored."""

    async def session_status(self, message):
        """A status change sent to this socket's own channel (the hub handles the event's group)."""
        await self.push(json.dumps({"type": "session", **message["session"]}, separators=(",", ":")))
