"""`{% portal_certificate registration as info %}`: what the participant portal says about the certificate."""

from __future__ import annotations

from django import template

from ..selectors import portal_certificate_state

register = template.Library()

# The name certificates/views.py (portal_pdf) imports; the state is computed by the selector.
portal_certificate_info = portal_certificate_state


@register.simple_tag
def portal_certificate(registration):
    """``selectors.portal_certificate_state`` of the registration (None without one)."""
    if registration is None:
        return None
    # Computed already for the page's ETag (selectors.portal_certificate_signature)?
    state = registration.__dict__.get("portal_certificate_block")
    return state if state is not None else portal_certificate_state(registration)
