"""Pages a participant reaches by their secret link (``/t/<secret>/``): the portal, the ticket, "my data",
their calendar, the personal join link, the stream page and its heartbeat.

Every view here goes through ``attendance.portal.portal_view``, which looks the secret up with the
constant-time selector, rate-limits guesses per IP, and marks the response private, uncacheable and
without Referer (the secret is in the URL). The meeting URL leaves the server only in the Location
header of the join redirect.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.defaults import page_not_found

from agenda import selectors as agenda_selectors
from agenda.ical import event_calendar
from agenda.models import Session
from rakor.access import private_response
from rakor.pdf import render_pdf
from rakor.qr import qr_data_uri, qr_png, qr_svg
from rakor.security_headers import allow_stream_embed

from .. import services
from ..models import CheckIn, DataRequest, Registration, RegistrationDay
from ..online import selectors as online_selectors
from ..online import services as online_services
from ..online.selectors import PersonalAgenda
from ..portal import portal_view
from ..portal_cache import (
    agenda_for,
    page_shape,
    portal_page,
    portal_state,
    row_fields,
    shared_page,
    with_csrf,
)
from ..portal_sql import portal_days_and_checkins
from ..selectors import personal_data
from .public import help_lines

# ---------------------------------------------------------------- portal


def _ticket_available(registration: Registration) -> bool:
    return registration.status == Registration.Status.APPROVED and registration.ticket_revoked_at is None


def _portal_context(request, registration: Registration, *, with_help: bool = True, days: list | None = None) -> dict:
    event = registration.event
    days = list(registration.days.all()) if days is None else days
    return {
        "registration": registration, "event": event, "participant": registration.participant,
        "days": days, "attends_in_person": any(d.mode == RegistrationDay.Mode.IN_PERSON for d in days),
        "help_lines": help_lines(event) if with_help else [],
        "portal_url": registration.portal_url,  # from SITE_URL: the link people keep, not the host they came by
    }


@allow_stream_embed  # the agenda embeds a session's live stream
@require_http_methods(["GET", "HEAD"])
@portal_view
def portal(request, registration: Registration):
    """The participant's page. Cheap to serve (issue 15): the browser draws the QR from the signed
    payload (static/rakor/portal-qr.js; without scripts the page shows ``portal_qr_svg``), the agenda
    is rendered once per agenda state and shared (attendance.portal_cache), and a revisit whose ETag
    still matches gets 304 without rendering; without one, the page rendered once for everyone in
    the same state is served with the person's own strings put in (``portal_page``). The browser
    keeps the page (private) but asks every time ("no-cache")."""
    days, checkins = portal_days_and_checkins(registration)  # one statement (= checkins_for_registration)
    context = _portal_context(request, registration, with_help=False, days=days)  # the help lines only when rendering
    agenda = agenda_for(registration, context["days"])  # its key now, its HTML only when rendering
    state = portal_state(request, registration, days=context["days"], checkins=checkins, agenda_key=agenda.key)
    if state is not None and _etag_matches(request, with_csrf(state, request.COOKIES.get(settings.CSRF_COOKIE_NAME))):
        response = HttpResponseNotModified()
    else:
        ticket = registration.ticket if _ticket_available(registration) else None

        def render_page(agenda_html, shown: Registration, ticket_shown: str | None):
            context.update({"my_checkins": checkins, "agenda_html": agenda_html, "registration": shown,
                            "participant": shown.participant, "portal_url": shown.portal_url,
                            "help_lines": help_lines(registration.event)})
            if ticket_shown:
                context["ticket"] = ticket_shown
            return render(request, "attendance/public/portal.html", context)

        if state is not None and settings.PORTAL_PAGE_SECONDS:
            user = getattr(request, "user", None)
            shape = page_shape(request.get_full_path(), user.pk if user is not None and user.is_authenticated else None,
                               registration, days=context["days"], checkins=checkins, agenda_key=agenda.key,
                               ticket_shown=ticket is not None)
            response = portal_page(request, registration, shape, agenda, render_page, ticket)  # shared by its state
        else:
            response = render_page(agenda.html(), registration, ticket)
    if state is not None:
        # The CSRF cookie the page's form was rendered with (a first visit's is set by this response).
        response["ETag"] = with_csrf(state, request.META.get("CSRF_COOKIE") or request.COOKIES.get(settings.CSRF_COOKIE_NAME))
        response.private_cache_control = "private, no-cache"
    return response


def _ticket_or_404(request, registration):
    if not _ticket_available(registration):
        return page_not_found(request, Http404())
    return None


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_qr_png(request, registration: Registration):
    refused = _ticket_or_404(request, registration)
    if refused:
        return refused
    response = HttpResponse(qr_png(registration.ticket), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="tiket-{registration.public_id}.png"'
    return response


QR_MAX_AGE = 365 * 24 * 3600  # the image of one ticket payload never changes; a new payload has a new ETag


def _etag_matches(request, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_qr_svg(request, registration: Registration):
    """The ticket's QR code as an SVG image, which the portal page shows to browsers that run no
    scripts (``<noscript>``) or whose QR encoder did not load; the others draw the QR themselves.

    Its own resource so that the page is not drawing it on every view: the browser keeps it
    (private, never a shared cache) for a year, immutable, and revalidates with a strong ETag
    derived from the signed payload, answered 304 without drawing. A revoked, pending or
    erased registration gets 404 (its secret no longer finds it after an erasure).
    """
    refused = _ticket_or_404(request, registration)
    if refused:
        return refused
    ticket = registration.ticket
    etag = f'"qr-{hashlib.sha256(ticket.encode()).hexdigest()[:40]}"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(qr_svg(ticket), content_type="image/svg+xml")
    response["ETag"] = etag
    response.private_cache_control = f"private, max-age={QR_MAX_AGE}, immutable"
    return response


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_ticket_pdf(request, registration: Registration):
    refused = _ticket_or_404(request, registration)
    if refused:
        return refused
    ticket = registration.ticket
    context = _portal_context(request, registration)
    context.update({"ticket": ticket, "qr_uri": qr_data_uri(ticket)})
    pdf = render_pdf("attendance/ticket_a6.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tiket-{registration.event.slug}-{registration.public_id}.pdf"'
    return response


# ---------------------------------------------------------------- personal data (UU PDP)


def _display(value, tz) -> str:
    """A "my data" value as the page shows it: times in the event's zone, dates with the day, blanks as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value, tz), "j F Y H:i:s T")
    if isinstance(value, dt.date):
        return formats.date_format(value, "l, j F Y")
    return str(value)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_data(request, registration: Registration):
    """Everything held about the person (attendance.selectors.personal_data), readable on a phone."""
    p = registration.participant
    data, sections = personal_data(registration)
    tz = registration.event.tz
    context = _portal_context(request, registration)
    context.update({
        "person_rows": [
            (_("Nama lengkap dan gelar"), p.full_name),
            (_("Jenis identitas"), p.get_id_kind_display()),
            (_("Nomor identitas"), p.id_number),
            (_("Jabatan"), p.position),
            (_("Pangkat/golongan"), p.rank),
            (_("Unit kerja"), p.unit.name),
            (_("E-mail"), p.email),
            (_("Nomor WhatsApp"), p.whatsapp),
            (_("Jenis kelamin"), p.get_gender_display() if p.gender else ""),
            (_("Dicatat pada"), p.created_at),
            (_("Terakhir diubah"), p.updated_at),
        ],
        "basis": data["registration"],
        "other_registrations": data["other_registrations"],
        "sections": [
            {"key": s.key, "title": s.title, "empty": s.empty,
             "rows": [[(label, _display(row.get(key), tz)) for key, label in s.columns] for row in s.rows]}
            for s in sections
        ],
    })
    return render(request, "attendance/public/data.html", context)


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_data_json(request, registration: Registration):
    data, _sections = personal_data(registration)
    response = JsonResponse(_jsonable(data), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="data-saya-{registration.event.slug}.json"'
    return response


class DeleteRequestForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Saya mengerti bahwa setelah data dihapus, tautan ini tidak berlaku lagi dan pendaftaran "
                           "saya dibatalkan. Catatan kehadiran tetap disimpan tanpa nama."),
        error_messages={"required": gettext_lazy("Centang pernyataan ini untuk mengajukan penghapusan.")},
    )
    reason = forms.CharField(label=gettext_lazy("Alasan (boleh dikosongkan)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


@require_http_methods(["GET", "POST"])
@portal_view
def portal_delete(request, registration: Registration):
    open_request = DataRequest.objects.filter(
        participant=registration.participant, status=DataRequest.Status.OPEN
    ).order_by("created_at").first()
    form = DeleteRequestForm(request.POST or None)
    if request.method == "POST" and open_request is None and form.is_valid():
        services.data_request_create(registration=registration, reason=form.cleaned_data["reason"])
        messages.success(request, _("Permintaan penghapusan data Anda sudah dicatat. Panitia akan memprosesnya."))
        return redirect("attendance:portal_delete", secret=registration.portal_secret)
    context = _portal_context(request, registration)
    context.update({"form": form, "open_request": open_request})
    return render(request, "attendance/public/delete.html", context)


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_ical(request, registration: Registration):
    """The participant's agenda, with their personal join links for the sessions they may join online."""
    body = event_calendar(registration.event, site_url=settings.SITE_URL, personal=PersonalAgenda(registration))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="agenda-{registration.event.slug}.ics"'
    return response


# ---------------------------------------------------------------- the personal join link, the stream page, heartbeats (issue 4)


JOINED = online_services.JOINED


def _refusal_message(code: str) -> str:
    R = online_selectors.JoinRefusal
    return {
        R.REVOKED: _("Tiket Anda telah dicabut oleh panitia, sehingga tautan sesi daring tidak dapat dipakai. "
                     "Hubungi panitia melalui WA Layanan."),
        R.PENDING: _("Pendaftaran Anda masih menunggu persetujuan panitia. Tombol bergabung aktif setelah "
                     "pendaftaran disetujui."),
        R.NOT_APPROVED: _("Pendaftaran Anda tidak aktif (ditolak atau dibatalkan), sehingga tidak dapat bergabung "
                          "ke sesi daring."),
        R.IN_PERSON_SESSION: _("Sesi ini hanya diselenggarakan luring (tatap muka); tidak ada tautan daring."),
        R.NO_LINK: _("Tautan daring sesi ini belum tersedia. Silakan cek kembali menjelang sesi dimulai."),
        R.NOT_THAT_DAY: _("Anda tidak terdaftar untuk hari sesi ini."),
        R.IN_PERSON_DAY: _("Anda terdaftar luring hari ini: kehadiran Anda dicatat di meja registrasi, "
                           "bukan melalui tautan daring."),
        R.UNIT_NOT_ALLOWED: _("Unit Anda tidak termasuk peserta daring sesi ini."),
    }[code]


def _times(session: Session, tz) -> dict:
    # Formatted here, in the event's time zone: the template filters would convert to the active zone.
    start, end = timezone.localtime(session.start, tz), timezone.localtime(session.end, tz)
    return {"day": start.date(), "start_time": start.strftime("%H:%M"), "end_time": end.strftime("%H:%M"),
            "tz_name": start.tzname()}


def _waiting(request, registration, session: Session, *, state: str, message: str = "", status: int = 200):
    if state == "before" and status == 200:
        shared = _shared_waiting(request, registration, session)
        if shared is not None:
            return shared
    tz = registration.event.tz
    context = {
        "registration": registration, "event": registration.event, "participant": registration.participant,
        "session": session, "state": state, "message": message,
        **_times(session, tz),
        "opens_time": timezone.localtime(agenda_selectors.join_opens_at(session), tz).strftime("%H:%M"),
        "opens_minutes": session.join_opens_minutes_before,
        "portal_url": reverse("attendance:portal", kwargs={"secret": registration.portal_secret}),
    }
    return render(request, "attendance/join/waiting.html", context, status=status)


def _shared_waiting(request, registration, session: Session):
    """The "not yet open" waiting page, the same for everyone who taps early: from the cache (portal_cache.shared_page)."""
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    event, tz = registration.event, registration.event.tz

    def render_shared(token: str, csrf: str, full_path: str) -> str:
        return render_to_string("attendance/join/waiting.html", {
            "registration": SimpleNamespace(portal_secret=token), "event": event, "session": session,
            "state": "before", "message": "", **_times(session, tz),
            "opens_time": timezone.localtime(agenda_selectors.join_opens_at(session), tz).strftime("%H:%M"),
            "opens_minutes": session.join_opens_minutes_before,
            "portal_url": reverse("attendance:portal", kwargs={"secret": token}),
            "csrf_token": csrf, "request": SimpleNamespace(get_full_path=lambda: full_path),
        })

    return shared_page(request, registration, ("waiting-before", row_fields(session), row_fields(event)), render_shared)


def _session_or_404(registration, session_id: int) -> Session:
    session = online_selectors.session_for_join(registration, session_id)
    if session is None:
        raise Http404
    return session


def _gate(request, registration, session: Session):
    """The waiting page when this person may not join now; None when they may."""
    refusal = online_selectors.join_refusal(registration, session)
    state = online_selectors.join_gate_state(session, refusal)
    if state is None:
        return None
    return _waiting(request, registration, session, state=state,
                    message=_refusal_message(refusal) if refusal is not None else "")


def _joined_response(request, registration, session: Session, outcome):
    if outcome.result not in JOINED:
        # The check-in service had the last word (e.g. a day outside the event).
        return _waiting(request, registration, session, state="refused",
                        message=_("Kehadiran daring tidak dapat dicatat: %(reason)s.") % {
                            "reason": CheckIn.Result(outcome.result).label})
    # ?stream=1: the portal's "watch"
    return HttpResponseRedirect(online_selectors.join_destination(registration, session,
                                                                  stream=bool(request.GET.get("stream"))))


@portal_view
def _join_portal(request, registration, session_id: int):
    """The join as every portal page is served: waiting pages, 404, HEAD, and what the quick path left."""
    session = _session_or_404(registration, session_id)
    refused = _gate(request, registration, session)
    if refused is not None:
        return refused
    if request.method == "HEAD":
        return HttpResponse(status=204)
    outcome = online_services.session_join(registration=registration, session=session)
    return _joined_response(request, registration, session, outcome)


def _join_quick(request, secret: str, session_id: int):
    """The common case of a join storm (``online_services.session_join_quick``); None for everything else.

    A HEAD, an unknown secret (counted as a guess there), another event's session, a
    refusal, a session not open: None, and ``_join_portal`` answers as before. A correct
    secret is served whatever its address's misses (attendance.ratelimit), so the quick
    path does not read the guess counter. The same answer is given in front of Django by
    attendance.online.fastpath.
    """
    if request.method != "GET":
        return None
    joined = online_services.session_join_quick(secret, session_id)
    if joined is None:
        return None
    registration, session, _outcome = joined
    return private_response(HttpResponseRedirect(online_selectors.join_destination(
        registration, session, stream=bool(request.GET.get("stream")))))


@require_http_methods(["GET", "HEAD"])
def join(request, secret: str, session_id: int):
    """Record an online attendance and redirect to the meeting (or the stream page); else a waiting page.

    GET, because it is a link people tap; a HEAD (link previews, prefetchers) records
    nothing and reveals nothing. Reached by the portal secret with ``portal_view``'s
    guarantees (guess limit, private headers); the quick path keeps them.
    """
    response = _join_quick(request, secret, session_id)
    return response if response is not None else _join_portal(request, secret, session_id)


@allow_stream_embed
@require_http_methods(["GET", "HEAD"])
@portal_view
def watch(request, registration, session_id: int):
    """The stream of a session, embedded (youtube-nocookie), for someone who joined it through their link."""
    session = _session_or_404(registration, session_id)
    refused = _gate(request, registration, session)
    if refused is not None:
        return refused
    joined = CheckIn.objects.filter(registration=registration, session=session, kind=CheckIn.Kind.ENTRY,
                                    result=CheckIn.Result.OK).exists()
    join_url = reverse("sessions_join:join", kwargs={"secret": registration.portal_secret, "session_id": session.pk})
    if not joined:
        # Attendance is recorded by the join link; the stream page is where it leads.
        return HttpResponseRedirect(join_url)
    return render(request, "attendance/join/watch.html", {
        "registration": registration, "event": registration.event, "participant": registration.participant,
        "session": session, "embed_url": agenda_selectors.youtube_embed_url(session.stream_url),
        "stream_url": session.stream_url,
        **_times(session, registration.event.tz),
        "heartbeat_url": reverse("sessions_join:heartbeat", kwargs={
            "secret": registration.portal_secret, "session_id": session.pk}),
        "portal_url": reverse("attendance:portal", kwargs={"secret": registration.portal_secret}),
    })


@csrf_exempt
@require_http_methods(["POST"])
@portal_view
def heartbeat(request, registration, session_id: int):
    """``POST /t/<secret>/heartbeat/<session-id>/`` → ``{"minutes": n}`` while the participant has the session open.

    CSRF-exempt on purpose: no cookie authenticates this request, the secret in the
    path does; a forging site would need that secret, and with it could do no more
    than the participant's own page (at most two minutes per minute of a running
    session they joined). 403 ``{"error", "code": "not_joined"}`` without a join,
    409 ``{"code": "not_running"}`` when the session is not running.
    """
    from django.core.exceptions import ValidationError

    session = online_selectors.session_for_join(registration, session_id)
    if session is None:
        return JsonResponse({"error": _("Sesi tidak ditemukan."), "code": "not_found"}, status=404)
    # The body carries nothing the server needs (the path says who and which session); it is not read.
    try:
        minutes = online_services.online_attendance_heartbeat(registration=registration, session=session)
    except ValidationError as exc:
        code = exc.error_list[0].code if hasattr(exc, "error_list") else ""
        status = 403 if code == "not_joined" else 409
        return JsonResponse({"error": exc.messages[0], "code": code}, status=status)
    return JsonResponse({"minutes": minutes})
