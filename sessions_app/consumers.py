"""WebSocket consumers of the sessions app (transport only; reads go through selectors)."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from attendance.models import Registration
from attendance.selectors import registration_for_ticket_secret
from rakor.models import Event
from rakor.roles import is_organiser

from .models import Session
from .selectors import session_public_data, sessions_group

CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_EVENT = 4404


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


class SessionStatusConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/events/<event>/sessions/``: a snapshot of the agenda's statuses, then every status change.

    Who may listen: the holder of a portal secret (``?t=<secret>``) of an approved,
    unrevoked registration of this event, or an organiser. Anything else is accepted
    and closed at once with 4403 (4404: unknown event), so the portal can tell
    "not allowed" (stop) from "network down" (poll). Messages carry only
    ``session_public_data``: never a meeting URL. The consumer keeps nothing per
    socket but its group name, because one process holds thousands of them.
    """

    group: str | None = None

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
        self.group = sessions_group(event.slug)
        # Join first, then read: a change committed in between arrives as a message, never lost.
        await self.channel_layer.group_add(self.group, self.channel_name)
        sessions = await database_sync_to_async(event_sessions_public, thread_sensitive=False)(event.pk)
        await self.send_json({"type": "snapshot", "sessions": sessions})

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """The portal only listens; anything it sends is ignored."""

    async def session_status(self, message):
        await self.send_json({"type": "session", **message["session"]})
