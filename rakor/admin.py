"""Back office (/admin/) for the core: the unit tree, events and staff bound to units."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .audit import AuditedAdminMixin, audit_record, snapshot
from .models import AuditEntry, Event, SignInThrottle, StaffProfile, Unit
from .roles import is_organiser
from .signin import AdminSignInForm, signin_unlock


class OrganiserAdmin(admin.ModelAdmin):
    """Organisers (group ``organiser``, staff) run the back office without per-model permissions.

    Access goes through rakor.roles like every other page; superusers and users given
    Django model permissions keep what they have.
    """

    organiser_can_delete = True

    def has_module_permission(self, request):
        return is_organiser(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return is_organiser(request.user) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not self.organiser_can_delete:
            return False
        return is_organiser(request.user) or super().has_delete_permission(request, obj)


class AuditedInlinesMixin:
    """ModelAdmin mixin: rows added, changed or deleted through inlines go into the audit trail too."""

    def save_formset(self, request, form, formset, change):
        model = formset.model
        pks = [f.instance.pk for f in formset.initial_forms if f.instance.pk]
        before = {o.pk: snapshot(o) for o in model._default_manager.filter(pk__in=pks)}
        deleted = [f.instance.pk for f in formset.deleted_forms if f.instance.pk]
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit_record(actor=request.user, action="create", obj=obj, before=None, after=snapshot(obj))
        for obj, _fields in formset.changed_objects:
            audit_record(actor=request.user, action="update", obj=obj, before=before.get(obj.pk), after=snapshot(obj))
        for obj, pk in zip(formset.deleted_objects, deleted):
            obj.pk = pk
            audit_record(actor=request.user, action="delete", obj=obj, before=before.get(pk), after=None)


class OrganiserInline:
    def has_view_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_delete_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    """A record shown beside its parent that nobody adds to or edits here; organisers may read it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_organiser(request.user) or super().has_view_permission(request, obj)


class ChildUnitInline(OrganiserInline, admin.TabularInline):
    model = Unit
    fk_name = "parent"
    fields = ("name", "short_name", "code", "kind", "province", "sort_order")
    extra = 0
    show_change_link = True
    verbose_name = _("unit di bawahnya")
    verbose_name_plural = _("unit di bawahnya")


@admin.register(Unit)
class UnitAdmin(AuditedInlinesMixin, AuditedAdminMixin, OrganiserAdmin):
    list_display = ("indented_name", "code", "kind", "parent", "province", "sort_order")
    list_filter = ("kind", "province")
    search_fields = ("name", "short_name", "aliases", "code", "province")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("path",)
    list_per_page = 100
    readonly_fields = ("path",)
    fields = ("name", "short_name", "aliases", "code", "kind", "parent", "province", "sort_order", "path")
    inlines = [ChildUnitInline]

    @admin.display(description=_("nama"), ordering="path")
    def indented_name(self, unit: Unit):
        depth = max(unit.path.count("/") - 2, 0)
        return format_html("{}{}", "\u2003" * depth, unit.name)


@admin.register(Event)
class EventAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("name", "slug", "start_date", "end_date", "venue", "requires_approval")
    search_fields = ("name", "slug", "venue")
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("organiser_unit",)
    # The signing key never leaves the server; the public key is what scanners hold.
    readonly_fields = ("public_key", "created_at")
    organiser_can_delete = False
    fieldsets = (
        (None, {"fields": ("name", "slug", "theme", "organiser_unit")}),
        (_("Tempat dan waktu"), {"fields": ("venue", "venue_address", "time_zone", "start_date", "end_date")}),
        (_("Pendaftaran"), {"fields": ("registration_opens", "registration_closes", "in_person_capacity",
                                       "requires_approval")}),
        (_("Layanan peserta"), {"fields": ("wa_service", "wa_complaints")}),
        (_("Presensi"), {"fields": ("offline_scan_hours", "join_spread_seconds")}),
        (_("Tiket"), {"fields": ("public_key", "created_at"),
                      "description": _("Kunci publik untuk memeriksa tiket QR tanpa jaringan. Kunci penanda tangan "
                                       "tidak pernah ditampilkan.")}),
    )  # attendance/admin.py adds the quota usage table



@admin.register(StaffProfile)
class StaffProfileAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("user", "unit", "position", "whatsapp")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name", "position")
    list_filter = ("unit__kind",)
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")


@admin.register(AuditEntry)
class AuditEntryAdmin(OrganiserAdmin):
    """The audit trail, read-only: nobody adds, edits or deletes entries here."""

    list_display = ("at", "actor_label", "action", "model", "object_repr", "event")
    list_filter = ("model", "action", "event")
    search_fields = ("actor_label", "object_repr", "object_id", "reason")
    list_select_related = ("event",)
    date_hierarchy = "at"
    fields = ("at", "actor", "actor_label", "event", "action", "model", "object_id", "object_repr", "reason",
              "changes_table")
    readonly_fields = fields
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("perubahan"))
    def changes_table(self, entry: AuditEntry):
        rows = entry.changes
        if not rows:
            return "-"
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((field, _shown(old), _shown(new)) for field, old, new in rows))
        return format_html('<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>',
                           _("kolom"), _("sebelum"), _("sesudah"), body)


def _shown(value) -> str:
    return "—" if value is None or value == "" else str(value)


admin.site.login_form = AdminSignInForm  # /admin/login/ is throttled and says so (rakor.signin)


@admin.register(SignInThrottle)
class SignInThrottleAdmin(OrganiserAdmin):
    """Failed sign-ins and locks, read-only; "Buka kunci" lifts the selected locks (audited)."""

    list_display = ("key", "kind", "locked_until", "failures", "locks", "last_locked_at")
    list_filter = ("kind",)
    search_fields = ("key",)
    fields = ("kind", "key", "failures", "window_started_at", "locked_until", "locks", "last_locked_at", "updated_at")
    readonly_fields = fields
    actions = ["unlock"]
    organiser_can_delete = False  # deleting a row would lift its lock without a trace

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Buka kunci yang dipilih"))
    def unlock(self, request, queryset):
        lifted = [row for row in queryset if row.is_locked]
        for row in lifted:
            signin_unlock(throttle=row, by=request.user, reason=_("dibuka di /admin/"))
        self.message_user(request, ngettext("%(n)d kunci dibuka.", "%(n)d kunci dibuka.", len(lifted))
                          % {"n": len(lifted)})
