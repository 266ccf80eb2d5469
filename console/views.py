"""The front door, the landing per role and the organisers' event console.

Thin views: the decisions are in console.landing, the numbers in console.facts (which
reads each app's selectors). The participant import reuses the back office's own flow
(RegistrationAdmin.import_view: the same form, dry run, confirmation and report
template) inside the organisers' frame, so there is one import and one report.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from attendance.models import Registration
from rakor.access import organiser_only
from rakor.models import Event

from . import facts
from .landing import events_open_for_registration, events_recent, events_running, events_upcoming, landing_for


def front_door(request):
    """/: the events open for registration, the ones running or coming, and the recent ones."""
    open_now = events_open_for_registration()
    open_ids = {e.pk for e in open_now}
    running_or_coming = [e for e in events_running() + events_upcoming() if e.pk not in open_ids]
    return render(request, "console/front_door.html", {
        "open_events": open_now, "coming_events": running_or_coming, "recent_events": events_recent(),
    })


@never_cache
def landing(request):
    """/akun/beranda/ (LOGIN_REDIRECT_URL): each role's work, or a short list when it is not obvious which."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    where = landing_for(request.user)
    if where.url:
        return redirect(where.url)
    if where.role == "none":
        messages.info(request, _("Akun Anda belum mendapat peran di Rakor. Hubungi panitia acara agar diberi peran "
                                 "(panitia, koordinator unit, petugas registrasi, atau notulis)."))
        return redirect("console:front_door")
    return render(request, "console/landing_choose.html", {"landing": where})


@organiser_only
def event_console(request, event):
    event = get_object_or_404(Event, slug=event)
    return render(request, "console/event.html", {"event": event, "nav": "console", "facts": facts.event_facts(event)})


@organiser_only
def event_choose(request):
    """Every event, newest first: where an organiser picks one when several run at once."""
    return render(request, "console/events.html", {"events": Event.objects.order_by("-start_date", "-pk")})


@organiser_only
def import_participants(request, event):
    """Upload → dry-run report → confirm → apply, for this event, with the steps shown.

    The back office's view does the work (it keeps the file between the two steps and
    checks the organiser's rights); this page only frames its answer for the console.
    """
    event = get_object_or_404(Event, slug=event)
    if request.method == "GET" and "event" not in request.GET:
        request.GET = request.GET.copy()
        request.GET["event"] = str(event.pk)
    response = admin.site.get_model_admin(Registration).import_view(request)
    if not isinstance(response, TemplateResponse):
        return response  # a redirect (cancelled, file gone) or the upload-too-large page
    context = response.context_data
    step = 3 if context.get("applied") else 2 if context.get("report") else 1
    context.update({"import_base": "console/import_base.html", "console_event": event, "nav": "import",
                    "step": step, "event": context.get("event") or event})
    return response
