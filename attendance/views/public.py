"""Pages for anyone: the public event page and self-registration (the portal is views/portal.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.expressions import RawSQL
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agenda.selectors import agenda_context
from rakor.models import Event, Unit

from .. import services
from ..forms import RegistrationForm, apply_errors
from ..identity import wa_link
from ..models import Registration

# ---------------------------------------------------------------- helpers


def help_lines(event: Event) -> list[dict]:
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
    event = _event(slug)
    return render(request, "attendance/public/event_detail.html", {
        "event": event, "help_lines": help_lines(event), "registration_state": _registration_state(event),
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
    context = {"event": event, "help_lines": help_lines(event), "registration_state": state}
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
        # The unit picker (rakor.widgets.UnitPicker): a grouped <select>, a search box with unit-picker.js.
        "unit_select": SimpleLazyObject(lambda: form["unit"].as_widget()),
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
