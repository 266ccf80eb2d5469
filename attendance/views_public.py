"""Pages a participant uses: the public event page, self-registration and the personal portal.

The portal is reached by a secret link only (``/t/<secret>/``): every portal view
goes through ``portal_view`` which looks the secret up with the constant-time
selector, rate-limits guesses per IP, and marks the response private, uncacheable
and without Referer (the secret is in the URL).
"""

from __future__ import annotations

import functools

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django.views.defaults import page_not_found

from rakor.models import Event, Unit
from rakor.pdf import render_pdf
from rakor.qr import qr_data_uri, qr_png, qr_svg

from . import services
from .forms import RegistrationForm, apply_errors
from .identity import wa_link
from .models import DataRequest, Registration, RegistrationDay
from .ratelimit import portal_guess_blocked, portal_guess_record_miss
from .selectors import checkins_for_registration, registration_for_ticket_secret

# ---------------------------------------------------------------- helpers


def _help_lines(event: Event) -> list[dict]:
    """The event's WhatsApp help lines as click-to-chat links (only those that are set)."""
    lines = []
    if event.wa_service:
        lines.append({"label": _("WA Layanan"), "number": event.wa_service,
                      "url": wa_link(event.wa_service, _("Halo panitia %(event)s, saya perlu bantuan.") % {"event": event.name})})
    if event.wa_complaints:
        lines.append({"label": _("WA Pengaduan"), "number": event.wa_complaints,
                      "url": wa_link(event.wa_complaints, _("Halo panitia %(event)s, saya ingin menyampaikan pengaduan.") % {"event": event.name})})
    return lines


def _event(slug: str) -> Event:
    return get_object_or_404(Event.objects.select_related("organiser_unit"), slug=slug)


def _registration_state(event: Event) -> str:
    now = timezone.now()
    if event.registration_opens and now < event.registration_opens:
        return "not_yet"
    if not event.registration_is_open(now):
        return "closed"
    return "open"


def unit_options_html(choices, selected) -> str:
    """The <option>s of the unit <select>, built directly.

    Django renders each option through its own widget template; with the ministry's
    ~600 units that alone costs several milliseconds per page. The choices are the
    form's own (grouped_unit_choices), so validation is unchanged.
    """
    selected = "" if selected in (None, "") else str(selected)
    out = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            out.append(f'<optgroup label="{escape(value)}">')
            for pk, name in label:
                sel = " selected" if str(pk) == selected else ""
                out.append(f'<option value="{pk}"{sel}>{escape(name)}</option>')
            out.append("</optgroup>")
        else:
            sel = " selected" if str(value) == selected else ""
            out.append(f'<option value="{escape(value)}"{sel}>{escape(_("— pilih unit kerja —") if value == "" else label)}</option>')
    return mark_safe("".join(out))


def nip_js_messages() -> dict:
    """The same sentences identity.validate_nip uses, for the inline check in register.js."""
    return {
        "digits": _("NIP hanya boleh berisi angka; ditemukan: %(chars)s."),
        "length": _("NIP harus 18 digit; yang diisi %(n)d digit."),
        "birth": _("Tanggal lahir (digit 1–8, \"%(part)s\") bukan tanggal yang benar."),
        "birth_year": _("Tahun lahir (digit 1–4, \"%(part)s\") tidak wajar."),
        "appointment": _("Bulan/tahun pengangkatan (digit 9–14, \"%(part)s\") tidak benar."),
        "order": _("Tanggal pengangkatan (digit 9–14, \"%(app)s\") harus sesudah tanggal lahir (\"%(birth)s\")."),
        "gender": _("Digit jenis kelamin (digit 15, \"%(part)s\") harus 1 (laki-laki) atau 2 (perempuan)."),
        "sequence": _("Nomor urut (digit 16–18) tidak boleh 000."),
        "ok": _("Format NIP benar."),
        "this_year": timezone.localdate().year,
    }


# ---------------------------------------------------------------- event page and registration


def event_detail(request, slug: str):
    from sessions_app.selectors import agenda_context

    event = _event(slug)
    return render(request, "attendance/public/event_detail.html", {
        "event": event, "help_lines": _help_lines(event), "registration_state": _registration_state(event),
        **agenda_context(event),
    })


def _registered_message(registration: Registration) -> str:
    email = registration.participant.email
    if email:
        return _("Pendaftaran berhasil. Simpan (bookmark) halaman ini: inilah tautan pribadi Anda untuk tiket, "
                 "agenda dan sertifikat. Tautan yang sama dikirim ke %(email)s.") % {"email": email}
    return _("Pendaftaran berhasil. Simpan (bookmark) halaman ini: inilah tautan pribadi Anda untuk tiket, "
             "agenda dan sertifikat. Anda tidak mengisi e-mail, jadi tautan ini tidak dikirim; "
             "salin dan simpan baik-baik.")


def _submitted_contact_is_on_record(submitted, participant) -> bool:
    return bool((submitted.email and submitted.email == participant.email)
                or (submitted.whatsapp and submitted.whatsapp == participant.whatsapp))


