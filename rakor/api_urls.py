"""/api/v1/: each app contributes its routes."""

from django.urls import include, path

from . import api

urlpatterns = [
    path("events/", api.EventListView.as_view(), name="api-events"),
    path("events/<slug:slug>/", api.EventDetailView.as_view(), name="api-event"),
    path("units/", api.UnitListView.as_view(), name="api-units"),
    path("", include("attendance.api.urls")),
    path("", include("agenda.api_urls")),
    path("", include("certificates.api_urls")),
]
