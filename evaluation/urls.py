"""Evaluation pages: the portal's form (/t/<secret>/evaluasi/) and the organisers' pages under the console."""

from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("t/<str:secret>/evaluasi/", views.portal_form, name="portal_form"),
    path("e/<slug:event>/panitia/evaluasi/", views.results_page, name="results"),
    path("e/<slug:event>/panitia/evaluasi/hasil.xlsx", views.results_xlsx, name="results_xlsx"),
    path("e/<slug:event>/panitia/evaluasi/kuesioner/", views.questionnaire_page, name="questionnaire"),
    path("e/<slug:event>/panitia/evaluasi/kuesioner/bawaan/", views.questionnaire_default, name="default"),
    path("e/<slug:event>/panitia/evaluasi/kuesioner/butir/baru/", views.question_edit, name="question_add"),
    path("e/<slug:event>/panitia/evaluasi/kuesioner/butir/<int:question>/", views.question_edit,
         name="question_edit"),
    path("e/<slug:event>/panitia/evaluasi/kuesioner/butir/<int:question>/hapus/", views.question_delete,
         name="question_delete"),
]