def _mask(contact: str) -> str:
    if "@" in contact:
        name, domain = contact.split("@", 1)
        return f"{name[:2]}***@{domain}"
    return f"{contact[:5]}****{contact[-3:]}" if len(contact) > 8 else "****"


def _known_person_message(participant) -> str:
    contact = participant.email or participant.whatsapp
    if contact:
        return _("Pendaftaran Anda tersimpan. NIP ini sudah tercatat dengan kontak lain, jadi demi keamanan tautan "
                 "portal dan tiket hanya dikirim ke kontak yang tercatat (%(contact)s). Bila kontak itu tidak lagi "
                 "Anda gunakan, hubungi WA Layanan panitia.") % {"contact": _mask(contact)}
    return _("Pendaftaran Anda tersimpan. NIP ini sudah tercatat sebelumnya, jadi demi keamanan tautan portal tidak "
             "ditampilkan di sini. Hubungi WA Layanan panitia untuk menerimanya.")


def _with_unit_tree_version(events):
    """Annotate ``unit_tree_version``: changes when a unit is added or removed, so the cached
    form shows it at once (a rename shows within a minute). Same round trip as the event."""
    table, pk = connection.ops.quote_name(Unit._meta.db_table), connection.ops.quote_name(Unit._meta.pk.column)
    return events.annotate(unit_tree_version=RawSQL(
        f"SELECT CAST(COUNT(*) AS VARCHAR(20)) || '-' || CAST(COALESCE(MAX({pk}), 0) AS VARCHAR(20)) FROM {table}", ()
    ))


# A GET of the registration page reads the event from the cache for this long, so that a
# visit usually needs no database at all. An organiser's change (dates, closing registration,
# a new unit) shows within this time; a POST always reads the database.
REGISTER_EVENT_CACHE_SECONDS = 10


def _register_page_event(slug: str, *, fresh: bool) -> Event:
    key = f"rakor:register-event:{slug}"
    event = None if fresh else cache.get(key)
    if event is None:
        event = get_object_or_404(_with_unit_tree_version(Event.objects.select_related("organiser_unit")), slug=slug)
        if REGISTER_EVENT_CACHE_SECONDS:
            cache.set(key, event, REGISTER_EVENT_CACHE_SECONDS)
    return event


@require_http_methods(["GET", "POST"])
def register(request, slug: str):
    """Self-registration: a plain POST form that works without JavaScript (POST/redirect/GET)."""
    event = _register_page_event(slug, fresh=request.method != "GET")
    state = _registration_state(event)
    context = {"event": event, "help_lines": _help_lines(event), "registration_state": state}
    if state != "open":
        return render(request, "attendance/public/register.html", context)
    if request.method == "POST":
        form = RegistrationForm(request.POST, event=event, with_consent=True)
        if form.is_valid():
            try:
                registration = services.registration_create(
                    event=event, data=form.participant_data(), days=form.days(),
                    channel=Registration.Channel.SELF, consent_text=form.consent_text,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if not _submitted_contact_is_on_record(form.participant_data(), registration.participant):
                    # Someone typed a NIP we already know, with other contact details: the link
                    # (and the ticket behind it) goes only to the contact on record.
                    messages.info(request, _known_person_message(registration.participant))
                    return redirect("attendance:event_detail", slug=event.slug)
                messages.success(request, _registered_message(registration), extra_tags="registered")
                return redirect("attendance:portal", secret=registration.portal_secret)
    else:
        # The empty form is rendered from a cached fragment most of the time: build it only on a cache miss.
        form = SimpleLazyObject(lambda: RegistrationForm(event=event, with_consent=True))
    context.update({
        "form": form,
        "bound": request.method == "POST",
        "unit_tree_version": event.unit_tree_version,
        "day_bound_fields": SimpleLazyObject(lambda: [form[name] for name, _day in form.day_fields]),
        "unit_options": SimpleLazyObject(lambda: unit_options_html(form.fields["unit"].choices, form["unit"].value())),
        "nip_messages": nip_js_messages(),
    })
    if request.method == "GET" and _first_visit(request):
        return _cached_page(request, "attendance/public/register.html", context,
                            key=f"{event.slug}:{event.unit_tree_version}:{state}")
    return render(request, "attendance/public/register.html", context)


# The whole empty page, per event, language and path, for visitors without cookies (a
# phone opening the link from WhatsApp): rendering it is most of a visit's CPU. The
# CSRF token is the one per-visitor part: the page is cached with a placeholder that
# each response replaces with its own token.
REGISTER_PAGE_CACHE_SECONDS = 60
_CSRF_PLACEHOLDER = "__rakor_csrf_token__"


def _first_visit(request) -> bool:
    """No session, no pending messages, no language choice, no query: nothing personal on the page."""
    return not request.GET and not any(
        name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, "messages", settings.LANGUAGE_COOKIE_NAME))


