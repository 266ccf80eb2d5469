"""WebSocket routes of every app (see DESIGN.md, "WebSockets")."""

from django.urls import path

from attendance.consumers import DashboardConsumer
from agenda.consumers import SessionStatusConsumer
from minutes.consumers import MinutesPresenceConsumer
from questions.consumers import ModerationConsumer, QuestionsConsumer

websocket_urlpatterns: list = [
    path("ws/events/<slug:event>/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/events/<slug:event>/sessions/", SessionStatusConsumer.as_asgi()),
    path("ws/minutes/<int:minutes>/presence/", MinutesPresenceConsumer.as_asgi()),
    path("ws/events/<slug:event>/sessions/<int:session>/questions/", QuestionsConsumer.as_asgi()),
    path("ws/events/<slug:event>/sessions/<int:session>/questions/moderate/", ModerationConsumer.as_asgi()),
]
