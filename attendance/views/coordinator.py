"""Pages for unit coordinators (their own unit's delegation) and organisers (every unit).

Views stay thin: who may see what comes from rakor.roles and
selectors.registrations_visible_to; every write goes through attendance.services.
A registration outside the user's units is a 404, never a 403, so its existence
is not revealed.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rakor.access import staff_area
from rakor.models import Event, Unit
from rakor.roles import coordinator_unit, is_organiser, managed_units

from .. import selectors, services
from ..forms import PUBLIC_TASK_NOTICE, RegistrationForm, apply_errors
from ..identity import wa_link
from ..certificate_lookup import certificates_by_registration
from ..models import Registration, RegistrationDay
from ..search import digits_only, looks_like_number, name_match

PAGE_SIZE = 100


def _registration_or_404(request, event: Event, public_id: str) -> Registration:
    registration = (
        selectors.registrations_visible_to(request.user, event)
        .select_related("event")
        .filter(public_id=public_id)
        .first()
    )
    if registration is None:
        raise Http404(_("Pendaftaran tidak ditemukan."))
    return registration


def _common(request, event: Event | None = None) -> dict:
    user = request.user
    return {
        "event": event,
        "is_organiser": is_organiser(user),
        "own_unit": coordinator_unit(user),
        "logout_url": reverse("logout"),
    }


# ---------------------------------------------------------------- event list


@staff_area
def coordinator_home(request):
    """The events, each with registration figures for the user's units."""
    mine = Q(registrations__participant__unit__in=managed_units(request.user))
    events = Event.objects.annotate(
        n_total=Count("registrations", filter=mine),
        n_pending=Count("registrations", filter=mine & Q(registrations__status=Registration.Status.PENDING)),
        n_approved=Count("registrations", filter=mine & Q(registrations__status=Registration.Status.APPROVED)),
        n_closed=Count("registrations", filter=mine & Q(
            registrations__status__in=[Registration.Status.REJECTED, Registration.Status.CANCELLED])),
    ).select_related("organiser_unit")
    return render(request, "attendance/coordinator/home.html", {**_common(request), "events": events})


# ---------------------------------------------------------------- quotas


def _quota_rows(event: Event, uses, *, ancestor_unit_ids=()) -> list[dict]:
    rows = []
    for use in uses:
        cells = [
            {"day": day, "used": use.used_per_day.get(day, 0), "full": use.used_per_day.get(day, 0) >= use.seats}
            for day in event.days
        ]
        rows.append({"unit": use.unit, "seats": use.seats, "cells": cells, "full": use.full,
                     "ancestor": use.unit.pk in ancestor_unit_ids})
    return rows


def _quotas_for_scope(event: Event, unit: Unit) -> list[dict]:
    """Quotas inside `unit`'s subtree, plus the ancestor quota that governs `unit` if any."""
    uses = selectors.quota_usage(event, units=Unit.objects.subtree(unit))
    governing = services.quota_for_unit(event=event, unit=unit)
    ancestor_ids = ()
    if governing is not None and governing.unit_id != unit.pk:
        uses = selectors.quota_usage(event, units=Unit.objects.filter(pk=governing.unit_id)) + uses
        ancestor_ids = (governing.unit_id,)
    return _quota_rows(event, uses, ancestor_unit_ids=ancestor_ids)


@staff_area
def unit_quotas(request, event):
    """Every quota with its use per day (organisers); a coordinator sees the quotas over their units."""
    event = get_object_or_404(Event, slug=event)
    organiser = is_organiser(request.user)
    if organiser:
        rows = _quota_rows(event, selectors.quota_usage(event))
    else:
        rows = _quotas_for_scope(event, coordinator_unit(request.user))
    capacity = None
    if organiser:
        counts = dict(
            RegistrationDay.objects.filter(
                Registration.seat_holders_q(event, prefix="registration__"), registration__event=event,
                mode=RegistrationDay.Mode.IN_PERSON,
            ).values_list("date").annotate(n=Count("pk"))
        )
        capacity = [
            {"day": day, "used": counts.get(day, 0),
             "full": event.in_person_capacity is not None and counts.get(day, 0) >= event.in_person_capacity}
            for day in event.days
        ]
    return render(request, "attendance/coordinator/quotas.html", {
        **_common(request, event), "rows": rows, "days": event.days, "capacity": capacity,
        "n_full": sum(1 for r in rows if r["full"]),
    })


# ---------------------------------------------------------------- delegation list


