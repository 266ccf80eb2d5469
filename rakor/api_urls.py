"""/api/v1/: each app contributes its routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("attendance.api_urls")),
    path("", include("sessions_app.api_urls")),
]
