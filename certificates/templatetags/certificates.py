"""`{% portal_certificate registration as info %}`: what the participant portal says about the certificate."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


def portal_certificate_info(registration) -> dict:
    """The valid certificate, or whether one can be issued now, or why not (for this registration only)."""
    from ..eligibility import registration_eligibility
    from ..models import Certificate

    event = registration.event
    today = timezone.localdate(timezone=event.tz)
    ended = today > event.end_date
    info = {"certificate": None, "event_ended": ended, "can_issue": False, "eligibility": None,
            "download_path": f"{registration.portal_path}sertifikat.pdf"}
    if today < event.start_date:
        return info  # nothing can have been earned yet: no query before the event
    certificate = (Certificate.objects.filter(registration=registration).exclude(status=Certificate.Status.REVOKED)
                   .select_related("event").first())
    info["certificate"] = certificate
    if certificate is None and ended:
        eligibility = registration_eligibility(registration)
        info["eligibility"] = eligibility
        info["can_issue"] = bool(eligibility.eligible and eligibility.template is not None
                                 and eligibility.template.self_service)
    return info


@register.simple_tag
def portal_certificate(registration):
    if registration is None:
        return None
    return portal_certificate_info(registration)