class BulkStatusForm(forms.Form):
    """Organisers' approve / reject over the checked rows (or one row's own button)."""

    APPROVE, REJECT = "approve", "reject"
    action = forms.ChoiceField(choices=[(APPROVE, gettext_lazy("Setujui")), (REJECT, gettext_lazy("Tolak"))])
    reason = forms.CharField(label=gettext_lazy("Alasan penolakan"), max_length=500, required=False,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Wajib diisi untuk menolak")}))

    def __init__(self, data=None, **kwargs):
        self.ids: list[str] = []
        if data is not None:
            data = data.copy()
            self.ids = data.getlist("ids")
            single = data.get("single", "")
            if ":" in single:
                # A row's own button acts on that row only, whatever else is checked.
                data["action"], one = single.split(":", 1)
                self.ids = [one]
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not self.ids:
            raise ValidationError(_("Centang sedikitnya satu pendaftaran."))
        return cleaned

    @property
    def status(self) -> str:
        return {self.APPROVE: Registration.Status.APPROVED,
                self.REJECT: Registration.Status.REJECTED}[self.cleaned_data["action"]]


def _portal_message(registration: Registration) -> str:
    return _(
        "Yth. %(name)s, Anda telah didaftarkan pada %(event)s. Tiket QR, agenda, tautan sesi daring dan "
        "sertifikat ada di portal pribadi Anda: %(url)s — Tautan ini rahasia, jangan dibagikan."
    ) % {"name": registration.participant.full_name, "event": registration.event.name, "url": registration.portal_url}


@staff_area
def unit_registrations(request, event):
    """A unit's delegation: filter by unit in the subtree, search, counts, quota use, bulk decisions."""
    event = get_object_or_404(Event, slug=event)
    user = request.user
    organiser = is_organiser(user)
    units = managed_units(user)
    visible = selectors.registrations_visible_to(user, event)

    unit_filter = None
    raw_unit = request.GET.get("unit", "")
    if raw_unit.isdigit():
        unit_filter = units.filter(pk=int(raw_unit)).first()
    scoped = visible.filter(participant__unit__in=Unit.objects.subtree(unit_filter)) if unit_filter else visible
    counts = selectors.registration_counts(event, scoped)

    q = " ".join(request.GET.get("q", "").split())
    status = request.GET.get("status", "")
    listed = scoped
    if q:  # names without diacritics or titles, numbers with or without spaces (attendance.search)
        match = name_match(q) or Q(pk__in=[])
        if looks_like_number(q):
            match |= Q(participant__id_digits__contains=digits_only(q))
        listed = listed.filter(match)
    if status in Registration.Status.values:
        listed = listed.filter(status=status)
    listed = listed.order_by("participant__unit__name", "participant__full_name", "pk")

    bulk = None
    if request.method == "POST":
        if not organiser:
            raise PermissionDenied(_("Hanya panitia yang dapat menyetujui atau menolak pendaftaran."))
        bulk = BulkStatusForm(request.POST)
        if bulk.is_valid():
            chosen = list(visible.filter(public_id__in=bulk.ids))
            try:
                if not chosen:
                    raise ValidationError(_("Pendaftaran yang dicentang tidak ditemukan."))
                n = services.registration_set_status(
                    registrations=chosen, status=bulk.status, reason=bulk.cleaned_data["reason"], by=user
                )
            except ValidationError as exc:
                apply_errors(bulk, exc)
            else:
                if bulk.status == Registration.Status.APPROVED:
                    messages.success(request, ngettext("%(n)d pendaftaran disetujui.", "%(n)d pendaftaran disetujui.", n) % {"n": n})
                else:
                    messages.success(request, ngettext("%(n)d pendaftaran ditolak.", "%(n)d pendaftaran ditolak.", n) % {"n": n})
                return redirect(request.get_full_path())

    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    for r in rows:
        by_day = {d.date: d.mode for d in r.days.all()}
        r.day_modes = [by_day.get(day) for day in event.days]
        r.event = event  # same row; spares a query per registration in portal_url/_portal_message
        if r.is_active:
            r.portal_link = r.portal_url
            r.wa_url = wa_link(r.participant.whatsapp, _portal_message(r)) if r.participant.whatsapp else ""

    scope_unit = unit_filter or (None if organiser else coordinator_unit(user))
    quota_rows = _quotas_for_scope(event, scope_unit) if scope_unit is not None else None

    unit_choices = [(u, u.path.count("/") - 2) for u in units.order_by("path").only("pk", "name", "path")]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "attendance/coordinator/registrations.html", {
        **_common(request, event), "rows": rows, "page": page, "counts": counts, "quota_rows": quota_rows,
        "unit_filter": unit_filter, "unit_choices": unit_choices, "q": q, "status": status,
        "statuses": Registration.Status.choices, "bulk": bulk or BulkStatusForm(), "days": event.days,
        "checked": set(bulk.ids) if bulk is not None else set(), "query": query.urlencode(),
    })


