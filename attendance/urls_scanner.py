"""The registration desk's scanner page."""

from django.urls import path

from . import views_scanner

urlpatterns = [
    path("e/<slug:slug>/scan/", views_scanner.scanner_page, name="scanner"),
]
