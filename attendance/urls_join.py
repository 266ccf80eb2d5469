"""Participant join links, stream page, heartbeat, and the organisers' online attendance pages (issue 4)."""

from django.urls import path

from .views import online, portal

app_name = "sessions_join"

urlpatterns = [
    path("t/<str:secret>/join/<int:session_id>/", portal.join, name="join"),
    path("t/<str:secret>/watch/<int:session_id>/", portal.watch, name="watch"),
    path("t/<str:secret>/heartbeat/<int:session_id>/", portal.heartbeat, name="heartbeat"),
    path("e/<slug:event>/online/<int:session_id>/", online.session_attendance, name="session_attendance"),
    path("e/<slug:event>/online/<int:session_id>/kehadiran.xlsx", online.session_attendance_xlsx,
         name="session_attendance_xlsx"),
    path("e/<slug:event>/online/<int:session_id>/laporan/", online.report_upload, name="report_upload"),
    path("e/<slug:event>/online/laporan/<int:report_id>/", online.report_detail, name="report_detail"),
    path("e/<slug:event>/online/laporan/<int:report_id>/baris/<int:row_id>/cocokkan/", online.row_resolve,
         name="row_resolve"),
    path("e/<slug:event>/online/laporan/<int:report_id>/baris/<int:row_id>/abaikan/", online.row_ignore,
         name="row_ignore"),
]
