"""Celery tasks: thin wrappers that take ids, re-fetch, and call a service or mailer."""

from celery import shared_task


@shared_task
def send_portal_link(registration_id: int) -> None:
    from .mail import send_portal_link_email
    from .models import Registration

    registration = Registration.objects.select_related("event", "participant").filter(pk=registration_id).first()
    if registration is not None and registration.participant.email:
        send_portal_link_email(registration)
