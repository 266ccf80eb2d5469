from django.urls import include, path

app_name = "attendance"

urlpatterns = [
    path("", include("attendance.urls_public")),
    path("", include("attendance.urls_scanner")),
    path("", include("attendance.urls_coordinator")),
    path("", include("attendance.urls_organiser")),
    path("", include("attendance.urls_approvals")),
]