# ---------------------------------------------------------------- add / edit / cancel


def _form_context(request, event, form, **extra) -> dict:
    day_names = {name for name, _day in form.day_fields}
    return {
        **_common(request, event), "form": form,
        # They register someone else: the lawful basis is the public task, and they are told so.
        "public_task_notice": PUBLIC_TASK_NOTICE, "public_task_notice_version": settings.PUBLIC_TASK_NOTICE_VERSION,
        "person_fields": [form[n] for n in form.fields if n not in day_names and n != "role"],
        "day_fields": [form[n] for n, _day in form.day_fields],
        "role_field": form["role"],
        **extra,
    }


@staff_area
def unit_add(request, event):
    """Register a person of the user's units (channel: coordinator, or organiser for organisers)."""
    event = get_object_or_404(Event, slug=event)
    user = request.user
    own = coordinator_unit(user)
    form = RegistrationForm(
        request.POST or None, event=event, units=managed_units(user), with_role=True,
        initial={"unit": own.pk} if own else None,
    )
    if request.method == "POST" and form.is_valid():
        channel = Registration.Channel.ORGANISER if is_organiser(user) else Registration.Channel.COORDINATOR
        try:
            registration = services.registration_create(
                event=event, data=form.participant_data(), days=form.days(), role=form.cleaned_data["role"],
                channel=channel, by=user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            person = registration.participant
            if person.email:
                messages.success(request, _("%(name)s terdaftar. Tautan portal dikirim ke %(email)s.")
                                 % {"name": person.full_name, "email": person.email})
            else:
                messages.success(request, _("%(name)s terdaftar. Kirim tautan portalnya lewat WhatsApp dari daftar.")
                                 % {"name": person.full_name})
            if "another" in request.POST:
                return redirect("attendance:unit_add", event=event.slug)
            return redirect("attendance:unit_list", event=event.slug)
    return render(request, "attendance/coordinator/form.html", _form_context(request, event, form, registration=None))


@staff_area
def unit_edit(request, event, public_id):
    """Change a person's data, days or role; seats are re-checked without counting this registration."""
    event = get_object_or_404(Event, slug=event)
    registration = _registration_or_404(request, event, public_id)
    initial, day_initial = RegistrationForm.initial_for(registration)
    form = RegistrationForm(
        request.POST or None, event=event, units=managed_units(request.user), with_role=True,
        initial=initial, day_initial=day_initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_update(
                registration=registration, data=form.participant_data(), days=form.days(),
                role=form.cleaned_data["role"], by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Data %(name)s disimpan.") % {"name": form.participant_data().full_name})
            return redirect("attendance:unit_list", event=event.slug)
    return render(request, "attendance/coordinator/form.html",
                  _form_context(request, event, form, registration=registration))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan pembatalan"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Tuliskan alasan pembatalan; alasan ini tercatat dan terlihat oleh peserta.")},
    )


