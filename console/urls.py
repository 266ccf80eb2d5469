"""Front door, landing and the organisers' event console (namespace "console")."""

from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.front_door, name="front_door"),
    path("akun/beranda/", views.landing, name="landing"),
    path("panitia/", views.event_choose, name="events"),
    path("e/<slug:event>/panitia/", views.event_console, name="event"),
    path("e/<slug:event>/panitia/impor/", views.import_participants, name="import"),
]
