"""Organisers' back office for the agenda: sessions (with their meeting links) and meeting reports.

The meeting URL and passcode are shown here and on the organiser's agenda page only.
Status changes go through sessions_app.services.session_set_status (lock, broadcast).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from django.urls import reverse
from django.utils.html import format_html

from rakor.admin import OrganiserAdmin
from rakor.audit import AuditedAdminMixin

from .forms import SessionAdminForm, room_conflicts
from .models import ActionItem, ActionItemEvidence, MeetingReport, MeetingReportRow, Minutes, MinutesRevision, Session
from .services import session_set_status


def room_conflict_message(session: Session) -> str | None:
    clashes = list(room_conflicts(session))
    if not clashes:
        return None
    tz = session.event.tz
    return _("Perhatian: ruang “%(room)s” juga dipakai pada waktu yang bertumpang tindih oleh: %(others)s.") % {
        "room": session.room,
        "others": "; ".join(f"{c.title} ({formats.date_format(c.start.astimezone(tz), 'j M H:i')}–"
                            f"{formats.time_format(c.end.astimezone(tz), 'H:i')})" for c in clashes),
    }


@admin.register(Session)
class SessionAdmin(AuditedAdminMixin, OrganiserAdmin):
    form = SessionAdminForm
    list_display = ("title", "event", "day", "local_time", "room", "kind", "mode", "status")
    list_filter = ("event", "day", "kind", "mode", "status")
    list_select_related = ("event",)
    search_fields = ("title", "room", "guest_speakers", "moderator_name")
    ordering = ("event", "day", "start")
    autocomplete_fields = ("allowed_units", "speakers")
    readonly_fields = ("status_changed_at",)
    actions = ("action_set_live", "action_end")
    fieldsets = (
        (None, {"fields": ("event", "title", "description", "kind", "mode")}),
        (gettext_lazy("Waktu dan tempat"), {"fields": ("day", "start", "end", "room")}),
        (gettext_lazy("Narasumber"), {"fields": ("speakers", "guest_speakers", "moderator_name")}),
        (gettext_lazy("Daring"), {
            "fields": ("meeting_url", "meeting_passcode", "stream_url", "join_scope", "allowed_units",
                       "join_opens_minutes_before"),
            "description": gettext_lazy("Tautan rapat dan kode sandi hanya tampil bagi panitia. Peserta menerima "
                                        "tautan pribadi /t/…/join/…/ yang mencatat kehadiran lalu meneruskan ke "
                                        "tautan ini."),
        }),
        (gettext_lazy("Status"), {"fields": ("status", "status_changed_at")}),
    )

    @admin.display(description=gettext_lazy("jam"), ordering="start")
    def local_time(self, session: Session):
        tz = session.event.tz
        return (f"{formats.time_format(session.start.astimezone(tz), 'H:i')}–"
                f"{formats.time_format(session.end.astimezone(tz), 'H:i')}")

    def save_model(self, request, obj, form, change):
        # A status typed in the form goes through the service too, so portals hear about it.
        new_status = obj.status
        if change and "status" in form.changed_data:
            obj.status = form.initial.get("status", obj.status)
        super().save_model(request, obj, form, change)
        if change and new_status != obj.status:
            try:
                session_set_status(session=obj, status=new_status, by=request.user)
                obj.status = new_status
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        warning = room_conflict_message(obj)
        if warning:
            messages.warning(request, warning)

    def _set_status(self, request, queryset, status: str):
        done = 0
        for session in queryset:
            try:
                session_set_status(session=session, status=status, by=request.user)
                done += 1
            except ValidationError as exc:
                messages.error(request, f"{session.title}: {' '.join(exc.messages)}")
        if done:
            messages.success(request, ngettext("%(n)d sesi diperbarui.", "%(n)d sesi diperbarui.", done) % {"n": done})

    @admin.action(description=gettext_lazy("Mulai siaran (Live)"))
    def action_set_live(self, request, queryset):
        self._set_status(request, queryset, Session.Status.LIVE)

    @admin.action(description=gettext_lazy("Akhiri sesi"))
    def action_end(self, request, queryset):
        self._set_status(request, queryset, Session.Status.ENDED)


class ReadOnlyInline(admin.TabularInline):
    """A record shown beside its parent that nobody adds to or edits here; organisers may read it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        from rakor.roles import is_organiser

        return is_organiser(request.user) or super().has_view_permission(request, obj)


class MeetingReportRowInline(ReadOnlyInline):
    model = MeetingReportRow
    fields = ("line", "name", "email", "joined_at", "left_at", "minutes", "registration", "status", "problem")
    readonly_fields = fields
    show_change_link = False


@admin.register(MeetingReport)
class MeetingReportAdmin(OrganiserAdmin):
    """Read-only: reports come in through the import (sessions_app import view), never typed here."""

    list_display = ("session", "filename", "rows_total", "uploaded_by", "uploaded_at")
    list_filter = ("session__event",)
    list_select_related = ("session", "uploaded_by")
    search_fields = ("filename", "session__title")
    readonly_fields = ("session", "uploaded_by", "uploaded_at", "filename", "rows_total")
    fields = readonly_fields
    inlines = [MeetingReportRowInline]
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
                       "closed_at", "agenda", "discussion", "decisions", "review_note", "finalised_at",
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
        from rakor.roles import is_organiser

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
