from django.urls import path

from . import api

urlpatterns = [
    path("checkins/", api.CheckInView.as_view(), name="api-checkin"),
]
