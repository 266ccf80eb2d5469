"""Approval as a workflow (issue 12, item 3): approvers decide on pending registrations,
one by one or in bulk, and see who holds their unit's in-person seats.

Organisers decide on every registration; a coordinator on the registrations of their
unit's subtree (``rakor.roles.can_manage_unit`` through ``services.registration_decide``).
Every decision goes through the service (locks, audit trail, the participant's e-mail on
commit). A registration outside the approver's units is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rakor.access import staff_area
from rakor.models import Event, Unit
from rakor.roles import coordinator_unit, is_organiser, managed_units

from .. import selectors, services
from ..forms import apply_errors
from ..identity import clean_number, wa_link
from ..models import Registration, RegistrationDay

PAGE_SIZE = 100
RECENT_DECISIONS = 20


# Organisers everywhere, coordinators for their unit's subtree (the services check each row).
approver_area = staff_area


def _common(request, event: Event) -> dict:
    return {"event": event, "is_organiser": is_organiser(request.user), "own_unit": coordinator_unit(request.user),
            "logout_url": reverse("logout")}


def status_message(registration: Registration) -> str:
    """The WhatsApp message an approver sends the person about their registration's status (prefilled)."""
    values = {"name": registration.participant.full_name, "event": registration.event.name,
              "url": registration.portal_url, "reason": registration.status_reason}
    if registration.status == Registration.Status.APPROVED:
        return _("Yth. %(name)s, pendaftaran Anda pada %(event)s telah disetujui. Tiket QR, agenda dan tautan sesi "
                 "ada di portal pribadi Anda: %(url)s — Tautan ini rahasia, jangan dibagikan.") % values
    if registration.status == Registration.Status.REJECTED:
        return _("Yth. %(name)s, mohon maaf, pendaftaran Anda pada %(event)s tidak dapat disetujui. Alasan: "
                 "%(reason)s. Rinciannya ada di portal pribadi Anda: %(url)s") % values
    if registration.status == Registration.Status.CANCELLED:
        return _("Yth. %(name)s, pendaftaran Anda pada %(event)s dibatalkan. Alasan: %(reason)s. "
                 "Rinciannya ada di portal pribadi Anda: %(url)s") % values
    return _("Yth. %(name)s, pendaftaran Anda pada %(event)s sudah kami terima dan sedang menunggu persetujuan. "
             "Statusnya dapat Anda lihat di portal pribadi Anda: %(url)s — Tautan ini rahasia, jangan dibagikan.") % values


def _with_links(rows: list[Registration], event: Event) -> list[Registration]:
    for r in rows:
        r.event = event  # same row; spares a query per registration
        by_day = {d.date: d.mode for d in r.days.all()}
        r.day_list = [(day, by_day[day]) for day in event.days if day in by_day]
        r.wa_url = wa_link(r.participant.whatsapp, status_message(r)) if r.participant.whatsapp else ""
    return rows


