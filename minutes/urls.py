"""Minutes (notulen) and the follow-up register (namespace "minutes")."""

from django.urls import path

from . import views, views_register

app_name = "minutes"

S = "e/<slug:event>/notulen/<int:session>/"

urlpatterns = [
    path("notulen/", views.home, name="home"),
    path("e/<slug:event>/notulen/", views.minutes_list, name="list"),
    path(S, views.detail, name="detail"),
    path(S + "tugaskan/", views.assign, name="assign"),
    path(S + "simpan-otomatis/", views.autosave, name="autosave"),
    path(S + "periksa/", views.review, name="review"),
    path(S + "koreksi/", views.correction, name="correction"),
    path(S + "revisi/", views.revisions, name="revisions"),
    path(S + "revisi/<int:number>/pulihkan/", views.restore, name="restore"),
    path(S + "pdf/", views.pdf, name="pdf"),
    path(S + "cetak/", views.print_view, name="print"),
    path("e/<slug:event>/tindak-lanjut/", views_register.register, name="register"),
    path("e/<slug:event>/tindak-lanjut/bawa/", views_register.carry_over, name="carry_over"),
    path("e/<slug:event>/tindak-lanjut/<int:pk>/", views_register.item_detail, name="item"),
    path("e/<slug:event>/tindak-lanjut/<int:pk>/bukti/<int:evidence>/", views_register.evidence_file,
         name="evidence_file"),
]
