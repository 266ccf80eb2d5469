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

What of the attendance list (*daftar hadir*) a reader sees, in the page, the print view and
the PDF alike, is decided by ``attendance_access`` alone (issue 19, "least data shown"):

| reader                                   | people listed                    | NIP |
|------------------------------------------|----------------------------------|-----|
| organiser                                | everyone                         | yes |
| assigned minute taker                    | everyone                         | no  |
| coordinator (not assigned)               | their unit and the units under it| no  |
| other minute taker                       | everyone                         | no  |
| anyone else                              | nobody                           | no  |
"""

from __future__ import annotations

from dataclasses import dataclass

from rakor.roles import coordinator_unit, is_notulis, is_organiser


def is_minute_taker(user) -> bool:
    return is_notulis(user)


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


@dataclass(frozen=True)
class AttendanceAccess:
    """What of a notula's attendance list one reader may see.

    ``people``: "all", "unit" (``unit`` and every unit under it) or "none". ``key`` names the
    version of a document made for this access: anything that keeps a rendered notula (a
    cache, a stored file) must key it by ``key`` too, so that a coordinator never receives
    the organiser's version.
    """

    people: str
    show_nip: bool = False
    unit: object = None  # a rakor.models.Unit when people == "unit"

    @property
    def key(self) -> str:
        scope = f"unit-{self.unit.pk}" if self.people == "unit" else self.people
        return f"{scope}-{'nip' if self.show_nip else 'no-nip'}"


FULL_ACCESS = AttendanceAccess(people="all", show_nip=True)
NO_ACCESS = AttendanceAccess(people="none")


def attendance_access(user, minutes) -> AttendanceAccess:
    """The attendance list ``user`` may see in ``minutes`` (the table in this module's docstring).

    NIPs only to organisers. An assigned minute taker writes about the whole meeting, so sees
    everyone (names, positions, units); a coordinator who is not assigned sees only their own
    unit's subtree; anyone who may not view the minutes sees nobody.
    """
    if is_organiser(user):
        return FULL_ACCESS
    if not can_view(user, minutes):
        return NO_ACCESS
    if is_assigned(user, minutes):
        return AttendanceAccess(people="all")
    unit = coordinator_unit(user)
    if unit is not None:
        return AttendanceAccess(people="unit", unit=unit)
    if is_minute_taker(user):
        return AttendanceAccess(people="all")
    return NO_ACCESS
