"""Organisers' back office for the agenda: sessions (with their meeting links).

The meeting URL and passcode are shown here and on the organiser's agenda page only.
Status changes go through agenda.services.session_set_status (lock, broadcast).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rakor.admin import OrganiserAdmin
from rakor.audit import AuditedAdminMixin

from .forms import SessionAdminForm, room_conflicts
from .models import Session
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
