from django.urls import path

from . import api

urlpatterns = [
    path("events/<slug:slug>/sessions/", api.SessionListView.as_view(), name="api-sessions"),
    path("events/<slug:slug>/sessions/<int:pk>/status/", api.SessionStatusView.as_view(), name="api-session-status"),
]
