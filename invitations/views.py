"""Pages: the organisers' invitation (write, issue, send, follow up per unit), the unit's delegation page
(coordinators and organisers), the tracked link of the e-mail, letters and surat tugas as downloads.

Who may see a unit's delegation, letter and surat tugas: ``selectors.can_see_delegation`` (organisers,
and the unit's own coordinator: the one who receives its letter). Anything else is a 404, so that nothing is revealed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from attendance.identity import wa_link
from attendance.models import Registration
from rakor.access import organiser_only, staff_area
from rakor.media import stored_file_response
from rakor.models import Event, Unit
from rakor.roles import coordinator_unit, is_organiser
from rakor.uploads import upload_limit

from . import documents, selectors, services
from .forms import GroupFormSet, InvitationForm, SuratTugasForm
from .letters import unit_letter_pdf
from .models import SuratTugas, UnitLetter


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _reminder_text(event, unit, url) -> str:
    return _("Yth. Koordinator %(unit)s, mohon isi delegasi dan unggah surat tugas untuk %(event)s: %(url)s") % {
        "unit": unit.name, "event": event.name, "url": url}


@organiser_only
def organiser(request, event):
    """Write the invitation (until issued), issue and send it, and follow each unit's answer."""
    event = get_object_or_404(Event, slug=event)
    invitation = selectors.invitation_for(event)
    locked = bool(invitation and invitation.issued)
    groups_initial = [{"unit_kind": g.unit_kind, "positions": g.positions, "mode": g.mode, "seats": g.seats}
                      for g in invitation.groups.all()] if invitation else []
    form = InvitationForm(request.POST if request.method == "POST" and not locked else None, instance=invitation,
                          initial=None if invitation else {"letter_date": event.start_date, "subject": _(
                              "Undangan %(event)s") % {"event": event.name}})
    formset = GroupFormSet(request.POST if request.method == "POST" and not locked else None, prefix="g",
                           initial=groups_initial)
    action = request.POST.get("action", "")
    if request.method == "POST":
        if action == "save" and not locked:
            if form.is_valid() and formset.is_valid():
                groups = [f.cleaned_data for f in formset.forms
                          if f.cleaned_data and not f.cleaned_data.get("DELETE")]
                try:
                    services.invitation_save(event=event, data=form.cleaned_data, groups=groups, by=request.user)
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, _("Undangan disimpan."))
                    return redirect("invitations:organiser", event=event.slug)
        elif action == "send" and invitation is not None:
            try:
                n = services.invitation_send(invitation=invitation, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                invitation.refresh_from_db()
                messages.success(request, _("Undangan nomor %(number)s: %(n)s surat unit diantrekan untuk dikirim.")
                                 % {"number": invitation.number, "n": n})
            return redirect("invitations:organiser", event=event.slug)
    all_answers = selectors.unit_answers(invitation) if invitation else []
    show = request.GET.get("tampil", "")
    answers = all_answers
    if show == "belum":
        answers = [a for a in all_answers if not a.answered]
    elif show == "kurang":
        answers = [a for a in all_answers if a.short]
    numbers = selectors.coordinator_whatsapps([a.unit for a in answers if not a.answered or a.short])
    for a in answers:
        number = numbers.get(a.unit.pk, "")
        url = request.build_absolute_uri(reverse("invitations:delegation", args=[event.slug, a.unit.pk]))
        a.wa_url = wa_link(number, _reminder_text(event, a.unit, url)) if number else ""
    counts = {"units": len(all_answers), "sent": sum(1 for a in all_answers if a.letter and a.letter.sent_at),
              "opened": sum(1 for a in all_answers if a.letter and a.letter.opened_at),
              "answered": sum(1 for a in all_answers if a.answered),
              "short": sum(1 for a in all_answers if a.short)}
    return render(request, "invitations/organiser.html", {
        "event": event, "invitation": invitation, "form": form, "formset": formset, "locked": locked,
        "answers": answers, "counts": counts, "show": show, "nav": "invitations",
    })


@organiser_only
def draft_pdf(request, event, unit):
    """An unsigned draft of one unit's letter, before the invitation is issued (nothing is stored)."""
    event = get_object_or_404(Event, slug=event)
    invitation = selectors.invitation_for(event)
    unit = get_object_or_404(Unit, pk=unit)
    if invitation is None:
        raise Http404
    return _pdf(documents.letter_pdf(invitation, unit), f"draf-undangan-{event.slug}-{unit.code}.pdf")


def _letter_for(request, event_slug: str, unit_pk: int) -> UnitLetter:
    letter = (UnitLetter.objects.select_related("invitation__event", "unit")
              .filter(invitation__event__slug=event_slug, unit_id=unit_pk).first())
    if letter is None or not letter.invitation.issued or not selectors.can_see_delegation(request.user, letter.unit):
        raise Http404(_("Surat tidak ditemukan."))
    return letter


@staff_area
@require_http_methods(["GET", "HEAD"])
def letter_pdf(request, event, unit):
    """The unit's signed letter (made and stored on first download)."""
    letter = _letter_for(request, event, unit)
    if letter.pdf:
        return stored_file_response(letter.pdf.name, filename=f"undangan-{event}-{letter.unit.code}.pdf")
    return _pdf(unit_letter_pdf(letter), f"undangan-{event}-{letter.unit.code}.pdf")


@organiser_only
@require_POST
def remind(request, event, unit):
    letter = _letter_for(request, event, unit)
    services.unit_letter_remind(letter=letter, by=request.user)
    messages.success(request, _("Pengingat untuk %(unit)s diantrekan.") % {"unit": letter.unit.name})
    return redirect(f"{reverse('invitations:organiser', args=[event])}#unit-{letter.unit.pk}")


@require_http_methods(["GET", "HEAD"])
def open_letter(request, token):
    """The tracked link of the e-mail: records "opened", then goes to the unit's delegation page (sign-in there)."""
    letter = None
    if request.method == "GET":
        letter = services.unit_letter_open(token)
    else:
        letter = UnitLetter.objects.select_related("invitation__event").filter(token=token).first()
    if letter is None:
        raise Http404
    response = redirect("invitations:delegation", event=letter.invitation.event.slug, unit=letter.unit_id)
    response["Cache-Control"] = "private, no-store"
    return response


@staff_area
def my_delegation(request, event):
    own = coordinator_unit(request.user)
    if own is None:  # organisers follow every unit from their page
        return redirect("invitations:organiser", event=event)
    return redirect("invitations:delegation", event=event, unit=own.pk)


@staff_area
def delegation(request, event, unit):
    """What the invitation asks of the unit, and whom it has named, with their surat tugas."""
    event = get_object_or_404(Event, slug=event)
    unit = get_object_or_404(Unit, pk=unit)
    if not selectors.can_see_delegation(request.user, unit):
        raise Http404(_("Unit tidak ditemukan."))
    invitation = selectors.invitation_for(event)
    asked = selectors.asked_of(invitation, unit) if invitation else []
    letter = invitation.letters.filter(unit=unit).first() if invitation else None
    registrations = list(selectors.delegation_registrations(event, unit))
    named = {"in_person": sum(1 for r in registrations if r.in_person)}
    named["online"] = len(registrations) - named["in_person"]
    asked_seats = selectors.seats_asked(asked)
    rows = [{"mode": mode, "label": label, "asked": asked_seats.get(mode, 0), "named": named[mode]}
            for mode, label in (("in_person", _("Luring")), ("online", _("Daring")))]
    return render(request, "invitations/delegation.html", {
        "event": event, "unit": unit, "invitation": invitation, "asked": asked, "letter": letter, "rows": rows,
        "registrations": registrations, "form": SuratTugasForm(), "is_organiser": is_organiser(request.user),
        "own_unit": coordinator_unit(request.user),
    })


def _registration_for(request, event_slug: str, public_id: str) -> Registration:
    registration = (Registration.objects.select_related("event", "participant__unit")
                    .filter(event__slug=event_slug, public_id=public_id).first())
    if registration is None or not selectors.can_see_delegation(request.user, registration.participant.unit):
        raise Http404(_("Pendaftaran tidak ditemukan."))
    return registration


@staff_area
@require_POST
@upload_limit("SURAT_TUGAS_MAX_BYTES")
def surat_tugas_upload(request, event, public_id):
    registration = _registration_for(request, event, public_id)
    form = SuratTugasForm(request.POST, request.FILES)
    back = f"{reverse('invitations:delegation', args=[event, registration.participant.unit_id])}#r-{public_id}"
    if not form.is_valid():
        messages.error(request, _("Pilih berkas PDF surat tugas."))
        return redirect(back)
    try:
        services.surat_tugas_upload(registration=registration, upload=form.cleaned_data["file"], by=request.user)
    except ValidationError as exc:
        messages.error(request, f"{registration.participant.full_name}: {' '.join(exc.messages)}")
    else:
        messages.success(request, _("Surat tugas %(name)s tersimpan.") % {"name": registration.participant.full_name})
    return redirect(back)


@staff_area
@require_http_methods(["GET", "HEAD"])
def surat_tugas_file(request, event, public_id):
    registration = _registration_for(request, event, public_id)
    st = SuratTugas.objects.filter(registration=registration).first()
    if st is None or not st.file:
        raise Http404
    return stored_file_response(st.file.name, filename=f"surat-tugas-{registration.public_id}.pdf",
                                content_type="application/pdf")
