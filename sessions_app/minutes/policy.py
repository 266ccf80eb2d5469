"""The permission matrix of the minutes workflow (one place; views, consumers and tests use it).

| action                          | assigned notulis | organiser           | coordinator / other notulis |
|---------------------------------|------------------|---------------------|-----------------------------|
| see a draft / in-review record  | yes              | yes                 | no                          |
| see a final record, PDF         | yes              | yes                 | yes                         |
| edit a draft, submit for review | yes              | no                  | no                          |
| return to draft / finalise      | no               | while in review     | no                          |
| open a correction of a final    | no               | yes (with a reason) | no                          |
| restore an old revision         | while draft      | any time            | no                          |
| assign minute takers            | no               | yes                 | no                          |
"""

from __future__ import annotations

from rakor.roles import NOTULIS, _in_group, coordinator_unit, is_organiser


def is_minute_taker(user) -> bool:
    return _in_group(user, NOTULIS)


def is_assigned(user, minutes) -> bool:
    if minutes is None or not user or not user.is_authenticated:
        return False
    cache = getattr(minutes, "_taker_ids", None)
    if cache is None:
        cache = set(minutes.minute_takers.values_list("pk", flat=True))
        minutes._taker_ids = cache
    return user.pk in cache


def can_list(user) -> bool:
    """Who may open the list of minutes of an event."""
    return is_organiser(user) or is_minute_taker(user) or coordinator_unit(user) is not None


def can_view(user, minutes) -> bool:
    if minutes is None:
        return is_organiser(user)
    if is_organiser(user) or is_assigned(user, minutes):
        return True
    return minutes.status == minutes.Status.FINAL and can_list(user)


def can_edit(user, minutes) -> bool:
    return minutes is not None and minutes.status == minutes.Status.DRAFT and is_assigned(user, minutes)


can_submit = can_edit


def can_review(user, minutes) -> bool:
    """Return to the minute takers, or finalise."""
    return minutes is not None and minutes.status == minutes.Status.REVIEW and is_organiser(user)


def can_correct(user, minutes) -> bool:
    return minutes is not None and minutes.status == minutes.Status.FINAL and is_organiser(user)


def can_restore(user, minutes) -> bool:
    if minutes is None:
        return False
    if is_organiser(user):
        return True
    return can_edit(user, minutes)


def can_assign(user) -> bool:
    return is_organiser(user)


def can_see_revisions(user, minutes) -> bool:
    return is_organiser(user) or is_assigned(user, minutes)