class DecisionForm(forms.Form):
    """Approve or refuse the checked rows (or one row's own approve button)."""

    APPROVE, REFUSE = "approve", "refuse"
    action = forms.ChoiceField(choices=[(APPROVE, gettext_lazy("Setujui")), (REFUSE, gettext_lazy("Tolak"))])
    reason = forms.CharField(label=gettext_lazy("Alasan penolakan"), max_length=500, required=False,
                             widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Wajib diisi untuk menolak")}))

    def __init__(self, data=None, **kwargs):
        self.ids: list[str] = []
        if data is not None:
            data = data.copy()
            self.ids = data.getlist("ids")
            single = data.get("single", "")
            if single:
                data["action"], self.ids = self.APPROVE, [single]
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if not self.ids:
            raise ValidationError(_("Centang sedikitnya satu pendaftaran."))
        return cleaned


def _scope(request, event: Event):
    """(registrations the user may decide on, the unit filter chosen from ?unit=, the unit choices)."""
    units = managed_units(request.user)
    visible = selectors.registrations_visible_to(request.user, event)
    unit_filter = None
    raw_unit = request.GET.get("unit", "")
    if raw_unit.isdigit():
        unit_filter = units.filter(pk=int(raw_unit)).first()
    if unit_filter is not None:
        visible = visible.filter(participant__unit__path__startswith=unit_filter.path)
    choices = [(u, u.path.count("/") - 2) for u in units.order_by("path").only("pk", "name", "path")]
    return visible, unit_filter, choices


def _decide(request, chosen, *, approve: bool, reason: str, form) -> bool:
    try:
        if not chosen:
            raise ValidationError(_("Pendaftaran yang dicentang tidak ditemukan."))
        n = services.registration_decide(registrations=chosen, approve=approve, reason=reason, by=request.user)
    except services.DecisionRefused as exc:
        raise PermissionDenied(str(exc))
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    if approve:
        messages.success(request, ngettext(
            "%(n)d pendaftaran disetujui; pesertanya diberi tahu lewat e-mail (dengan tiket).",
            "%(n)d pendaftaran disetujui; pesertanya diberi tahu lewat e-mail (dengan tiket).", n) % {"n": n})
    else:
        messages.success(request, ngettext(
            "%(n)d pendaftaran ditolak; pesertanya diberi tahu lewat e-mail.",
            "%(n)d pendaftaran ditolak; pesertanya diberi tahu lewat e-mail.", n) % {"n": n})
    if n < len(chosen):
        messages.info(request, _("Pendaftaran yang sudah diputuskan sebelumnya tidak diubah."))
    return True


@approver_area
def approvals(request, event):
    """The pending registrations of the approver's units: decide one by one or in bulk; the latest decisions."""
    event = get_object_or_404(Event, slug=event)
    visible, unit_filter, unit_choices = _scope(request, event)
    pending = visible.filter(status=Registration.Status.PENDING)
    q = " ".join(request.GET.get("q", "").split())
    if q:
        match = Q(participant__full_name__icontains=q)
        digits = clean_number(q)
        if digits.isdigit():
            match |= Q(participant__id_number__contains=digits)
        pending = pending.filter(match)
    form = None
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            chosen = list(visible.filter(public_id__in=form.ids, status=Registration.Status.PENDING))
            if len(chosen) < len(set(form.ids)):
                chosen += list(visible.filter(public_id__in=form.ids).exclude(status=Registration.Status.PENDING))
            approve = form.cleaned_data["action"] == DecisionForm.APPROVE
            if _decide(request, chosen, approve=approve, reason=form.cleaned_data["reason"], form=form):
                return redirect(request.get_full_path())
    page = Paginator(pending.order_by("created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _with_links(list(page.object_list), event)
    recent = _with_links(list(
        visible.filter(status_changed_at__isnull=False).exclude(status=Registration.Status.PENDING)
        .select_related("status_changed_by").order_by("-status_changed_at", "-pk")[:RECENT_DECISIONS]), event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "attendance/approvals/list.html", {
        **_common(request, event), "rows": rows, "page": page, "recent": recent, "form": form or DecisionForm(),
        "checked": set(form.ids) if form is not None else set(), "q": q, "unit_filter": unit_filter,
        "unit_choices": unit_choices, "days": event.days, "n_pending": page.paginator.count,
        "seats_held_until": _held_until(event), "query": query.urlencode(),
    })


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Alasan penolakan"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Alasan ini dikirim kepada peserta lewat e-mail dan tampil di portalnya."),
        error_messages={"required": gettext_lazy("Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta.")},
    )


@approver_area
def refuse_one(request, event, public_id):
    """Refuse one pending registration, with its reason (GET shows the form)."""
    event = get_object_or_404(Event, slug=event)
    registration = (selectors.registrations_visible_to(request.user, event).select_related("event")
                    .filter(public_id=public_id).first())
    if registration is None:
        raise Http404(_("Pendaftaran tidak ditemukan."))
    form = RefuseForm(request.POST or None)
    if registration.status != Registration.Status.PENDING:
        messages.info(request, _("Pendaftaran %(name)s sudah diputuskan: %(status)s.") % {
            "name": registration.participant.full_name, "status": registration.get_status_display()})
        return redirect("attendance:approvals", event=event.slug)
    if request.method == "POST" and form.is_valid():
        if _decide(request, [registration], approve=False, reason=form.cleaned_data["reason"], form=form):
            return redirect("attendance:approvals", event=event.slug)
    return render(request, "attendance/approvals/refuse.html",
                  {**_common(request, event), "form": form, "registration": registration})


def _held_until(event: Event):
    """When pending registrations stop holding seats (the registration's close), or None (while it is open)."""
    closes = event.registration_closes
    return timezone.localtime(closes, event.tz) if closes else None


@approver_area
def seat_holders(request, event):
    """Who holds the in-person seats of the approver's units, per day: approved, and pending until the close."""
    event = get_object_or_404(Event, slug=event)
    visible, unit_filter, unit_choices = _scope(request, event)
    holders = (visible.filter(Registration.seat_holders_q(event), days__mode=RegistrationDay.Mode.IN_PERSON)
               .distinct().order_by("participant__unit__sort_order", "participant__unit__name",
                                    "participant__full_name", "pk"))
    page = Paginator(holders, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _with_links(list(page.object_list), event)
    scope_unit = unit_filter or (None if is_organiser(request.user) else coordinator_unit(request.user))
    uses = selectors.quota_usage(event, units=Unit.objects.subtree(scope_unit) if scope_unit else None)
    quota_rows = [{"unit": u.unit, "seats": u.seats, "full": u.full, "ancestor": False,
                   "cells": [{"day": d, "used": u.used_per_day.get(d, 0), "full": u.used_per_day.get(d, 0) >= u.seats}
                             for d in event.days]} for u in uses]
    closed = event.registration_closes is not None and timezone.now() >= event.registration_closes
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "attendance/approvals/seats.html", {
        **_common(request, event), "rows": rows, "page": page, "days": event.days, "quota_rows": quota_rows,
        "unit_filter": unit_filter, "unit_choices": unit_choices, "held_until": _held_until(event),
        "registration_closed": closed, "query": query.urlencode(),
        "closes_text": formats.date_format(_held_until(event), "l, j F Y H:i") if event.registration_closes else "",
    })
