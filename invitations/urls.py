"""Invitation pages (namespace "invitations")."""

from django.urls import path

from . import views

app_name = "invitations"

urlpatterns = [
    path("e/<slug:event>/panitia/undangan/", views.organiser, name="organiser"),
    path("e/<slug:event>/panitia/undangan/draf/<int:unit>.pdf", views.draft_pdf, name="draft_pdf"),
    path("e/<slug:event>/panitia/undangan/unit/<int:unit>/ingatkan/", views.remind, name="remind"),
    path("e/<slug:event>/undangan/", views.my_delegation, name="my_delegation"),
    path("e/<slug:event>/undangan/unit/<int:unit>/", views.delegation, name="delegation"),
    path("e/<slug:event>/undangan/unit/<int:unit>/surat.pdf", views.letter_pdf, name="letter_pdf"),
    path("e/<slug:event>/undangan/peserta/<str:public_id>/surat-tugas/", views.surat_tugas_upload,
         name="surat_tugas_upload"),
    path("e/<slug:event>/undangan/peserta/<str:public_id>/surat-tugas.pdf", views.surat_tugas_file,
         name="surat_tugas_file"),
    path("undangan/<str:token>/", views.open_letter, name="open"),
]
