"""WebSocket routes of every app (see DESIGN.md, "WebSockets")."""

from django.urls import path

from attendance.consumers import DashboardConsumer
from sessions_app.consumers import SessionStatusConsumer
from sessions_app.minutes.consumers import MinutesPresenceConsumer

websocket_urlpatterns: list = [
    path("ws/events/<slug:event>/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/events/<slug:event>/sessions/", SessionStatusConsumer.as_asgi()),
    path("ws/minutes/<int:minutes>/presence/", MinutesPresenceConsumer.as_asgi()),
]