@staff_area
def unit_cancel(request, event, public_id):
    """Cancel a registration with a reason (frees its seats). GET asks for confirmation."""
    event = get_object_or_404(Event, slug=event)
    registration = _registration_or_404(request, event, public_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if registration.status == Registration.Status.CANCELLED:
            messages.info(request, _("Pendaftaran %(name)s sudah dibatalkan sebelumnya.")
                          % {"name": registration.participant.full_name})
            return redirect("attendance:unit_list", event=event.slug)
        try:
            services.registration_set_status(
                registrations=[registration], status=Registration.Status.CANCELLED,
                reason=form.cleaned_data["reason"], by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Pendaftaran %(name)s dibatalkan.") % {"name": registration.participant.full_name})
            return redirect("attendance:unit_list", event=event.slug)
    return render(request, "attendance/coordinator/cancel.html",
                  {**_common(request, event), "form": form, "registration": registration})


# ---------------------------------------------------------------- attendance of the delegation


ATTENDANCE_PAGE_SIZE = 100
CERTIFICATE_TOTAL_LIMIT = 5000  # above this many people the page counts certificates on its rows only


def _attendance_day(request, event: Event):
    """?day= if it is an event day; else today during the event, the last day after it, the first before it."""
    import datetime as dt

    from django.utils import timezone

    raw = request.GET.get("day", "")
    try:
        asked = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        asked = None
    if asked in event.days:
        return asked
    today = timezone.localtime(timezone.now(), event.tz).date()
    if today in event.days:
        return today
    return event.days[-1] if today > event.end_date else event.days[0]


def _reminder(registration: Registration, mode: str, day) -> str:
    from django.utils import formats

    values = {"name": registration.participant.full_name, "event": registration.event.name,
              "day": formats.date_format(day, "l, j F Y"), "url": registration.portal_url,
              "venue": registration.event.venue}
    if mode == RegistrationDay.Mode.IN_PERSON:
        return _("Yth. %(name)s, kehadiran Anda di %(event)s pada %(day)s belum tercatat. Mohon tunjukkan tiket QR "
                 "di meja registrasi %(venue)s. Tiket dan agenda ada di portal pribadi Anda: %(url)s") % values
    return _("Yth. %(name)s, Anda terdaftar mengikuti %(event)s secara daring pada %(day)s dan belum bergabung. "
             "Silakan bergabung melalui tombol di portal pribadi Anda: %(url)s") % values


@staff_area
def unit_attendance(request, event):
    """The delegation's attendance on one day: counts, who is missing (with a WhatsApp reminder), certificates."""
    from django.db.models import Exists, OuterRef, Subquery

    from ..models import CheckIn

    event = get_object_or_404(Event, slug=event)
    user = request.user
    organiser = is_organiser(user)
    units = managed_units(user)
    day = _attendance_day(request, event)
    unit_filter = None
    raw_unit = request.GET.get("unit", "")
    if raw_unit.isdigit():
        unit_filter = units.filter(pk=int(raw_unit)).first()
    scope_unit = unit_filter or (None if organiser else coordinator_unit(user))
    visible = Registration.objects.filter(event=event)
    if scope_unit is not None:
        visible = visible.filter(participant__unit__path__startswith=scope_unit.path)
    counts = selectors.registration_counts(event, visible)
    started = selectors.day_started(event, day)  # nobody is missing from what has not started
    summary = selectors.delegation_day_counts(event, day, units=scope_unit, started=started)

    ok_entries = CheckIn.objects.filter(registration=OuterRef("pk"), day=day, result=CheckIn.Result.OK,
                                        kind=CheckIn.Kind.ENTRY)
    rows_qs = (
        visible.filter(status=Registration.Status.APPROVED)
        .annotate(
            day_mode=Subquery(RegistrationDay.objects.filter(registration=OuterRef("pk"), date=day).values("mode")[:1]),
            door_at=Subquery(ok_entries.filter(session__isnull=True).order_by("scanned_at").values("scanned_at")[:1]),
            joined=Exists(ok_entries.filter(session__isnull=False, method__in=selectors.ONLINE_METHODS)),
        )
        .select_related("participant__unit")
    )
    missing_q = Q(pk__in=[])
    if started["in_person"]:
        missing_q |= Q(day_mode=RegistrationDay.Mode.IN_PERSON, door_at__isnull=True)
    if started["online"]:
        missing_q |= Q(day_mode=RegistrationDay.Mode.ONLINE, joined=False)
    show = "all" if request.GET.get("show") == "all" else "missing"
    listed = rows_qs.filter(missing_q) if show == "missing" else rows_qs.filter(day_mode__isnull=False)
    listed = listed.order_by("participant__unit__sort_order", "participant__unit__name", "participant__full_name", "pk")
    page = Paginator(listed, ATTENDANCE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    certificates = certificates_by_registration([r.pk for r in rows])
    from django.utils import timezone

    for r in rows:
        r.event = event
        r.certificate = certificates.get(r.pk)
        r.door_local = timezone.localtime(r.door_at, event.tz) if r.door_at else None
        r.is_missing = ((started["in_person"] and r.day_mode == RegistrationDay.Mode.IN_PERSON and r.door_at is None)
                        or (started["online"] and r.day_mode == RegistrationDay.Mode.ONLINE and not r.joined))
        r.wa_url = (wa_link(r.participant.whatsapp, _reminder(r, r.day_mode, day))
                    if r.is_missing and r.participant.whatsapp else "")
    issued_total = None
    if counts["approved"] <= CERTIFICATE_TOTAL_LIMIT:
        ids = list(visible.filter(status=Registration.Status.APPROVED).values_list("pk", flat=True))
        issued_total = len(certificates_by_registration(ids))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "attendance/coordinator/attendance.html", {
        **_common(request, event), "day": day, "days": event.days, "counts": counts, "summary": summary,
        "rows": rows, "page": page, "show": show, "unit_filter": unit_filter, "scope_unit": scope_unit,
        "unit_choices": [(u, u.path.count("/") - 2) for u in units.order_by("path").only("pk", "name", "path")],
        "issued_total": issued_total, "query": query.urlencode(), "started": started,
    })
