"""Organisers' back office for participants, registrations, quotas, imports and data requests.

Status changes, imports and anonymisation go through attendance.services / importing;
this module only collects input and shows results.
"""

from __future__ import annotations

import os
import threading
import uuid

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _, gettext_lazy, ngettext

from rakor import tabular
from rakor.admin import AuditedInlinesMixin, OrganiserAdmin, OrganiserInline, ReadOnlyInline
from rakor.admin import EventAdmin as RakorEventAdmin
from rakor.audit import AuditedAdminMixin, audit_record, snapshot
from rakor.models import Event, Unit
from rakor.uploads import upload_limit

from . import exporting
from .forms import PUBLIC_TASK_NOTICE
from .importing import ImportFileError, import_participants, import_send_links, import_template_xlsx
from .models import DataRequest, MeetingReport, MeetingReportRow, Participant, Registration, RegistrationDay, UnitQuota
from .selectors import quota_usage
from .services import ParticipantData, participant_erase, registration_set_status

Mode = RegistrationDay.Mode


# ---------------------------------------------------------------- participants


_PERSON_FIELDS = ("full_name", "id_kind", "id_number", "position", "rank", "unit", "email", "whatsapp")


class ParticipantAdminForm(forms.ModelForm):
    """Edits go through the same checks as registration (NIP parts, WhatsApp number)."""

    class Meta:
        model = Participant
        fields = _PERSON_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = ParticipantData(**{f: cleaned.get(f) or "" for f in _PERSON_FIELDS if f != "unit"},
                               unit=cleaned.get("unit"))
        try:
            data = data.cleaned()
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
            return cleaned
        for field in _PERSON_FIELDS:
            cleaned[field] = getattr(data, field)
        self.instance.gender = data.gender
        return cleaned


@admin.register(Participant)
class ParticipantAdmin(AuditedAdminMixin, OrganiserAdmin):
    form = ParticipantAdminForm
    list_display = ("full_name", "id_kind", "id_number", "position", "unit", "email", "whatsapp")
    list_filter = ("id_kind", "unit__kind")
    search_fields = ("full_name", "id_number", "email", "whatsapp", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    fields = (*_PERSON_FIELDS, "gender", "created_at", "updated_at", "anonymised_at")
    readonly_fields = ("gender", "created_at", "updated_at", "anonymised_at")
    # People are never deleted here: a deletion request anonymises them and keeps the attendance facts.
    organiser_can_delete = False


# ---------------------------------------------------------------- registrations: filters


class ProvinceFilter(admin.SimpleListFilter):
    title = gettext_lazy("provinsi")
    parameter_name = "provinsi"

    def lookups(self, request, model_admin):
        provinces = (Unit.objects.exclude(province="").order_by("province")
                     .values_list("province", flat=True).distinct())
        return [(p, p) for p in provinces]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(participant__unit__province=self.value())
        return queryset


class ModeFilter(admin.SimpleListFilter):
    title = gettext_lazy("cara hadir")
    parameter_name = "cara_hadir"

    def lookups(self, request, model_admin):
        return [("luring", _("Luring pada salah satu hari")), ("daring", _("Daring saja"))]

    def queryset(self, request, queryset):
        in_person = Exists(RegistrationDay.objects.filter(registration=OuterRef("pk"), mode=Mode.IN_PERSON))
        if self.value() == "luring":
            return queryset.filter(in_person)
        if self.value() == "daring":
            return queryset.filter(~in_person)
        return queryset


class DayInline(OrganiserInline, admin.TabularInline):
    """Days are shown, not edited here: changing them must re-check seats (coordinator pages / import)."""

    model = RegistrationDay
    fields = ("date", "mode")
    readonly_fields = ("date", "mode")
    extra = 0
    can_delete = False
    verbose_name = gettext_lazy("hari")
    verbose_name_plural = gettext_lazy("cara hadir per hari")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- registrations


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan penolakan"), max_length=500, widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=gettext_lazy("Alasan ini ditampilkan kepada peserta di portalnya."),
        error_messages={"required": gettext_lazy("Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta.")},
    )


