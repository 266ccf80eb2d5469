"""The participant's own agenda calendar (in the "sessions" namespace with the agenda's pages: rakor/urls.py)."""

from django.urls import path

from .views import portal

urlpatterns = [
    path("t/<str:secret>/agenda.ics", portal.portal_ical, name="portal_ical"),
]
