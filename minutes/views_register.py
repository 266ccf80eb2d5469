"""The follow-up register (daftar tindak lanjut): organisers see every unit, coordinators their subtree.

An item outside the user's units is a 404, never a 403 (its existence is not revealed).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rakor.media import stored_file_response
from rakor.models import Event, Unit
from rakor.roles import coordinator_unit, is_organiser, managed_units
from rakor.uploads import upload_limit

from . import selectors, services
from .documents import register_xlsx
from .forms import EvidenceForm, ItemStatusForm
from .models import ActionItem, ActionItemEvidence
from .views import signed_in

REGISTER_PAGE_SIZE = 100


def _may_see_register(user) -> bool:
    return is_organiser(user) or coordinator_unit(user) is not None


def _event_for(request, slug) -> Event:
    event = get_object_or_404(Event, slug=slug)
    if not _may_see_register(request.user):
        raise PermissionDenied(_("Daftar tindak lanjut untuk panitia dan koordinator unit."))
    return event


@signed_in
@require_http_methods(["GET", "HEAD"])
def register(request, event):
    event = _event_for(request, event)
    user = request.user
    units = managed_units(user).order_by("path")
    unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        unit = units.filter(pk=int(unit_id)).first()
    status = request.GET.get("status", "")
    if status not in ActionItem.Status.values:
        status = ""
    due = request.GET.get("due", "")
    if due not in ("overdue", "week", "month"):
        due = ""
    flt = selectors.RegisterFilter(unit=unit, status=status, due=due, q=request.GET.get("q", "").strip()[:100])
    today = timezone.localdate(timezone=event.tz)
    items = list(selectors.register_items(event, user, flt, today=today))
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            register_xlsx(event, items, today=today),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="tindak-lanjut-{event.slug}.xlsx"'
        return response
    # A page at a time (the counts above the table are over every matching follow-up; XLSX has them all).
    page = Paginator(items, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"item": it, "overdue": it.is_overdue(today)} for it in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    # Coordinators choose among the units that have follow-ups in their subtree; organisers too (shorter list).
    unit_ids = set(selectors.register_items(event, user).values_list("unit_id", flat=True))
    previous = services.previous_event(event) if is_organiser(user) else None
    return render(request, "minutes/register.html", {
        "event": event, "nav": "register", "rows": rows, "counts": selectors.register_counts(items),
        "units": Unit.objects.filter(pk__in=unit_ids).order_by("path") if unit_ids else [],
        "filter": flt, "statuses": ActionItem.Status.choices, "today": today,
        "own_unit": coordinator_unit(user), "is_organiser": is_organiser(user),
        "previous": previous, "other_events": Event.objects.exclude(pk=event.pk).order_by("-start_date")
        if is_organiser(user) else [],
        "query": query.urlencode(), "page": page,
    })


@signed_in
@require_POST
def carry_over(request, event):
    event = _event_for(request, event)
    if not is_organiser(request.user):
        raise PermissionDenied(_("Hanya panitia yang membawa tindak lanjut acara sebelumnya."))
    source = get_object_or_404(Event, pk=request.POST.get("source") or 0)
    try:
        n = services.carry_over(event=event, source=source, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(n)d tindak lanjut yang belum selesai dari “%(src)s” dibawa ke acara ini.") % {
            "n": n, "src": source.name})
    return redirect(reverse("minutes:register", kwargs={"event": event.slug}))


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
@upload_limit("EVIDENCE_MAX_BYTES")
def item_detail(request, event, pk):
    event = _event_for(request, event)
    item = selectors.register_item_for(request.user, event, pk)
    if item is None:
        raise Http404(_("Tindak lanjut tidak ditemukan."))
    status_form = ItemStatusForm(initial={"status": item.status, "note": item.progress_note})
    evidence_form = EvidenceForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "status":
                status_form = ItemStatusForm(request.POST)
                if status_form.is_valid():
                    services.set_item_status(item=item, by=request.user, status=status_form.cleaned_data["status"],
                                             note=status_form.cleaned_data["note"])
                    messages.success(request, _("Status tindak lanjut diperbarui."))
                    return redirect(request.path)
            elif request.POST.get("action") == "evidence":
                evidence_form = EvidenceForm(request.POST, request.FILES)
                if evidence_form.is_valid():
                    d = evidence_form.cleaned_data
                    services.add_evidence(item=item, by=request.user, note=d["note"], link=d["link"],
                                          file=d.get("file"))
                    messages.success(request, _("Bukti tindak lanjut ditambahkan."))
                    return redirect(request.path)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return render(request, "minutes/item.html", {
        "event": event, "nav": "register", "item": item, "overdue": item.is_overdue(timezone.localdate(timezone=event.tz)),
        "status_form": status_form, "evidence_form": evidence_form, "evidence": list(item.evidence.all()),
        "can_track": services.can_track(request.user, item),
    })


@signed_in
@require_http_methods(["GET", "HEAD"])
def evidence_file(request, event, pk, evidence):
    event = _event_for(request, event)
    item = selectors.register_item_for(request.user, event, pk)
    if item is None:
        raise Http404
    ev = get_object_or_404(ActionItemEvidence, item=item, pk=evidence)
    if not ev.file:
        raise Http404
    return stored_file_response(ev.file.name, filename=ev.file.name.rsplit("/", 1)[-1])
