"""`{% portal_evaluation registration as info %}`: the portal's evaluation card (evaluation.selectors.portal_state)."""

from __future__ import annotations

from django import template

from ..selectors import portal_state

register = template.Library()


@register.simple_tag
def portal_evaluation(registration):
    if registration is None:
        return None
    if hasattr(registration, "portal_evaluation_card"):  # computed for the page's ETag (portal_signature)
        return registration.portal_evaluation_card
    return portal_state(registration)
