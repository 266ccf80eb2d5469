"""Reads: what the invitation asks of each unit, what each unit has answered, and the report's summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from attendance.models import Registration, RegistrationDay
from attendance.personal_data import Section
from rakor.models import Event, StaffProfile, Unit
from rakor.roles import COORDINATOR, coordinator_unit, is_organiser

from .models import Invitation, InvitedGroup, SuratTugas, UnitLetter

MODES = (RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE)


def invitation_for(event: Event) -> Invitation | None:
    return Invitation.objects.filter(event=event).select_related("event", "sequence").first()


def invited_kinds(invitation: Invitation) -> list[str]:
    return sorted({g.unit_kind for g in invitation.groups.all()})


def invited_units(invitation: Invitation):
    """Every unit of a kind the lampiran names, in the tree's order."""
    return Unit.objects.filter(kind__in=invited_kinds(invitation)).order_by("sort_order", "name")


def asked_of(invitation: Invitation, unit: Unit) -> list[InvitedGroup]:
    """The lines of the lampiran that apply to ``unit`` (those of its kind)."""
    return [g for g in invitation.groups.all() if g.unit_kind == unit.kind]


def seats_asked(groups) -> dict[str, int]:
    asked = {m: 0 for m in MODES}
    for g in groups:
        asked[g.mode] = asked.get(g.mode, 0) + g.seats
    return asked


def _in_person():
    return Exists(RegistrationDay.objects.filter(registration=OuterRef("pk"), mode=RegistrationDay.Mode.IN_PERSON))


def delegation_registrations(event: Event, unit: Unit):
    """The unit's own active registrations for the event, with their mode and surat tugas."""
    return (Registration.objects.filter(event=event, participant__unit=unit, status__in=Registration.ACTIVE_STATUSES)
            .select_related("participant", "surat_tugas").annotate(in_person=_in_person())
            .order_by("participant__full_name"))


def _active_coordinators(unit: Unit) -> list:
    return [p.user for p in StaffProfile.objects.filter(unit=unit, user__groups__name=COORDINATOR,
                                                         user__is_active=True).select_related("user")]


def delegation_keeper(unit: Unit) -> Unit | None:
    """The unit whose coordinators answer for ``unit``'s delegation: the unit itself, else its nearest
    ancestor that has an active coordinator (who then receives its letter), else None (organisers only)."""
    node = unit
    while node is not None:
        if _active_coordinators(node):
            return node
        node = node.parent
    return None


def can_see_delegation(user, unit: Unit) -> bool:
    """Issue 18: a unit's delegation, letter and surat tugas are seen by the organisers and by that unit's
    coordinator only (the one who receives its letter), not by every coordinator of a unit above it."""
    if is_organiser(user):
        return True
    own = coordinator_unit(user)
    keeper = delegation_keeper(unit) if own is not None else None
    return keeper is not None and keeper.pk == own.pk


def coordinators_of(unit: Unit) -> list:
    """The coordinators who receive ``unit``'s letter: those of its ``delegation_keeper`` with an e-mail."""
    keeper = delegation_keeper(unit)
    return [u for u in _active_coordinators(keeper) if u.email] if keeper else []


def coordinator_whatsapps(units) -> dict[int, str]:
    """Unit id -> a WhatsApp number of one of its coordinators (units without one are left out), in one query."""
    found = {}
    for unit_id, number in (StaffProfile.objects.filter(unit__in=units, user__groups__name=COORDINATOR,
                                                         user__is_active=True)
                            .exclude(whatsapp="").order_by("pk").values_list("unit_id", "whatsapp")):
        found.setdefault(unit_id, number)
    return found


@dataclass
class UnitAnswer:
    """One unit's row on the organiser's page."""

    unit: Unit
    letter: UnitLetter | None
    asked: dict[str, int]
    named: dict[str, int] = field(default_factory=dict)
    surat_tugas: int = 0

    @property
    def asked_total(self) -> int:
        return sum(self.asked.values())

    @property
    def named_total(self) -> int:
        return sum(self.named.values())

    @property
    def answered(self) -> bool:
        return self.named_total > 0

    @property
    def short(self) -> bool:
        """Fewer people named than invited, for either mode."""
        return any(self.named.get(m, 0) < n for m, n in self.asked.items())


def unit_answers(invitation: Invitation) -> list[UnitAnswer]:
    """Per invited unit: its letter's state, the seats asked and the people named (in three queries)."""
    groups = list(invitation.groups.all())
    units = list(invited_units(invitation))
    letters = {lt.unit_id: lt for lt in UnitLetter.objects.filter(invitation=invitation)}
    counts = (Registration.objects.filter(event=invitation.event, participant__unit__in=units,
                                          status__in=Registration.ACTIVE_STATUSES)
              .annotate(in_person=_in_person()).values("participant__unit", "in_person")
              .annotate(n=Count("pk"), n_st=Count("surat_tugas")))
    rows = {u.pk: UnitAnswer(unit=u, letter=letters.get(u.pk),
                             asked=seats_asked(g for g in groups if g.unit_kind == u.kind),
                             named={m: 0 for m in MODES}) for u in units}
    for c in counts:
        row = rows[c["participant__unit"]]
        mode = RegistrationDay.Mode.IN_PERSON if c["in_person"] else RegistrationDay.Mode.ONLINE
        row.named[mode] += c["n"]
        row.surat_tugas += c["n_st"]
    return [rows[u.pk] for u in units]


def report_summary(event: Event) -> dict | None:
    """What the activity report says of the invitation; None when the event has none.

    ``units_answered`` counts the invited units that have named at least one person;
    ``units_missing`` names the others.
    """
    invitation = invitation_for(event)
    if invitation is None:
        return None
    answers = unit_answers(invitation)
    return {
        "number": invitation.number,
        "date": invitation.letter_date,
        "subject": invitation.subject,
        "signatory": invitation.signatory_name,
        "units_invited": len(answers),
        "units_answered": sum(1 for a in answers if a.answered),
        "units_missing": [a.unit.name for a in answers if not a.answered],
        "asked": [{"unit_kind": str(g.get_unit_kind_display()), "positions": g.positions,
                   "mode": str(g.get_mode_display()), "seats": g.seats} for g in invitation.groups.all()],
    }


def personal_sections(participant, registrations) -> list[Section]:
    """"My data": the surat tugas kept for the person's registrations."""
    rows = [{"event": st.registration.event.name, "uploaded_at": st.uploaded_at}
            for st in SuratTugas.objects.filter(registration__in=registrations).select_related("registration__event")]
    if not rows:
        return []
    return [Section(key="surat_tugas", title=_("Surat tugas"),
                    columns=[("event", _("Acara")), ("uploaded_at", _("Diunggah"))],
                    rows=rows)]
