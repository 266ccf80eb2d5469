"""Participant-facing pages: event page, self-registration, personal portal."""

from django.urls import path

from .views import portal, public

urlpatterns = [
    path("e/<slug:slug>/", public.event_detail, name="event_detail"),
    path("e/<slug:slug>/register/", public.register, name="register"),
    path("t/<str:secret>/", portal.portal, name="portal"),
    path("t/<str:secret>/qr.svg", portal.portal_qr_svg, name="portal_qr_svg"),
    path("t/<str:secret>/qr.png", portal.portal_qr_png, name="portal_qr_png"),
    path("t/<str:secret>/ticket.pdf", portal.portal_ticket_pdf, name="portal_ticket_pdf"),
    path("t/<str:secret>/data/", portal.portal_data, name="portal_data"),
    path("t/<str:secret>/data/json/", portal.portal_data_json, name="portal_data_json"),
    path("t/<str:secret>/data/delete/", portal.portal_delete, name="portal_delete"),
]
