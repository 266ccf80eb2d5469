"""Agenda pages (namespace "sessions"): organiser's board and iCal feeds."""

from django.urls import path

from . import views

app_name = "sessions"

urlpatterns = [
    path("e/<slug:event>/agenda/manage/", views.agenda_manage, name="agenda_manage"),
    path("e/<slug:event>/agenda/manage/<int:pk>/status/", views.agenda_set_status, name="agenda_set_status"),
    path("e/<slug:event>/agenda.ics", views.event_ical, name="event_ical"),
    path("t/<str:secret>/agenda.ics", views.portal_ical, name="portal_ical"),
]