def _cached_page(request, template: str, context: dict, *, key: str) -> HttpResponse:
    from django.middleware.csrf import get_token
    from django.utils.translation import get_language

    cache_key = f"rakor:page:{template}:{get_language()}:{request.path}:{key}"
    html = cache.get(cache_key)
    if html is None:
        html = render(request, template, {**context, "csrf_token": _CSRF_PLACEHOLDER}).content.decode()
        cache.set(cache_key, html, REGISTER_PAGE_CACHE_SECONDS)
    return HttpResponse(html.replace(_CSRF_PLACEHOLDER, get_token(request)))


# ---------------------------------------------------------------- portal


def _private(response: HttpResponse) -> HttpResponse:
    # The secret is in the URL: no shared caches, no Referer to the WhatsApp/meeting sites we link to
    # (same-origin, not no-referrer: with no-referrer Chromium posts forms with "Origin: null" and CSRF refuses them).
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def portal_view(view):
    """Resolve ``secret`` to the registration, or 404 (counted) / 429 (blocked) for this IP."""

    @functools.wraps(view)
    def wrapper(request, secret: str, *args, **kwargs):
        if portal_guess_blocked(request):
            response = render(request, "attendance/public/too_many_guesses.html",
                              {"minutes": max(1, settings.PORTAL_GUESS_WINDOW // 60)}, status=429)
            response["Retry-After"] = str(settings.PORTAL_GUESS_WINDOW)
            return _private(response)
        registration = registration_for_ticket_secret(secret)
        if registration is None:
            portal_guess_record_miss(request)
            # The project's ordinary 404 page: an unknown link looks like any other missing page.
            return _private(page_not_found(request, Http404()))
        return _private(view(request, registration, *args, **kwargs))

    return wrapper


def _ticket_available(registration: Registration) -> bool:
    return registration.status == Registration.Status.APPROVED and registration.ticket_revoked_at is None


def _portal_context(request, registration: Registration) -> dict:
    event = registration.event
    days = list(registration.days.all())
    return {
        "registration": registration, "event": event, "participant": registration.participant,
        "days": days, "attends_in_person": any(d.mode == RegistrationDay.Mode.IN_PERSON for d in days),
        "help_lines": _help_lines(event),
        "portal_url": request.build_absolute_uri(registration.portal_path),
    }


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal(request, registration: Registration):
    context = _portal_context(request, registration)
    context["my_checkins"] = checkins_for_registration(registration)
    from sessions_app.selectors import agenda_context

    context.update(agenda_context(registration.event, registration=registration))
    if _ticket_available(registration):
        ticket = registration.ticket
        context.update({"ticket": ticket, "qr_svg": mark_safe(qr_svg(ticket))})
    return render(request, "attendance/public/portal.html", context)


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


def personal_data(registration: Registration) -> dict:
    """Everything stored about the person of this registration, as plain JSON-able data.

    Only rows that belong to this participant: their record, their registrations
    (other events included, without those portal links) and their data requests.
    """
    p = registration.participant

    def iso(value):
        return value.isoformat() if value else None

    def reg_data(r: Registration, *, full: bool) -> dict:
        data = {
            "event": r.event.name, "event_slug": r.event.slug, "role": r.role, "role_display": r.get_role_display(),
            "status": r.status, "status_display": r.get_status_display(), "status_reason": r.status_reason,
            "status_changed_at": iso(r.status_changed_at), "channel": r.channel,
            "channel_display": r.get_channel_display(), "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at), "consent_text": r.consent_text, "consent_version": r.consent_version,
            "consent_at": iso(r.consent_at), "ticket_revoked_at": iso(r.ticket_revoked_at),
            "days": [{"date": d.date.isoformat(), "mode": d.mode, "mode_display": d.get_mode_display()}
                     for d in r.days.all()],
        }
        if full:
            data.update({"public_id": r.public_id, "portal_url": r.portal_url})
        return data

    others = (
        p.registrations.exclude(pk=registration.pk).select_related("event").prefetch_related("days").order_by("created_at")
    )
    return {
        "participant": {
            "full_name": p.full_name, "id_kind": p.id_kind, "id_kind_display": p.get_id_kind_display(),
            "id_number": p.id_number, "position": p.position, "rank": p.rank, "unit": p.unit.name,
            "email": p.email, "whatsapp": p.whatsapp, "gender": p.gender,
            "gender_display": p.get_gender_display() if p.gender else "",
            "created_at": iso(p.created_at), "updated_at": iso(p.updated_at),
        },
        "registration": reg_data(registration, full=True),
        "other_registrations": [reg_data(r, full=False) for r in others],
        "data_requests": [
            {"created_at": iso(d.created_at), "status": d.status, "status_display": d.get_status_display(),
             "reason": d.reason, "handled_at": iso(d.handled_at)}
            for d in p.data_requests.order_by("created_at")
        ],
    }


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_data(request, registration: Registration):
    p = registration.participant
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
        "other_registrations": list(
            p.registrations.exclude(pk=registration.pk).select_related("event").prefetch_related("days").order_by("created_at")
        ),
        "data_requests": list(p.data_requests.order_by("created_at")),
    })
    return render(request, "attendance/public/data.html", context)


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_data_json(request, registration: Registration):
    response = JsonResponse(personal_data(registration), json_dumps_params={"ensure_ascii": False, "indent": 2})
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
