"""E-mail telling a participant their certificate is ready, with their personal download link."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from attendance.tasks import EMAIL_TASK_OPTIONS

from .models import Certificate


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


# The name it had in tasks.py: messages queued by an older version still find it. Retried on SMTP errors.
@shared_task(name="certificates.tasks.send_certificate_email", **EMAIL_TASK_OPTIONS)
def send_certificate_email(certificate_id: int) -> None:
    """Send a valid certificate's download link to its recipient (nothing when revoked, erased or without e-mail)."""
    certificate = (Certificate.objects.select_related("event", "registration__participant")
                   .filter(pk=certificate_id).first())
    if certificate is not None and certificate.is_valid and certificate.registration.participant.email:
        send_certificate_link_email(certificate)
