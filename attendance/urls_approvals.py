"""Approvals, seat holders and "resend my link" (issue 12, item 3; mounted in the "attendance" namespace)."""

from django.urls import path

from .views import approvals as views_approvals
from .views import resend as views_resend

urlpatterns = [
    path("e/<slug:event>/persetujuan/", views_approvals.approvals, name="approvals"),
    path("e/<slug:event>/persetujuan/<str:public_id>/tolak/", views_approvals.refuse_one, name="approval_refuse"),
    path("e/<slug:event>/unit/kursi/", views_approvals.seat_holders, name="seat_holders"),
    path("e/<slug:slug>/tautan-hilang/", views_resend.resend_link, name="resend_link"),
]