class ImportForm(forms.Form):
    event = forms.ModelChoiceField(label=gettext_lazy("Acara"), queryset=Event.objects.all())
    file = forms.FileField(label=gettext_lazy("Berkas .xlsx atau .csv"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Paling besar %(size)s dan %(rows)s baris data; pecah berkas yang lebih besar menjadi beberapa berkas.") % {
            "size": tabular.human_size(settings.IMPORT_MAX_BYTES),
            "rows": formats.number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(_("Berkas terlalu besar (%(size)d MB); batasnya %(limit)d MB. Pecah menjadi beberapa "
                                    "berkas.") % {"size": upload.size // (1024 * 1024) + 1,
                                                  "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
        ext = os.path.splitext(upload.name)[1].lower()
        if ext not in (".xlsx", ".csv"):
            raise ValidationError(_("Unggah berkas .xlsx atau .csv (berkas ini: %(name)s).") % {"name": upload.name})
        return upload


IMPORT_SESSION_KEY = "rakor_imports"
REPORT_LIMIT = 1000  # issues shown on the page; the counts always cover the whole file


@admin.register(Registration)
class RegistrationAdmin(AuditedInlinesMixin, AuditedAdminMixin, OrganiserAdmin):
    list_display = ("participant_name", "participant_number", "participant_unit", "status", "modes", "role",
                    "channel", "event")
    list_display_links = ("participant_name",)
    list_select_related = ("participant__unit", "event")
    list_filter = ("event", ("participant__unit", admin.RelatedOnlyFieldListFilter), ProvinceFilter, "status",
                   ModeFilter, "role", "channel")
    search_fields = ("participant__full_name", "participant__id_number", "participant__email",
                     "participant__unit__name")
    list_per_page = 100
    actions = ["approve_selected", "reject_selected", "cancel_selected", "export_xlsx", "export_csv",
               "send_portal_links"]
    inlines = [DayInline]
    fields = ("event", "participant", "role", "status", "status_reason", "status_changed_at", "status_changed_by",
              "channel", "registered_by", "created_at", "lawful_basis", "lawful_basis_at", "lawful_basis_notice",
              "consent_at", "consent_version", "public_id", "ticket_revoked_at")
    # Status only changes through the actions and the buttons above the form (registration_set_status).
    readonly_fields = ("event", "participant", "status", "status_reason", "status_changed_at", "status_changed_by",
                       "channel", "registered_by", "created_at", "lawful_basis", "lawful_basis_at",
                       "lawful_basis_notice", "consent_at", "consent_version", "public_id", "ticket_revoked_at")
    change_list_template = "admin/attendance/registration/change_list.html"
    change_form_template = "admin/attendance/registration/change_form.html"
    organiser_can_delete = False

    def has_add_permission(self, request):
        # New registrations come through the registration form, the coordinator pages or an import,
        # which check seats and identity; a bare admin form would not.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("days", queryset=RegistrationDay.objects.order_by("date")))

    @admin.display(description=gettext_lazy("nama"), ordering="participant__full_name")
    def participant_name(self, reg):
        return reg.participant.full_name

    @admin.display(description=gettext_lazy("NIP/nomor"), ordering="participant__id_number")
    def participant_number(self, reg):
        return reg.participant.id_number

    @admin.display(description=gettext_lazy("unit kerja"), ordering="participant__unit__name")
    def participant_unit(self, reg):
        return reg.participant.unit.name

    @admin.display(description=gettext_lazy("cara hadir per hari"))
    def modes(self, reg):
        labels = {Mode.IN_PERSON: _("luring"), Mode.ONLINE: _("daring")}
        return format_html_join(
            " · ", '<span title="{}">{}</span>',
            ((formats.date_format(d.date, "l, j F Y"), f"{formats.date_format(d.date, 'j/n')} {labels[d.mode]}")
             for d in reg.days.all()))

    # -- bulk actions

    def _set_status_each(self, request, queryset, status, reason=""):
        """One registration at a time, so a full quota stops only that one and the rest go through."""
        changed, failed = 0, []
        # Oldest registration first: when seats run out, first come, first served.
        for reg in queryset.select_related("participant").order_by("created_at", "pk"):
            try:
                changed += registration_set_status(registrations=[reg], status=status, reason=reason, by=request.user)
            except ValidationError as exc:
                failed.append(f"{reg.participant.full_name}: {' '.join(exc.messages)}")
        return changed, failed

    @admin.action(description=gettext_lazy("Setujui pendaftaran terpilih"))
    def approve_selected(self, request, queryset):
        changed, failed = self._set_status_each(request, queryset, Registration.Status.APPROVED)
        self.message_user(request, ngettext("%(n)d pendaftaran disetujui.", "%(n)d pendaftaran disetujui.", changed)
                          % {"n": changed}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, _("Tidak disetujui — %(detail)s") % {"detail": line}, messages.ERROR)

    @admin.action(description=gettext_lazy("Tolak pendaftaran terpilih (dengan alasan)…"))
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            changed = registration_set_status(registrations=list(queryset), status=Registration.Status.REJECTED,
                                              reason=form.cleaned_data["reason"], by=request.user)
            self.message_user(request, ngettext("%(n)d pendaftaran ditolak.", "%(n)d pendaftaran ditolak.", changed)
                              % {"n": changed}, messages.SUCCESS)
            return None
        return self._reject_page(request, form, queryset.select_related("participant__unit"),
                                 action_url=reverse("admin:attendance_registration_changelist"), bulk=True)

    @admin.action(description=gettext_lazy("Batalkan pendaftaran terpilih"))
    def cancel_selected(self, request, queryset):
        changed, failed = self._set_status_each(request, queryset, Registration.Status.CANCELLED,
                                                reason=_("Dibatalkan oleh panitia."))
        self.message_user(request, ngettext("%(n)d pendaftaran dibatalkan.", "%(n)d pendaftaran dibatalkan.", changed)
                          % {"n": changed}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Ekspor ke Excel (.xlsx)"))
    def export_xlsx(self, request, queryset):
        event = _single_event(queryset)
        response = HttpResponse(
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{exporting.export_filename(event, "xlsx")}"'
        exporting.export_xlsx(event=None, registrations=queryset, fileobj=response)
        return response

    @admin.action(description=gettext_lazy("Ekspor ke CSV"))
    def export_csv(self, request, queryset):
        event = _single_event(queryset)
        response = StreamingHttpResponse(
            (line.encode("utf-8") for line in exporting.csv_lines(registrations=queryset)),
            content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{exporting.export_filename(event, "csv")}"'
        return response

    @admin.action(description=gettext_lazy("Kirim tautan portal ke e-mail peserta"))
    def send_portal_links(self, request, queryset):
        queued = 0
        by_event: dict[int, list] = {}
        for event_id, pk in queryset.values_list("event_id", "pk"):
            by_event.setdefault(event_id, []).append(pk)
        for event in Event.objects.filter(pk__in=list(by_event)):
            queued += import_send_links(event=event, registration_ids=by_event[event.pk])
        self.message_user(request, ngettext(
            "Tautan portal dikirim ke %(n)d peserta yang aktif dan memiliki e-mail.",
            "Tautan portal dikirim ke %(n)d peserta yang aktif dan memiliki e-mail.", queued) % {"n": queued},
            messages.SUCCESS)

    # -- single registration: approve / reject / cancel from its page

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("import/template/<int:event_id>/", self.admin_site.admin_view(self.import_template_view),
                 name="%s_%s_import_template" % info),
            path("<int:pk>/status/<str:status>/", self.admin_site.admin_view(self.status_view),
                 name="%s_%s_status" % info),
            path("<int:pk>/reject/", self.admin_site.admin_view(self.reject_view), name="%s_%s_reject" % info),
        ] + super().get_urls()

    def _require_organiser(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied

    def status_view(self, request, pk, status):
        self._require_organiser(request)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        reg = get_object_or_404(Registration.objects.select_related("participant"), pk=pk)
        if status not in (Registration.Status.APPROVED, Registration.Status.CANCELLED, Registration.Status.PENDING):
            raise PermissionDenied
        reason = _("Dibatalkan oleh panitia.") if status == Registration.Status.CANCELLED else ""
        try:
            registration_set_status(registrations=[reg], status=status, reason=reason, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            reg.refresh_from_db()
            self.message_user(request, _("Status %(name)s sekarang: %(status)s.") % {
                "name": reg.participant.full_name, "status": reg.get_status_display()}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:attendance_registration_change", args=[pk]))

    def reject_view(self, request, pk):
        self._require_organiser(request)
        reg = get_object_or_404(Registration.objects.select_related("participant__unit"), pk=pk)
        form = RejectForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            registration_set_status(registrations=[reg], status=Registration.Status.REJECTED,
                                    reason=form.cleaned_data["reason"], by=request.user)
            self.message_user(request, _("Pendaftaran %(name)s ditolak.") % {"name": reg.participant.full_name},
                              messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:attendance_registration_change", args=[pk]))
        return self._reject_page(request, form, [reg], action_url=request.path, bulk=False)

    def _reject_page(self, request, form, registrations, action_url, bulk):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Tolak pendaftaran"),
            "form": form,
            "registrations": registrations,
            "action_url": action_url,
            "bulk": bulk,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/attendance/registration/reject.html", context)

    # -- import

    def import_template_view(self, request, event_id):
        self._require_organiser(request)
        event = get_object_or_404(Event, pk=event_id)
        response = HttpResponse(import_template_xlsx(event),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="templat-impor-{event.slug}.xlsx"'
        return response

    @upload_limit("IMPORT_MAX_BYTES")
    def import_view(self, request):
        """Upload → dry-run report → confirm → apply. The file waits in storage between the two steps."""
        self._require_organiser(request)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Impor peserta"),
                   "public_task_notice": PUBLIC_TASK_NOTICE,
                   "public_task_notice_version": settings.PUBLIC_TASK_NOTICE_VERSION}
        pending = request.session.get(IMPORT_SESSION_KEY, {})
        if request.method == "POST" and "token" in request.POST:
            token = request.POST["token"]
            entry = pending.get(token)
            if entry is None:
                messages.error(request, _("Berkas uji coba tidak ditemukan lagi (mungkin sudah diimpor). Unggah ulang."))
                return HttpResponseRedirect(request.path)
            event = get_object_or_404(Event, pk=entry["event"])
            if "cancel" in request.POST:
                _discard(pending, token)
                request.session.modified = True
                messages.info(request, _("Impor dibatalkan; tidak ada yang disimpan."))
                return HttpResponseRedirect(request.path)
            header_row = entry.get("header_row")
            if "recheck" in request.POST:  # the organiser picked another header row: dry run again
                try:
                    header_row = int(request.POST.get("header_row") or 0) or None
                except ValueError:
                    header_row = None
                return self._import_dry_run(request, context, pending, token, entry, event, header_row)
            if entry.get("warnings") and not request.POST.get("accept_columns"):
                context["column_error"] = _("Baca peringatan kolom di bawah lalu centang persetujuannya, atau perbaiki "
                                            "berkasnya dan unggah lagi.")
                return self._import_dry_run(request, context, pending, token, entry, event, header_row)
            try:
                with default_storage.open(entry["path"], "rb") as fh:
                    report = import_participants(event=event, source=fh, filename=entry["name"], dry_run=False,
                                                 by=request.user, header_row=header_row,
                                                 accept_column_warnings=bool(request.POST.get("accept_columns")))
            except ImportFileError as exc:
                context.update(form=ImportForm(initial={"event": event}), file_error=exc.message)
                return TemplateResponse(request, "admin/attendance/registration/import.html", context)
            _discard(pending, token)
            request.session.modified = True
            context.update(report=report, issues=report.issues[:REPORT_LIMIT], applied=True, event=event,
                           more=max(len(report.issues) - REPORT_LIMIT, 0))
            return TemplateResponse(request, "admin/attendance/registration/import.html", context)

        form = ImportForm(request.POST or None, request.FILES or None, initial={"event": request.GET.get("event")})
        if request.method == "POST" and form.is_valid():
            event, upload = form.cleaned_data["event"], form.cleaned_data["file"]
            ext = os.path.splitext(upload.name)[1].lower()
            token = uuid.uuid4().hex
            stored = default_storage.save(f"imports/{token}{ext}", upload)
            entry = {"path": stored, "name": upload.name, "event": event.pk}
            return self._import_dry_run(request, context, pending, token, entry, event, None, form=form)
        context.update(form=form, events=Event.objects.all()[:20])
        return TemplateResponse(request, "admin/attendance/registration/import.html", context)


    def _import_dry_run(self, request, context, pending, token, entry, event, header_row, form=None):
        """Check the stored file (with the header row the organiser picked, if any) and show the report."""
        try:
            with default_storage.open(entry["path"], "rb") as fh:
                report = import_participants(event=event, source=fh, filename=entry["name"], dry_run=True,
                                             header_row=header_row)
        except ImportFileError as exc:
            if form is None:  # a re-check with another header row: keep the file, let them pick again
                context.update(file_error=exc.message, token=token, event=event, recheck_failed=True,
                               header_choices=entry.get("choices", []), header_row=header_row)
                return TemplateResponse(request, "admin/attendance/registration/import.html", context)
            default_storage.delete(entry["path"])
            context.update(form=form, file_error=exc.message)
            return TemplateResponse(request, "admin/attendance/registration/import.html", context)
        entry.update(header_row=header_row, warnings=bool(report.column_warnings), choices=report.header_choices)
        pending[token] = entry
        request.session[IMPORT_SESSION_KEY] = pending
        request.session.modified = True
        context.update(report=report, issues=report.issues[:REPORT_LIMIT], token=token, event=event,
                       more=max(len(report.issues) - REPORT_LIMIT, 0), header_choices=report.header_choices,
                       header_row=report.header_row)
        return TemplateResponse(request, "admin/attendance/registration/import.html", context)


def _discard(pending: dict, token: str) -> None:
    entry = pending.pop(token, None)
    if entry:
        default_storage.delete(entry["path"])


def _single_event(queryset):
    ids = list(queryset.order_by().values_list("event_id", flat=True).distinct()[:2])
    return Event.objects.filter(pk=ids[0]).first() if len(ids) == 1 else None


# ---------------------------------------------------------------- quotas


_usage = threading.local()


@admin.register(UnitQuota)
class UnitQuotaAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("unit", "event", "in_person_seats", "used_per_day")
    list_filter = ("event", "unit__kind")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "event")
    autocomplete_fields = ("unit",)

    class Media:
        css = {"all": ["rakor/admin.css"]}  # .rakor-over-quota: no style= attributes under the CSP

    def changelist_view(self, request, extra_context=None):
        _usage.cache = {}  # per request: quota_usage once per event shown
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("kursi terpakai per hari"))
    def used_per_day(self, quota):
        cache = getattr(_usage, "cache", None)
        if cache is None:
            cache = _usage.cache = {}
        if quota.event_id not in cache:
            cache[quota.event_id] = {use.unit.pk: use for use in quota_usage(quota.event)}
        use = cache[quota.event_id].get(quota.unit_id)
        if use is None:
            return "-"
        return format_html_join(
            " · ", '<span class="{}">{} {}/{}</span>',
            (("rakor-over-quota" if n >= use.seats else "", formats.date_format(d, "j/n"), n, use.seats)
             for d, n in use.used_per_day.items()))


# ---------------------------------------------------------------- personal data requests (UU PDP)


@admin.register(DataRequest)
class DataRequestAdmin(AuditedAdminMixin, OrganiserAdmin):
    list_display = ("participant", "status", "created_at", "handled_at", "handled_by")
    list_filter = ("status",)
    search_fields = ("participant__full_name", "participant__id_number", "participant__email")
    list_select_related = ("participant", "handled_by")
    readonly_fields = ("participant", "registration", "reason", "status", "created_at", "handled_at", "handled_by")
    fields = ("participant", "registration", "reason", "status", "created_at", "handled_at", "handled_by", "note")
    actions = ["anonymise_selected", "refuse_selected"]
    organiser_can_delete = False

    def has_add_permission(self, request):
        return False  # requests come from the participant's portal

    @admin.action(description=gettext_lazy("Hapus data pribadi peserta (anonimkan) untuk permintaan terpilih"))
    def anonymise_selected(self, request, queryset):
        done = 0
        for data_request in queryset.filter(status=DataRequest.Status.OPEN).select_related("participant"):
            participant_erase(participant=data_request.participant, by=request.user, note=data_request.note)
            done += 1
        self.message_user(request, ngettext(
            "Data pribadi %(n)d peserta dihapus; catatan kehadiran tetap disimpan.",
            "Data pribadi %(n)d peserta dihapus; catatan kehadiran tetap disimpan.", done) % {"n": done},
            messages.SUCCESS)

    @admin.action(description=gettext_lazy("Tandai ditolak (isi catatan panitia terlebih dahulu)"))
    def refuse_selected(self, request, queryset):
        from django.utils import timezone

        missing = queryset.filter(status=DataRequest.Status.OPEN, note="").count()
        if missing:
            self.message_user(request, _("Isi catatan panitia (alasan penolakan) pada setiap permintaan sebelum "
                                         "menolaknya."), messages.ERROR)
            return
        from django.db import transaction

        n = 0
        with transaction.atomic():
            for data_request in queryset.filter(status=DataRequest.Status.OPEN).select_for_update(of=("self",)):
                before = snapshot(data_request)
                data_request.status = DataRequest.Status.REFUSED
                data_request.handled_at, data_request.handled_by = timezone.now(), request.user
                data_request.save(update_fields=["status", "handled_at", "handled_by"])
                audit_record(actor=request.user, action="refuse", obj=data_request, before=before,
                             after=snapshot(data_request), reason=data_request.note)
                n += 1
        self.message_user(request, ngettext("%(n)d permintaan ditandai ditolak.", "%(n)d permintaan ditandai ditolak.", n)
                          % {"n": n}, messages.SUCCESS)


# ---------------------------------------------------------------- meeting-platform reports (online attendance)


class MeetingReportRowInline(ReadOnlyInline):
    model = MeetingReportRow
    fields = ("line", "name", "email", "joined_at", "left_at", "minutes", "registration", "status", "problem")
    readonly_fields = fields
    show_change_link = False


@admin.register(MeetingReport)
class MeetingReportAdmin(OrganiserAdmin):
    """Read-only: reports come in through the import (attendance.views.online), never typed here."""

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


# ---------------------------------------------------------------- the event, with its seat quotas


# rakor's EventAdmin, with the quota usage of every unit (attendance's data) under its fields.
admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(RakorEventAdmin):
    readonly_fields = (*RakorEventAdmin.readonly_fields, "quota_usage_table")
    fieldsets = (*RakorEventAdmin.fieldsets, (gettext_lazy("Pemakaian kuota luring"), {"fields": ("quota_usage_table",)}))

    @admin.display(description=gettext_lazy("kuota per unit dan hari"))
    def quota_usage_table(self, event: Event):
        if not event.pk:
            return "-"
        uses = quota_usage(event)
        if not uses:
            return _("Belum ada kuota unit untuk acara ini (tambah di menu Kuota unit).")
        head = format_html_join("", "<th>{}</th>", ((formats.date_format(d, "D j M"),) for d in event.days))
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td>{}</tr>",
            ((use.unit.name, use.seats,
              format_html_join("", "<td>{}</td>", ((use.used_per_day.get(d, 0),) for d in event.days)))
             for use in uses),
        )
        return format_html('<table><thead><tr><th>{}</th><th>{}</th>{}</tr></thead><tbody>{}</tbody></table>',
                           _("Unit"), _("Kursi"), head, body)
