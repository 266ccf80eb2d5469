"""A participant's personal join link, the stream page and the portal's heartbeat (issue 4, items 4, 6, 7).

Every view here is reached by the portal secret (``/t/<secret>/...``) through
attendance's ``portal_view``: same lookup, guess limit and private headers.
The meeting URL leaves the server only in the Location header of the join redirect.
"""

from __future__ import annotations

import hmac

from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from attendance.models import CheckIn
from attendance import ratelimit
from attendance.selectors import registration_for_ticket_secret
from attendance.views_public import _private, portal_view

from . import selectors, services
from .models import Session

JOINED = (CheckIn.Result.OK, CheckIn.Result.ALREADY)


def _refusal_message(code: str) -> str:
    R = selectors.JoinRefusal
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
    tz = registration.event.tz
    context = {
        "registration": registration, "event": registration.event, "participant": registration.participant,
        "session": session, "state": state, "message": message,
        **_times(session, tz),
        "opens_time": timezone.localtime(selectors.join_opens_at(session), tz).strftime("%H:%M"),
        "opens_minutes": session.join_opens_minutes_before,
        "portal_url": reverse("attendance:portal", kwargs={"secret": registration.portal_secret}),
    }
    return render(request, "sessions_app/join/waiting.html", context, status=status)


def _session_or_404(registration, session_id: int) -> Session:
    session = selectors.session_for_join(registration, session_id)
    if session is None:
        raise Http404
    return session


def _gate_state(registration, session: Session, refusal: str | None) -> str | None:
    """Why the waiting page shows instead of the meeting: "refused", "ended", "before"; None when they may join now."""
    if refusal is not None:
        return "refused"
    if session.status == Session.Status.ENDED or timezone.now() >= session.end and session.status != Session.Status.LIVE:
        return "ended"
    if not selectors.join_is_open(session):
        return "before"
    return None


def _gate(request, registration, session: Session):
    """The waiting page when this person may not join now; None when they may."""
    refusal = selectors.join_refusal(registration, session)
    state = _gate_state(registration, session, refusal)
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
    if session.meeting_url:
        return HttpResponseRedirect(session.meeting_url)
    return HttpResponseRedirect(reverse("sessions_join:watch", kwargs={
        "secret": registration.portal_secret, "session_id": session.pk}))


@portal_view
def _join_portal(request, registration, session_id: int):
    """The join as every portal page is served: waiting pages, 404, HEAD, and what the quick path left."""
    session = _session_or_404(registration, session_id)
    refused = _gate(request, registration, session)
    if refused is not None:
        return refused
    if request.method == "HEAD":
        return HttpResponse(status=204)
    outcome = services.session_join(registration=registration, session=session)
    return _joined_response(request, registration, session, outcome)


def _guess_blocked(request) -> bool:
    """``ratelimit.portal_guess_blocked``, read through this process's cache instance (selectors.process_cache).

    Same key, same limit: only the connection differs. A blocked client goes on to
    ``portal_view``, which answers 429 as on every portal page.
    """
    from django.conf import settings

    misses = selectors.process_cache().get(ratelimit._key(ratelimit.client_ip(request)), 0)
    return misses >= settings.PORTAL_GUESS_LIMIT


def _join_quick(request, secret: str, session_id: int):
    """The common case of a join storm, with as little work as the rules allow; None for everything else.

    One read finds the registration by its secret (with its event, person, unit path and
    mode on the session's day: attendance.checkin.registration_by_portal_secret), the
    session comes from this process's cache, the rules are ``selectors.join_refusal``
    and ``_gate_state``, and ``services.session_join`` records the join (one statement on
    PostgreSQL). A blocked client, an unknown secret, another event's session, a
    refusal, a session not open, a HEAD: None, and ``_join_portal`` answers as before.
    """
    from attendance.checkin import registration_by_portal_secret

    if request.method != "GET" or not secret or len(secret) > 64 or _guess_blocked(request):
        return None
    session = selectors.cached_session(session_id)
    if session is None:
        return None
    registration = registration_by_portal_secret(secret, session.day)
    if (registration is None or registration.event_id != session.event_id
            or not hmac.compare_digest(registration.portal_secret.encode(), secret.encode())):
        return None
    refusal = selectors.join_refusal(registration, session, day_mode=registration.day_mode,
                                     unit_path=registration.participant.unit.path,
                                     unit_paths=session.allowed_unit_paths)
    if _gate_state(registration, session, refusal) is not None:
        return None
    outcome = services.session_join(registration=registration, session=session)
    if outcome.result not in JOINED:
        # Recorded (refused) already: answer with the full registration, without recording again.
        registration = registration_for_ticket_secret(secret)
        return _private(_joined_response(request, registration, selectors.session_for_join(registration, session_id),
                                         outcome))
    return _private(_joined_response(request, registration, session, outcome))


@require_http_methods(["GET", "HEAD"])
def join(request, secret: str, session_id: int):
    """Record an online attendance and redirect to the meeting (or the stream page); else a waiting page.

    GET, because it is a link people tap; a HEAD (link previews, prefetchers) records
    nothing and reveals nothing. Reached by the portal secret with ``portal_view``'s
    guarantees (guess limit, private headers); the quick path keeps them.
    """
    response = _join_quick(request, secret, session_id)
    return response if response is not None else _join_portal(request, secret, session_id)


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
    return render(request, "sessions_app/join/watch.html", {
        "registration": registration, "event": registration.event, "participant": registration.participant,
        "session": session, "embed_url": selectors.youtube_embed_url(session.stream_url),
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

    session = selectors.session_for_join(registration, session_id)
    if session is None:
        return JsonResponse({"error": _("Sesi tidak ditemukan."), "code": "not_found"}, status=404)
    # The body carries nothing the server needs (the path says who and which session); it is not read.
    try:
        minutes = services.online_attendance_heartbeat(registration=registration, session=session)
    except ValidationError as exc:
        code = exc.error_list[0].code if hasattr(exc, "error_list") else ""
        status = 403 if code == "not_joined" else 409
        return JsonResponse({"error": exc.messages[0], "code": code}, status=status)
    return JsonResponse({"minutes": minutes})
