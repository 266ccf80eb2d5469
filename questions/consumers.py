"""The questions' sockets (transport only; reads through selectors).

``/ws/events/<event>/sessions/<id>/questions/``: every participant's portal (``?t=<portal secret>`` of an
approved, unrevoked registration of the event) and the hall's screen (a signed-in moderator). Each message
is the whole public snapshot (``selectors.public_snapshot``): approved and answered questions only, so a
pending or hidden question never reaches a participant's socket.

``/ws/events/<event>/sessions/<id>/questions/moderate/``: organisers and the session's moderators; each
message is a small signal (counts) after which the moderator page fetches its list.

One _Hub per process and group listens to the channel layer and pushes to its local sockets, as the
agenda's sessions socket does (agenda.consumers explains why one subscriber per process). The hub also
coalesces: however many "changed" notices arrive, it builds the snapshot once (one query for the
process, encoded once) and pushes at most every PUSH_SECONDS.
"""

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

from agenda.listeners import CLOSE_FORBIDDEN, CLOSE_UNKNOWN_EVENT
from agenda.models import Session
from attendance.online.selectors import session_socket_check
from rakor.net import scope_client_ip

from .selectors import can_moderate, moderator_snapshot, moderators_group, public_snapshot, questions_group

log = logging.getLogger("rakor.questions")

PUSH_SECONDS = 0.25  # at most one push per hub this often: votes coalesce
REJOIN_SECONDS = 3.0
RETRY_SECONDS = 0.5  # a restarted Redis forgets group members: re-join now and then (as agenda's hub)


def _session_and_access_sync(slug: str, session_id: int, secret: str, user, address: str, moderate: bool):
    session = Session.objects.select_related("event").filter(pk=session_id, event__slug=slug).first()
    if session is None:
        return None, CLOSE_UNKNOWN_EVENT
    if user is not None and can_moderate(user, session):
        return session, None
    if moderate or not secret:
        return session, CLOSE_FORBIDDEN
    refusal = session_socket_check(session.event, secret, address)
    return session, refusal


_session_and_access = database_sync_to_async(_session_and_access_sync, thread_sensitive=False)


def _build_sync(session_id: int, moderate: bool) -> str | None:
    session = Session.objects.select_related("event").filter(pk=session_id).first()
    if session is None:
        return None
    data = moderator_snapshot(session) if moderate else public_snapshot(session)
    return json.dumps({"type": "moderation" if moderate else "questions", **data}, separators=(",", ":"),
                      default=str)


build_payload = database_sync_to_async(_build_sync, thread_sensitive=False)


class _Hub:
    """The one channel-layer subscriber of a session's questions group in this process."""

    def __init__(self, layer, group: str, session_id: int, moderate: bool):
        self.layer, self.group, self.session_id, self.moderate = layer, group, session_id, moderate
        self.members: set = set()
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []
        self.dirty = asyncio.Event()
        self.pushes = 0  # how many pushes went out (benchmarks read it)

    async def add(self, consumer) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel)
            loop = asyncio.get_running_loop()
            self.tasks = [loop.create_task(self._receive()), loop.create_task(self._push()),
                          loop.create_task(self._keep_joined())]
        self.members.add(consumer)

    async def discard(self, consumer) -> None:
        self.members.discard(consumer)
        if self.members or self.channel is None:
            return
        channel, tasks = self.channel, self.tasks
        self.channel, self.tasks = None, []
        for task in tasks:
            task.cancel()
        try:
            await self.layer.group_discard(self.group, channel)
        except Exception:  # noqa: BLE001 - the layer away: its membership expires by itself
            log.warning("questions hub %s: leaving failed", self.group, exc_info=True)

    async def _keep_joined(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            try:
                await self.layer.group_add(self.group, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.warning("questions hub %s: re-join failed", self.group, exc_info=True)

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - Redis away: sockets poll meanwhile, the next change resyncs
                log.warning("questions hub %s: receive failed", self.group, exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if message.get("type") == "questions.changed":
                self.dirty.set()

    async def _push(self) -> None:
        while True:
            await self.dirty.wait()
            self.dirty.clear()
            started = time.monotonic()
            try:
                text = await build_payload(self.session_id, self.moderate)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup: try again shortly, the sockets keep the last state
                log.warning("questions hub %s: snapshot failed, retrying", self.group, exc_info=True)
                text = None
                self.dirty.set()
                await asyncio.sleep(RETRY_SECONDS)
            if text is not None:
                self.pushes += 1
                members = list(self.members)
                await asyncio.gather(*(m.send(text_data=text) for m in members), return_exceptions=True)
            await asyncio.sleep(max(0.0, PUSH_SECONDS - (time.monotonic() - started)))


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {group: _Hub}


def hub_for(group: str, session_id: int, moderate: bool) -> _Hub:
    layer = get_channel_layer()
    per_loop = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = per_loop.get(group)
    if hub is None or hub.layer is not layer:
        hub = per_loop[group] = _Hub(layer, group, session_id, moderate)
    return hub


class QuestionsConsumer(AsyncJsonWebsocketConsumer):
    """The public questions of one session: a snapshot on connect, then one after every (coalesced) change.

    Refusals are accepted and closed at once (4403 not allowed, 4404 unknown session, 4429 too many
    guessed secrets), so the page can tell "not allowed" (stop) from "network down" (poll).
    """

    moderate = False
    hub: _Hub | None = None
    channel_layer_alias = None  # the hub listens for the whole process (see agenda.consumers)

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        secret = (query.get("t") or [""])[0]
        session, refusal = await _session_and_access(kwargs["event"], kwargs["session"], secret,
                                                     self.scope.get("user"), scope_client_ip(self.scope),
                                                     self.moderate)
        await self.accept()
        if refusal is not None:
            await self.close(code=refusal)
            return
        group = moderators_group(session.pk) if self.moderate else questions_group(session.pk)
        hub = hub_for(group, session.pk, self.moderate)
        await hub.add(self)  # subscribe first, then read: a change in between comes as a push
        self.hub = hub
        text = await build_payload(session.pk, self.moderate)
        if text is not None:
            await self.send(text_data=text)

    async def disconnect(self, code):
        if self.hub is not None:
            await self.hub.discard(self)

    async def receive_json(self, content, **kwargs):
        """Listen only: asking and voting go through the pages' POSTs (CSRF, rate limits, no JS needed)."""


class ModerationConsumer(QuestionsConsumer):
    moderate = True
