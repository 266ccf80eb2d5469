"""E-mails to participants, in the language they registered in."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def send_portal_link_email(registration) -> None:
    context = {"registration": registration, "event": registration.event, "participant": registration.participant,
               "portal_url": registration.portal_url, "site_url": settings.SITE_URL}
    subject = _("Tiket dan tautan portal Anda: %(event)s") % {"event": registration.event.name}
    text = render_to_string("email/portal_link.txt", context)
    html = render_to_string("email/portal_link.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [registration.participant.email])
    message.attach_alternative(html, "text/html")
    message.send()
