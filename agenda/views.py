"""Agenda pages: the organiser's live-status board and the public iCal export (the participant's own is
attendance's portal: attendance.views.portal.portal_ical).

The public agenda fragment (templates/agenda/agenda.html) is rendered inside the
event page and the portal with selectors.agenda_context; these views stay thin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rakor.access import organiser_only
from rakor.models import Event

from . import ical
from .models import Session
from .selectors import event_sessions
from .services import session_set_status

# ---------------------------------------------------------------- organiser's agenda board


@organiser_only
@require_http_methods(["GET", "HEAD"])
def agenda_manage(request, event):
    """Sessions per day with a big Live / End button each (DESIGN.md: "the button on the organiser's page")."""
    event = get_object_or_404(Event, slug=event)
    tz = event.tz
    sessions = event_sessions(event)
    days = {d: [] for d in event.days}
    for s in sessions:
        days.setdefault(s.day, []).append({
            "session": s, "start": s.start.astimezone(tz), "end": s.end.astimezone(tz),
        })
    return render(request, "agenda/manage.html", {
        "event": event, "days": sorted(days.items()), "nav": "agenda", "now": timezone.now().astimezone(tz),
        "statuses": Session.Status,
    })


@organiser_only
@require_POST
def agenda_set_status(request, event, pk):
    event = get_object_or_404(Event, slug=event)
    session = get_object_or_404(Session, event=event, pk=pk)
    status = request.POST.get("status", "")
    try:
        session = session_set_status(session=session, status=status, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(title)s” sekarang berstatus: %(status)s.") % {
            "title": session.title, "status": session.get_status_display()})
    return redirect(reverse("sessions:agenda_manage", kwargs={"event": event.slug}) + f"#sesi-{session.pk}")


# ---------------------------------------------------------------- iCal


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_http_methods(["GET", "HEAD"])
def event_ical(request, event):
    """The public agenda as iCalendar: no join links, never the meeting URL."""
    event = get_object_or_404(Event, slug=event)
    return _calendar_response(ical.event_calendar(event, site_url=settings.SITE_URL), f"agenda-{event.slug}.ics")
