"""The plain Channels baseline for bench/live_push.py: join a group on connect, forward group messages.

No authorisation, no database, no snapshot: it says ``{"type": "ready"}`` once it
is in the group so the load client knows when to count it. Served as its own ASGI
application (``bench.baseline_consumer:application``) with the project's settings,
so the channel layer (Redis) and the server (uvicorn) are exactly the project's.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
django_asgi_app = get_asgi_application()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

GROUP = "baseline.live"


class BaselineConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.send_json({"type": "ready"})

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def session_status(self, message):
        await self.send_json({"type": "session", **message["session"]})


application = ProtocolTypeRouter({
    "http": django_asgi_app,
    "websocket": URLRouter([path("ws/baseline/", BaselineConsumer.as_asgi())]),
})
