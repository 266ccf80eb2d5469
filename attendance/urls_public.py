"""Participant-facing pages: event page, self-registration, personal portal."""

from django.urls import path

from . import views_public as views

urlpatterns = [
    path("e/<slug:slug>/", views.event_detail, name="event_detail"),
    path("e/<slug:slug>/register/", views.register, name="register"),
    path("t/<str:secret>/", views.portal, name="portal"),
    path("t/<str:secret>/qr.png", views.portal_qr_png, name="portal_qr_png"),
    path("t/<str:secret>/ticket.pdf", views.portal_ticket_pdf, name="portal_ticket_pdf"),
    path("t/<str:secret>/data/", views.portal_data, name="portal_data"),
    path("t/<str:secret>/data/json/", views.portal_data_json, name="portal_data_json"),
    path("t/<str:secret>/data/delete/", views.portal_delete, name="portal_delete"),
]
