"""Participant join links, stream page, heartbeat, and the organisers' online attendance pages (issue 4)."""

from django.urls import path

from . import views_join, views_reports

app_name = "sessions_join"

urlpatterns = [
    path("t/<str:secret>/join/<int:session_id>/", views_join.join, name="join"),
    path("t/<str:secret>/watch/<int:session_id>/", views_join.watch, name="watch"),
    path("t/<str:secret>/heartbeat/<int:session_id>/", views_join.heartbeat, name="heartbeat"),
    path("e/<slug:event>/online/<int:session_id>/", views_reports.session_attendance, name="session_attendance"),
    path("e/<slug:event>/online/<int:session_id>/kehadiran.xlsx", views_reports.session_attendance_xlsx,
         name="session_attendance_xlsx"),
    path("e/<slug:event>/online/<int:session_id>/laporan/", views_reports.report_upload, name="report_upload"),
    path("e/<slug:event>/online/laporan/<int:report_id>/", views_reports.report_detail, name="report_detail"),
    path("e/<slug:event>/online/laporan/<int:report_id>/baris/<int:row_id>/cocokkan/", views_reports.row_resolve,
         name="row_resolve"),
    path("e/<slug:event>/online/laporan/<int:report_id>/baris/<int:row_id>/abaikan/", views_reports.row_ignore,
         name="row_ignore"),
]
