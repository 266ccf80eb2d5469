"""The organisers' activity report pages (namespace "reports")."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("e/<slug:event>/panitia/laporan/", views.report_page, name="page"),
    path("e/<slug:event>/panitia/laporan/pratinjau/", views.report_preview, name="preview"),
    path("e/<slug:event>/panitia/laporan/buat/", views.report_generate, name="generate"),
    path("e/<slug:event>/panitia/laporan/v<int:number>.pdf", views.report_download, {"kind": "pdf"}, name="pdf"),
    path("e/<slug:event>/panitia/laporan/v<int:number>.docx", views.report_download, {"kind": "docx"}, name="docx"),
]
