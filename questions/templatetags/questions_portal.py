"""``{% questions_portal_box registration %}``: the portal's "Tanya" box for the event's live sessions.

The portal (attendance) includes this tag by name; no Python import runs from attendance to questions.
Today's scheduled sessions get a hidden box too, which the portal's script shows when the agenda's live
status turns the session live (and hides again when it ends), without reloading the page.
"""

from __future__ import annotations

from django import template

from ..selectors import portal_box

register = template.Library()


@register.inclusion_tag("questions/_portal_box.html")
def questions_portal_box(registration):
    if hasattr(registration, "portal_questions_box"):  # computed for the page's ETag (portal_signature)
        return registration.portal_questions_box
    return portal_box(registration)
