""""Resend my link" (issue 12, item 3): a person who lost their portal link asks for it by NIP or e-mail.

The link goes only to the e-mail address on record for that person (services.portal_link_resend);
the page answers the same sentence whether or not the NIP or e-mail is registered, and has an
address on record or not. Rate-limited per client address and per NIP/e-mail asked about
(``attendance.ratelimit.form_limit_hit``), past either: 429 with Retry-After, also the same for
everybody.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from rakor.models import Event
from rakor.net import client_ip

from .. import services
from ..identity import wa_link
from ..ratelimit import form_limit_hit


class ResendForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("NIP atau e-mail"), max_length=200,
        help_text=gettext_lazy("NIP 18 digit (atau nomor identitas lain) yang Anda pakai saat mendaftar, "
                               "atau alamat e-mail Anda."),
        error_messages={"required": gettext_lazy("Isi NIP atau alamat e-mail Anda.")},
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email", "autocapitalize": "none"}),
    )


def _person_key(identifier: str) -> str:
    # The counter's key says nothing about the person (no NIP or e-mail in the cache).
    normalised = "".join(identifier.split()).lower()
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


def _help_lines(event: Event) -> list[dict]:
    lines = []
    for label, number in ((_("WA Layanan"), event.wa_service), (_("WA Pengaduan"), event.wa_complaints)):
        if number:
            text = _("Halo panitia %(event)s, tautan portal saya hilang.") % {"event": event.name}
            lines.append({"label": label, "number": number, "url": wa_link(number, text)})
    return lines


@never_cache
def resend_link(request, slug):
    event = get_object_or_404(Event, slug=slug)
    form = ResendForm(request.POST or None)
    context = {"event": event, "form": form, "sent": request.GET.get("terkirim") == "1",
               "help_lines": _help_lines(event)}
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        window = settings.RESEND_LINK_WINDOW
        limited = form_limit_hit("resend-link", client_ip(request), limit=settings.RESEND_LINK_LIMIT, window=window)
        limited = form_limit_hit("resend-link-person", _person_key(identifier),
                                 limit=settings.RESEND_LINK_PER_PERSON, window=window) or limited
        if limited:
            response = render(request, "attendance/public/resend_link.html",
                              {**context, "limited": True, "minutes": max(1, window // 60)}, status=429)
            response["Retry-After"] = str(window)
            return response
        services.portal_link_resend(event=event, identifier=identifier)
        # The same answer for everybody (Post/Redirect/Get: a reload does not send again).
        return redirect(reverse("attendance:resend_link", args=[event.slug]) + "?terkirim=1")
    return render(request, "attendance/public/resend_link.html", context)
