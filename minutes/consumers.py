"""``/ws/minutes/<id>/presence/``: who else has the minutes open, and when someone saved.

Only the assigned minute takers and organisers may connect (others: accepted, then
closed with 4403). Presence needs no storage: a newcomer says hello to the group,
everyone present answers to the newcomer's own channel, a leaver says goodbye.
Saves are announced by services._announce (after commit) as ``minutes.saved``.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from rakor.roles import is_organiser

from . import policy
from .models import Minutes

CLOSE_FORBIDDEN = 4403


def presence_group(minutes_id: int) -> str:
    return f"minutes.{minutes_id}.presence"


def _access_sync(minutes_id: int, user):
    minutes = Minutes.objects.filter(pk=minutes_id).first()
    if minutes is None or user is None or not user.is_authenticated:
        return None
    if not (is_organiser(user) or policy.is_assigned(user, minutes)):
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username(),
            "role": "organiser" if is_organiser(user) else "notulis"}


class MinutesPresenceConsumer(AsyncJsonWebsocketConsumer):
    me: dict | None = None
    group: str | None = None

    async def connect(self):
        minutes_id = int(self.scope["url_route"]["kwargs"]["minutes"])
        self.me = await database_sync_to_async(_access_sync)(minutes_id, self.scope.get("user"))
        await self.accept()
        if self.me is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = presence_group(minutes_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.send_json({"type": "welcome", "me": {**self.me, "channel": self.channel_name}})
        await self.channel_layer.group_send(self.group, {"type": "presence.hello", "who": self._who()})

    def _who(self) -> dict:
        return {**(self.me or {}), "channel": self.channel_name}

    async def disconnect(self, code):
        if self.group is not None:
            await self.channel_layer.group_send(self.group, {"type": "presence.bye", "who": self._who()})
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """The page may say it is typing (``{"type": "editing"}``); the rest is ignored."""
        if self.group is not None and isinstance(content, dict) and content.get("type") == "editing":
            await self.channel_layer.group_send(self.group, {"type": "presence.editing", "who": self._who()})

    async def presence_hello(self, message):
        who = message["who"]
        if who.get("channel") == self.channel_name:
            return
        await self.send_json({"type": "here", "who": who})
        await self.channel_layer.send(who["channel"], {"type": "presence.here", "who": self._who()})

    async def presence_here(self, message):
        await self.send_json({"type": "here", "who": message["who"]})

    async def presence_bye(self, message):
        if message["who"].get("channel") != self.channel_name:
            await self.send_json({"type": "gone", "who": message["who"]})

    async def presence_editing(self, message):
        if message["who"].get("channel") != self.channel_name:
            await self.send_json({"type": "editing", "who": message["who"]})

    async def minutes_saved(self, message):
        await self.send_json({"type": "saved", "revision": message["revision"], "status": message["status"],
                              "by": message["by"], "by_id": message["by_id"]})
