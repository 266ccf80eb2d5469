"""The organisers' event console at a glance: one small read per fact, each from the app that owns it."""

from __future__ import annotations

from attendance import selectors as attendance_selectors
from certificates import selectors as certificate_selectors
from rakor.models import Event
from agenda import selectors as session_selectors
from minutes import selectors as minutes_selectors

from .landing import local_today


def event_facts(event: Event) -> dict:
    """Registered, pending approval, checked in today, online now, sessions live, minutes to review,
    certificates issued. A fixed handful of queries whatever the size of the event."""
    today = local_today(event)
    counts = attendance_selectors.registration_counts(event)
    during = event.start_date <= today <= event.end_date
    online = attendance_selectors.online_counts_cached(event, today) if during else {"now": 0}
    return {
        "today": today,
        "during": during,
        "registered": counts["total"] - counts["cancelled"] - counts["rejected"],
        "approved": counts["approved"],
        "pending": counts["pending"],
        "checked_in_today": attendance_selectors.checked_in_count(event, today) if during else None,
        "online_now": online["now"],
        "sessions": session_selectors.session_status_counts(event),
        "minutes": minutes_selectors.minutes_status_counts(event),
        "certificates": certificate_selectors.certificate_counts(event),
    }
