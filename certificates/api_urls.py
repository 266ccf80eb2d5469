from django.urls import path

from . import api

urlpatterns = [
    path("certificates/<str:code>/", api.CertificateVerifyView.as_view(), name="api-certificate-verify"),
]
