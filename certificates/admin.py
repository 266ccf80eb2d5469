"""Back office for certificates: templates (design and rules) are edited here; every change is audited.

Issuing, revoking and reissuing go through the organiser's page (/e/<event>/sertifikat/),
which calls certificates.services; here certificates are read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from rakor.admin import OrganiserAdmin
from rakor.audit import AuditedAdminMixin

from .models import Certificate, CertificateSequence, CertificateTemplate, EligibilityException, IssueRun


@admin.register(CertificateTemplate)
class CertificateTemplateAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("name", "event", "role", "basis", "min_share_percent", "minutes_per_jp", "jp_cap", "self_service")
    list_filter = ("event", "role")
    fieldsets = (
        (None, {"fields": ("event", "role", "name")}),
        (_("Desain"), {"fields": ("html", "fields_html", "css", "page_size", "background")}),
        (_("Penanda tangan"), {"fields": ("signatory_name", "signatory_position", "signatory_nip",
                                          "signature_image")}),
        (_("Nomor"), {"fields": ("number_pattern", "sequence")}),
        (_("Syarat dan JP"), {"fields": ("basis", "min_share_percent", "session_attended_percent", "count_ceremonies",
                                         "minutes_per_jp", "jp_cap", "self_service")}),
    )


@admin.register(CertificateSequence)
class CertificateSequenceAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("event", "code", "last_number")
    readonly_fields = ("last_number",)
    organiser_can_delete = False


@admin.register(EligibilityException)
class EligibilityExceptionAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("registration", "reason", "granted_by", "granted_at")
    raw_id_fields = ("registration",)
    readonly_fields = ("granted_by", "granted_at")

    def save_model(self, request, obj, form, change):
        obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Certificate)
class CertificateAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("number", "recipient_name", "event", "role", "jp", "status", "issued_at")
    list_filter = ("event", "status", "role")
    search_fields = ("number", "code", "recipient_name")
    organiser_can_delete = False
    readonly_fields = [f.name for f in Certificate._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(IssueRun)
class IssueRunAdmin(OrganiserAdmin):
    list_display = ("event", "status", "started_at", "done", "total", "allocated", "started_by")
    list_filter = ("event", "status")
    readonly_fields = [f.name for f in IssueRun._meta.fields]
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False
