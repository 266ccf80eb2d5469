"""Public live-status URLs of the sessions app (included before attendance's /e/<event>/ pages)."""

from django.urls import path

from . import views_live

app_name = "sessions_live"

urlpatterns = [
    path("e/<slug:event>/sessions/status.json", views_live.sessions_status, name="status"),
]
