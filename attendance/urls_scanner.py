"""The registration desk's scanner page."""

from django.urls import path

from .views import scanner

urlpatterns = [
    path("e/<slug:slug>/scan/", scanner.scanner_page, name="scanner"),
    # The service worker lives under the page's path so that its scope is that page and nothing else.
    path("e/<slug:slug>/scan/sw.js", scanner.scanner_worker, name="scanner-worker"),
]
