"""WebSocket routes of every app (see DESIGN.md, "WebSockets")."""

websocket_urlpatterns: list = []
