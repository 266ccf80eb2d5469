"""Organisers' back office for the minutes and the follow-up register (read and audited; written on their own pages)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rakor.admin import OrganiserAdmin, ReadOnlyInline
from rakor.audit import AuditedAdminMixin
from rakor.roles import is_organiser

from .models import ActionItem, ActionItemEvidence, Minutes, MinutesRevision

# ---------------------------------------------------------------- minutes and follow-ups
#
# The minutes are written and governed on their own pages (/e/<event>/notulen/…): the
# workflow (draft → review → final, revisions, optimistic locking) lives there. Here
# organisers find them, read their history and fix follow-ups; every change is audited.


class MinutesRevisionInline(ReadOnlyInline):
    model = MinutesRevision
    fields = ("number", "kind", "status", "author_label", "created_at", "reason")
    readonly_fields = fields
    ordering = ("-number",)


@admin.register(Minutes)
class MinutesAdmin(AuditedAdminMixin, OrganiserAdmin):
    """Read-only here: the text changes only through the workflow pages (each change a revision)."""

    list_display = ("session", "event_name", "status", "revision_number", "updated_at", "page_link")
    list_filter = ("session__event", "status")
    list_select_related = ("session__event",)
    search_fields = ("session__title", "chair_name", "taker_name", "decisions")
    readonly_fields = ("session", "status", "revision_number", "chair_name", "chair_position", "chair_rank",
                       "chair_nip", "taker_name", "taker_position", "taker_rank", "taker_nip", "opened_at",
                       "closed_at", "agenda", "discussion", "questions", "decisions", "review_note", "finalised_at",
                       "finalised_by", "updated_at", "updated_by", "page_link")
    fields = readonly_fields
    inlines = [MinutesRevisionInline]
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("acara"), ordering="session__event__name")
    def event_name(self, minutes: Minutes):
        return minutes.session.event.name

    @admin.display(description=gettext_lazy("halaman notulen"))
    def page_link(self, minutes: Minutes):
        url = reverse("minutes:detail", kwargs={"event": minutes.session.event.slug, "session": minutes.session_id})
        return format_html('<a href="{}">{}</a>', url, _("Buka"))


class ActionItemEvidenceInline(admin.TabularInline):
    model = ActionItemEvidence
    fields = ("added_at", "added_by_label", "note", "link", "file")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_view_permission(request, obj)


@admin.register(ActionItem)
class ActionItemAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("what_short", "unit", "due_date", "status", "event")
    list_filter = ("event", "status")
    list_select_related = ("unit", "event")
    search_fields = ("what", "unit__name")
    autocomplete_fields = ("unit",)
    fields = ("event", "minutes", "what", "unit", "due_date", "status", "progress_note", "carried_from")
    readonly_fields = ("event", "minutes", "carried_from")
    inlines = [ActionItemEvidenceInline]
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False  # follow-ups come from final minutes or from the previous event

    @admin.display(description=gettext_lazy("tindak lanjut"), ordering="what")
    def what_short(self, item: ActionItem):
        return item.what[:100]
