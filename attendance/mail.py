"""E-mails to participants, in the language they registered in.

One e-mail, several occasions (``kind``): ``registered`` (the first one), ``status``
(an approver or organiser changed the registration's status), ``resend`` (the person
asked for their link again). Every one carries the personal portal link and says the
status; an approved registration with a valid ticket gets the ticket attached (the A6
PDF the portal offers) and only then does the subject speak of a ticket.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

KINDS = ("registered", "status", "resend")


def ticket_available(registration) -> bool:
    return registration.status == registration.Status.APPROVED and registration.ticket_revoked_at is None


def ticket_pdf(registration) -> bytes:
    """The printable A6 ticket (the same template as the portal's download)."""
    from rakor.pdf import render_pdf
    from rakor.qr import qr_data_uri

    event = registration.event
    help_lines = [{"label": _("WA Layanan"), "number": event.wa_service}] if event.wa_service else []
    if event.wa_complaints:
        help_lines.append({"label": _("WA Pengaduan"), "number": event.wa_complaints})
    ticket = registration.ticket
    return render_pdf("attendance/ticket_a6.html", {
        "registration": registration, "event": event, "participant": registration.participant,
        "days": list(registration.days.all()), "help_lines": help_lines, "ticket": ticket,
        "qr_uri": qr_data_uri(ticket),
    })


def portal_email_subject(registration, kind: str = "registered") -> str:
    """What the e-mail contains, in its subject: a ticket only when one is attached."""
    values = {"event": registration.event.name}
    status = registration.status
    if ticket_available(registration):
        if kind == "status":
            return _("Pendaftaran disetujui, tiket Anda terlampir: %(event)s") % values
        return _("Tiket dan tautan portal Anda: %(event)s") % values
    if status == registration.Status.PENDING:
        if kind == "registered":
            return _("Pendaftaran Anda diterima, menunggu persetujuan: %(event)s") % values
        return _("Tautan portal Anda (menunggu persetujuan): %(event)s") % values
    if status == registration.Status.REJECTED:
        return _("Pendaftaran Anda ditolak: %(event)s") % values
    if status == registration.Status.CANCELLED:
        return _("Pendaftaran Anda dibatalkan: %(event)s") % values
    return _("Tautan portal Anda: %(event)s") % values


def send_portal_link_email(registration, kind: str = "registered") -> None:
    kind = kind if kind in KINDS else "registered"
    with_ticket = ticket_available(registration)
    context = {"registration": registration, "event": registration.event, "participant": registration.participant,
               "portal_url": registration.portal_url, "site_url": settings.SITE_URL, "kind": kind,
               "with_ticket": with_ticket}
    subject = portal_email_subject(registration, kind)
    text = render_to_string("email/portal_link.txt", context)
    html = render_to_string("email/portal_link.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [registration.participant.email])
    message.attach_alternative(html, "text/html")
    if with_ticket:
        message.attach(f"tiket-{registration.event.slug}-{registration.public_id}.pdf", ticket_pdf(registration),
                       "application/pdf")
    message.send()
