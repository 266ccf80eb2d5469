"""Agenda pages: the organiser's board and the public iCal feed.

No namespace of its own: the root URLconf (rakor/urls.py) puts these in the "sessions" namespace
together with the participant's calendar (attendance/urls_calendar.py).
"""

from django.urls import path

from . import views

urlpatterns = [
    path("e/<slug:event>/agenda/manage/", views.agenda_manage, name="agenda_manage"),
    path("e/<slug:event>/agenda/manage/<int:pk>/status/", views.agenda_set_status, name="agenda_set_status"),
    path("e/<slug:event>/agenda.ics", views.event_ical, name="event_ical"),
]
