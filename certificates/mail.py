"""E-mail telling a participant their certificate is ready, with their personal download link."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def certificate_download_url(registration) -> str:
    return f"{registration.portal_url}sertifikat.pdf"


def send_certificate_link_email(certificate) -> None:
    registration = certificate.registration
    context = {"certificate": certificate, "event": certificate.event, "participant": registration.participant,
               "download_url": certificate_download_url(registration), "portal_url": registration.portal_url,
               "verify_url": certificate.verify_url}
    subject = _("Sertifikat Anda: %(event)s") % {"event": certificate.event_name}
    text = render_to_string("certificates/email/certificate_link.txt", context)
    html = render_to_string("certificates/email/certificate_link.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [registration.participant.email])
    message.attach_alternative(html, "text/html")
    message.send()
