"""The e-mail that carries a unit's invitation letter to its coordinators, with the tracked link to their delegation page."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from attendance.tasks import EMAIL_TASK_OPTIONS

from .letters import unit_letter_mark_sent, unit_letter_pdf
from .models import UnitLetter
from .selectors import asked_of, coordinators_of


def tracked_url(letter: UnitLetter) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitations:open", args=[letter.token])


def send_unit_letter_email(letter: UnitLetter, *, reminder: bool = False) -> list[str]:
    """Send the letter (PDF attached) to the unit's coordinators; returns the addresses (none: nothing sent)."""
    invitation = letter.invitation
    recipients = [u.email for u in coordinators_of(letter.unit)]
    if not recipients:
        return []
    context = {"letter": letter, "invitation": invitation, "event": invitation.event, "unit": letter.unit,
               "asked": asked_of(invitation, letter.unit), "url": tracked_url(letter), "reminder": reminder}
    subject = (_("Pengingat: delegasi %(unit)s untuk %(event)s") if reminder
               else _("Undangan %(event)s — %(unit)s")) % {"event": invitation.event.name, "unit": letter.unit.name}
    message = EmailMultiAlternatives(subject, render_to_string("invitations/email.txt", context),
                                     settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(render_to_string("invitations/email.html", context), "text/html")
    message.attach(f"undangan-{invitation.event.slug}-{letter.unit.code}.pdf", unit_letter_pdf(letter),
                   "application/pdf")
    message.send()
    unit_letter_mark_sent(letter=letter, recipients=recipients, reminder=reminder)
    return recipients


@shared_task(name="invitations.tasks.send_unit_letter", **EMAIL_TASK_OPTIONS)
def send_unit_letter(letter_id: int, reminder: bool = False) -> None:
    """E-mail one unit's invitation letter (or a reminder) to the unit's coordinators."""
    letter = UnitLetter.objects.select_related("invitation__event", "unit").filter(pk=letter_id).first()
    if letter is not None and letter.invitation.issued:
        send_unit_letter_email(letter, reminder=reminder)
