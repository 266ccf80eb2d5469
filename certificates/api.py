"""GET /api/v1/certificates/<code>/: public verification (name, event, dates, role, JP, status, SHA-256).

A certificate whose recipient's data was erased on request still answers by its code, with
``recipient_erased`` true and ``name`` saying so.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors


class CertificatePublicSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.CharField()
    name = serializers.CharField(help_text="The recipient's name, or a sentence saying their data was erased on request.")
    recipient_erased = serializers.BooleanField()
    event = serializers.CharField()
    event_slug = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    jp = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pending", "issued", "revoked"])
    status_label = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    signed_by = serializers.CharField(allow_null=True)
    replaces = serializers.CharField(allow_null=True)
    replaced_by = serializers.CharField(allow_null=True)


class CertificateVerifyView(APIView):
    """Anyone may verify a certificate by its code; an unknown code is a plain 404."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: CertificatePublicSerializer}, auth=[])
    def get(self, request, code: str):
        certificate = selectors.certificate_for_code(code)
        if certificate is None:
            raise NotFound()
        return Response(selectors.public_data(certificate))
