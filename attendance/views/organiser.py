"""Organisers' pages for the venue: scanner devices, the live dashboard, the daftar hadir.

Access goes through rakor.roles: organisers for devices and the dashboard; the
daftar hadir also for unit coordinators, limited to their unit subtree.
Anonymous visitors are sent to the login page; other signed-in users get 403.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rakor.access import organiser_only, organiser_or_coordinator
from rakor.models import Event
from rakor.qr import qr_svg
from rakor.roles import coordinator_unit, is_organiser, managed_units

from .. import daftar_hadir, selectors, services
from ..models import ScannerDevice

# ---------------------------------------------------------------- scanner devices


def scan_setup_url(event: Event, token: str) -> str:
    """What the set-up QR holds: the scanner page, signed in as this device.

    The token is in the fragment (``#token=…``), which a browser never sends: it cannot land in an
    access log. ``?setup=1`` only tells the server that this is a set-up (no secret in it).
    """
    return f"{settings.SITE_URL}/e/{event.slug}/scan/?setup=1#{urlencode({'token': token})}"


@organiser_only
def devices(request, event):
    """List the event's scanner devices; POST creates one and shows its token once."""
    event = get_object_or_404(Event, slug=event)
    created = token = setup_url = setup_qr = None
    error = ""
    name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        try:
            created, token = services.device_create(event=event, name=name, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("name", exc.messages))
        else:
            setup_url = scan_setup_url(event, token)
            setup_qr = qr_svg(setup_url)
            name = ""
    device_list = ScannerDevice.objects.filter(event=event).order_by("revoked_at", "name", "pk")
    response = render(request, "attendance/organiser/devices.html", {
        "event": event, "devices": device_list, "created": created, "token": token, "setup_url": setup_url,
        "setup_qr": setup_qr, "error": error, "name": name, "nav": "devices",
    }, status=400 if error else 200)
    if token:
        response["Cache-Control"] = "no-store"  # the token is shown once: never from a cache
    return response


@organiser_only
@require_POST
def device_revoke(request, event, pk):
    event = get_object_or_404(Event, slug=event)
    device = get_object_or_404(ScannerDevice, event=event, pk=pk)
    services.device_revoke(device=device, by=request.user)
    messages.success(request, _("Token perangkat “%(name)s” sudah dicabut; perangkat itu tidak bisa memindai lagi.")
                     % {"name": device.name})
    return redirect("attendance:organiser_devices", event=event.slug)


# ---------------------------------------------------------------- live dashboard


def _dashboard_day(request, event: Event):
    """The day asked for with ?day=YYYY-MM-DD (one of the event's days), else None (today)."""
    raw = request.GET.get("day", "")
    return _day_or_404(event, raw) if raw else None


def arrivals_chart(snapshot: dict):
    from rakor.charts import line_chart

    return line_chart([a["t"] for a in snapshot["arrivals"]], [a["total"] for a in snapshot["arrivals"]],
                      title=_("Peserta hadir di tempat"))


@organiser_only
def dashboard(request, event):
    """The projector page: today (or ?day=) in person and online, arrivals, latest check-ins; live over the socket."""
    event = get_object_or_404(Event, slug=event)
    day = _dashboard_day(request, event)
    snapshot = selectors.dashboard_snapshot(event, day)
    shown = dt.date.fromisoformat(snapshot["day"])
    data_url = reverse("attendance:organiser_dashboard_data", kwargs={"event": event.slug})
    if day is not None:
        data_url += "?" + urlencode({"day": day.isoformat()})
    return render(request, "attendance/organiser/dashboard.html", {
        "event": event, "snapshot": snapshot, "arrivals_svg": arrivals_chart(snapshot),
        "ws_path": f"/ws/events/{event.slug}/dashboard/", "data_url": data_url, "fixed_day": day is not None,
        "shown_day": shown, "day_label": formats.date_format(shown, "l, j F Y"),
        "days": event.days, "nav": "dashboard",
    })


@organiser_only
def dashboard_data(request, event):
    """The same snapshot the WebSocket sends on connect (the page polls it when the socket fails)."""
    event = get_object_or_404(Event, slug=event)
    return JsonResponse(selectors.dashboard_snapshot(event, _dashboard_day(request, event)))


# ---------------------------------------------------------------- daftar hadir


def _day_or_404(event: Event, day: str) -> dt.date:
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404(_("Tanggal tidak dikenal; gunakan format TTTT-BB-HH."))
    if parsed not in event.days:
        raise Http404(_("Tanggal itu bukan hari acara ini."))
    return parsed


def _attendance_list(request, event, day):
    event = get_object_or_404(Event, slug=event)
    day = _day_or_404(event, day)
    if is_organiser(request.user):
        return daftar_hadir.attendance_list(event=event, day=day)
    return daftar_hadir.attendance_list(event=event, day=day, units=managed_units(request.user),
                                        scope_unit=coordinator_unit(request.user))


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@organiser_or_coordinator
def daftar_hadir_pdf(request, event, day):
    data = _attendance_list(request, event, day)
    return _download(daftar_hadir.render_pdf(data), "application/pdf", data.filename("pdf"))


@organiser_or_coordinator
def daftar_hadir_xlsx(request, event, day):
    data = _attendance_list(request, event, day)
    return _download(daftar_hadir.render_xlsx(data),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data.filename("xlsx"))
