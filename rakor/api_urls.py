"""/api/v1/: each app contributes its routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("attendance.api_urls")),
]
