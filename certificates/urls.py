"""Certificate pages: /v/ (public verification), organisers' and coordinators' pages, the portal download."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("v/", views.verify_home, name="verify_home"),
    path("v/<str:code>/", views.verify, name="verify"),
    path("t/<str:secret>/sertifikat.pdf", views.portal_pdf, name="portal_pdf"),
    path("e/<slug:event>/sertifikat/", views.organiser_page, name="organiser"),
    path("e/<slug:event>/sertifikat/progres/", views.organiser_progress, name="progress"),
    path("e/<slug:event>/sertifikat/terbitkan/", views.organiser_issue_all, name="issue_all"),
    path("e/<slug:event>/sertifikat/templat-bawaan/", views.organiser_default_templates, name="default_templates"),
    path("e/<slug:event>/sertifikat/peserta/<int:registration>/terbitkan/", views.organiser_issue_one,
         name="issue_one"),
    path("e/<slug:event>/sertifikat/peserta/<int:registration>/pengecualian/", views.organiser_exception,
         name="exception"),
    path("e/<slug:event>/sertifikat/unit/<int:unit_id>.zip", views.unit_zip, name="unit_zip"),
    path("e/<slug:event>/sertifikat/<str:code>/cabut/", views.organiser_revoke, name="revoke"),
    path("e/<slug:event>/sertifikat/<str:code>/terbitkan-ulang/", views.organiser_reissue, name="reissue"),
    path("e/<slug:event>/sertifikat/<str:code>.pdf", views.organiser_pdf, name="pdf"),
]
