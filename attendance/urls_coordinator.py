"""Unit coordinators' and organisers' pages (mounted in the "attendance" namespace)."""

from django.urls import path

from .views import coordinator as views

urlpatterns = [
    path("koordinator/", views.coordinator_home, name="coordinator_home"),
    path("e/<slug:event>/unit/", views.unit_registrations, name="unit_list"),
    path("e/<slug:event>/unit/kehadiran/", views.unit_attendance, name="unit_attendance"),
    path("e/<slug:event>/unit/add/", views.unit_add, name="unit_add"),
    path("e/<slug:event>/unit/<str:public_id>/edit/", views.unit_edit, name="unit_edit"),
    path("e/<slug:event>/unit/<str:public_id>/cancel/", views.unit_cancel, name="unit_cancel"),
    path("e/<slug:event>/units/", views.unit_quotas, name="unit_quotas"),
]
