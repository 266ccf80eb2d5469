"""Organisers' venue pages (mounted in the "attendance" namespace)."""

from django.urls import path

from .views import organiser as views
from .views import reports

urlpatterns = [
    path("e/<slug:event>/devices/", views.devices, name="organiser_devices"),
    path("e/<slug:event>/devices/<int:pk>/revoke/", views.device_revoke, name="organiser_device_revoke"),
    path("e/<slug:event>/dashboard/", views.dashboard, name="organiser_dashboard"),
    path("e/<slug:event>/dashboard/data/", views.dashboard_data, name="organiser_dashboard_data"),
    path("e/<slug:event>/daftar-hadir/<str:day>.pdf", views.daftar_hadir_pdf, name="daftar_hadir_pdf"),
    path("e/<slug:event>/daftar-hadir/<str:day>.xlsx", views.daftar_hadir_xlsx, name="daftar_hadir_xlsx"),
    path("e/<slug:event>/rekap/", reports.report, name="report"),
    path("e/<slug:event>/rekap.xlsx", reports.report_xlsx, name="report_xlsx"),
    path("e/<slug:event>/rekap.pdf", reports.report_pdf, name="report_pdf"),
]
