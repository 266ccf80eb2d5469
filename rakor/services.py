"""Writes of the core app that are more than one row's business."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Event
from .signing import SigningKeyError, reseal_private_key


def event_signing_keys_reseal(*, by=None) -> int:
    """Re-seal every event's ticket signing key under the first of TICKET_KEY_ENCRYPTION_KEYS; returns how many.

    All or nothing, in one transaction with the event rows locked: when a key cannot be opened with
    any configured key, raises SigningKeyError naming the event and changes nothing. The private
    keys themselves do not change, so every ticket issued before still verifies. Running it again
    is harmless. Each event gets an audit entry (no key material in it).
    """
    with transaction.atomic():
        events = list(Event.objects.select_for_update().order_by("pk").only("pk", "slug", "name", "signing_key"))
        for event in events:
            try:
                event.signing_key = reseal_private_key(event.signing_key)
            except SigningKeyError as exc:
                raise SigningKeyError(_("Acara %(event)s: %(problem)s") % {"event": event.slug, "problem": exc}) from None
        Event.objects.bulk_update(events, ["signing_key"])
        for event in events:
            audit.audit_record(actor=by, action="signing_key_reseal", obj=event, event=event)
    return len(events)
