"""WebSocket consumers of the attendance app (transport only; reads go through selectors)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rakor.models import Event
from rakor.roles import is_organiser

from . import selectors

CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_EVENT = 4404


def dashboard_group(slug: str) -> str:
    """The channel-layer group attendance.checkin._broadcast sends every accepted check-in to."""
    return f"dashboard.{slug}"


@database_sync_to_async
def _event_and_access(slug: str, user):
    event = Event.objects.filter(slug=slug).first()
    # is_organiser may read the user's groups: keep it inside the sync thread.
    return event, is_organiser(user)


@database_sync_to_async
def _snapshot(event: Event) -> dict:
    return selectors.dashboard_snapshot(event)


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/events/<event>/dashboard/``: a snapshot on connect, then every accepted check-in.

    Organisers only. A refused socket is accepted and closed at once with an
    application close code (4403 not allowed, 4404 unknown event): a handshake
    rejected before accept reaches the browser only as 1006, and the dashboard
    page must tell "not allowed" (stop, sign in) from "network down" (poll).
    Clients keep the counts up to date from each pushed check-in; the snapshot
    is never recomputed per check-in.
    """

    group = None

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["event"]
        event, allowed = await _event_and_access(slug, self.scope.get("user"))
        await self.accept()
        if event is None:
            await self.close(code=CLOSE_UNKNOWN_EVENT)
            return
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = dashboard_group(event.slug)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json(await _snapshot(event))

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The dashboard only listens; a client may ask for a fresh snapshot (e.g. after midnight).
        if isinstance(content, dict) and content.get("type") == "snapshot" and self.group is not None:
            event = await database_sync_to_async(Event.objects.filter(slug=self.group.split(".", 1)[1]).first)()
            if event is not None:
                await self.send_json(await _snapshot(event))

    async def checkin_batch(self, message):
        """Check-ins arrive coalesced (rakor.broadcast.group_send_batched); the page gets one message each."""
        for item in message.get("items") or []:
            await self.send_json({**item, "type": "checkin"})
