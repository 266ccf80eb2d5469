"""The seat rule (attendance/quotas.py) is one rule: services, the import and the demo seeder agree.

Each case sets up the same registrations and asks the three callers about one more:
``registration_create`` (refuses with a ValidationError), ``import_participants`` (reports the
row) and the demo's ``SeatBook.take`` (turns a full day online instead of refusing).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from attendance import services
from attendance.importing import import_participants
from attendance.models import Registration, RegistrationDay
from attendance.quotas import CAPACITY_EXCEEDED, QUOTA_EXCEEDED, SeatBook
from rakor.models import Unit
from tests.attendance.test_import import row, xlsx
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, valid_nip

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE
D1, D2, D3 = dt.date(2022, 11, 21), dt.date(2022, 11, 22), dt.date(2022, 11, 23)
WORD = {IN: "luring", ON: "daring"}


@pytest.fixture
def event():
    return EventFactory(start_date=D1, end_date=D3, requires_approval=False)


@pytest.fixture
def units():
    kanwil = UnitFactory(code="kanwil", name="Kanwil Kemenag Provinsi Jawa Barat")
    district = Unit.objects.create(code="garut", name="Kankemenag Kabupaten Garut", kind=Unit.Kind.DISTRICT,
                                   parent=kanwil)
    kua = Unit.objects.create(code="kua", name="KUA Kecamatan Tarogong", kind=Unit.Kind.OTHER, parent=district)
    other = UnitFactory(code="lain", name="Kanwil Kemenag Provinsi Jawa Timur")
    return {"kanwil": kanwil, "district": district, "kua": kua, "other": other}


def modes(*words):
    return dict(zip((D1, D2, D3), words))


# (name, quotas {unit: seats}, capacity, existing [(unit, modes, status)], new (unit, modes), expected (code, day) | None)
CASES = [
    ("unit quota full", {"kanwil": 1}, None, [("kanwil", (IN, ON, ON), "approved")], ("kanwil", (IN, ON, ON)),
     (QUOTA_EXCEEDED, D1)),
    ("the last seat is free", {"kanwil": 2}, None, [("kanwil", (IN, ON, ON), "approved")], ("kanwil", (IN, ON, ON)),
     None),
    ("pending holds a seat", {"kanwil": 1}, None, [("kanwil", (IN, ON, ON), "pending")], ("kanwil", (IN, ON, ON)),
     (QUOTA_EXCEEDED, D1)),
    ("rejected frees its seat", {"kanwil": 1}, None, [("kanwil", (IN, ON, ON), "rejected")], ("kanwil", (IN, ON, ON)),
     None),
    ("cancelled frees its seat", {"kanwil": 1}, None, [("kanwil", (IN, ON, ON), "cancelled")],
     ("kanwil", (IN, ON, ON)), None),
    ("online takes no seat", {"kanwil": 1}, None, [("kanwil", (ON, ON, ON), "approved")], ("kanwil", (IN, ON, ON)),
     None),
    ("seats are per day", {"kanwil": 1}, None, [("kanwil", (IN, ON, ON), "approved")], ("kanwil", (ON, IN, IN)), None),
    ("the second day is full", {"kanwil": 1}, None, [("kanwil", (ON, IN, ON), "approved")],
     ("kanwil", (IN, IN, ON)), (QUOTA_EXCEEDED, D2)),
    ("a subtree counts against the ancestor's quota", {"kanwil": 1}, None, [("kua", (IN, ON, ON), "approved")],
     ("kanwil", (IN, ON, ON)), (QUOTA_EXCEEDED, D1)),
    ("a unit without its own quota falls under its ancestor's", {"kanwil": 1}, None,
     [("kanwil", (IN, ON, ON), "approved")], ("district", (IN, ON, ON)), (QUOTA_EXCEEDED, D1)),
    ("a nested quota counts apart (ancestor side)", {"kanwil": 1, "district": 1}, None,
     [("kua", (IN, ON, ON), "approved")], ("kanwil", (IN, ON, ON)), None),
    ("a nested quota counts apart (nested side)", {"kanwil": 1, "district": 1}, None,
     [("kua", (IN, ON, ON), "approved")], ("district", (IN, ON, ON)), (QUOTA_EXCEEDED, D1)),
    ("no quota, no capacity: no limit", {"kanwil": 1}, None, [("other", (IN, IN, IN), "approved")] * 2,
     ("other", (IN, IN, IN)), None),
    ("the event capacity limits every unit", {}, 1, [("other", (IN, ON, ON), "approved")], ("kanwil", (IN, ON, ON)),
     (CAPACITY_EXCEEDED, D1)),
    ("quota days are checked before capacity days", {"kanwil": 1}, 1,
     [("other", (IN, ON, ON), "approved"), ("kanwil", (ON, IN, ON), "approved")], ("kanwil", (IN, IN, ON)),
     (QUOTA_EXCEEDED, D2)),
]


def _setup(event, units, quotas, capacity, existing):
    for name, seats in quotas.items():
        UnitQuotaFactory(event=event, unit=units[name], in_person_seats=seats)
    if capacity is not None:
        event.in_person_capacity = capacity
        event.save()
    for name, words, status in existing:
        RegistrationFactory(event=event, participant=ParticipantFactory(unit=units[name]), modes=list(words),
                            status=status)


def by_the_import(event, unit, days):
    report = import_participants(event=event, source=xlsx([
        row("Peserta Baru", valid_nip(), unit.code, days=[WORD[days[d]] for d in (D1, D2, D3)])]), dry_run=True)
    if not report.issues:
        return None
    (issue,) = report.issues
    code = QUOTA_EXCEEDED if issue.message.startswith("Kuota luring") else CAPACITY_EXCEEDED
    return code, {"hari_1": D1, "hari_2": D2, "hari_3": D3}[issue.column]


def by_the_demo(event, unit, days):
    """The demo never refuses: the days it turned online."""
    taken = SeatBook(event).take(unit, days)
    return sorted(d for d in days if days[d] != taken[d])


def by_the_services(event, unit, days):
    data = services.ParticipantData(full_name="Peserta Baru", unit=unit, id_number=valid_nip(), whatsapp="0812345678")
    try:
        services.registration_create(event=event, data=data, days=days, channel=Registration.Channel.ORGANISER,
                                     send_link=False)
    except ValidationError as exc:
        (error,) = exc.error_dict["days"]
        day = next(d for d in (D1, D2, D3) if f"{d.day} November 2022" in error.messages[0])
        return error.code, day
    return None


@pytest.mark.parametrize("name, quotas, capacity, existing, new, expected", CASES, ids=[c[0] for c in CASES])
def test_services_import_and_demo_apply_the_same_seat_rule(event, units, name, quotas, capacity, existing, new,
                                                           expected):
    _setup(event, units, quotas, capacity, existing)
    unit, days = units[new[0]], modes(*new[1])
    refusal = SeatBook(event).refusal(unit, days)
    assert (None if refusal is None else (refusal.code, refusal.day)) == expected
    assert by_the_import(event, unit, days) == expected
    turned_online = by_the_demo(event, unit, days)
    assert (expected is None) == (turned_online == [])
    if expected is not None:
        assert expected[1] in turned_online
    assert by_the_services(event, unit, days) == expected


def test_the_book_for_one_unit_counts_as_the_book_for_the_event(event, units):
    """services count only one quota's subtree (SeatBook.for_unit); the import and demo count all."""
    _setup(event, units, {"kanwil": 3, "district": 2}, 10, [
        ("kua", (IN, IN, ON), "approved"), ("district", (IN, ON, IN), "pending"), ("kanwil", (IN, IN, IN), "approved"),
        ("other", (IN, IN, ON), "approved"), ("kanwil", (IN, IN, IN), "cancelled")])
    whole = SeatBook(event)
    for name in ("kanwil", "district", "kua", "other"):
        days = modes(IN, IN, IN)
        one = SeatBook.for_unit(event=event, unit=units[name], days=days)
        quota = whole.governing(units[name])
        assert (one.governing(units[name]) or None) == quota
        for day in (D1, D2, D3):
            if quota is not None:
                assert one.used[(quota.pk, day)] == whole.used[(quota.pk, day)]
            assert one.total[day] == whole.total[day]
    assert [whole.total[d] for d in (D1, D2, D3)] == [4, 3, 2]


def test_an_edit_keeps_its_own_seat_in_services_and_import(event, units):
    UnitQuotaFactory(event=event, unit=units["kanwil"], in_person_seats=1)
    registration = services.registration_create(
        event=event, data=services.ParticipantData(full_name="Kabag TU", unit=units["kanwil"], id_number=valid_nip(),
                                                   whatsapp="0812345678"),
        days=modes(IN, ON, ON), channel=Registration.Channel.ORGANISER, send_link=False)
    services.registration_update(registration=registration, days=modes(IN, IN, ON))
    participant = registration.participant
    report = import_participants(event=event, source=xlsx([
        row(participant.full_name, participant.id_number, "kanwil", days=("luring", "luring", "luring"))]), dry_run=True)
    assert (report.lines(), report.updated) == ([], 1)
    # ...but not someone else's: a second person is refused by both.
    other = SeatBook.for_unit(event=event, unit=units["kanwil"], days=modes(IN, ON, ON)).refusal(
        units["kanwil"], modes(IN, ON, ON))
    assert (other.code, other.day, other.used) == (QUOTA_EXCEEDED, D1, 1)
    assert by_the_import(event, units["kanwil"], modes(IN, ON, ON)) == (QUOTA_EXCEEDED, D1)


def test_reactivating_a_registration_rechecks_its_seat(event, units):
    UnitQuotaFactory(event=event, unit=units["kanwil"], in_person_seats=1)
    cancelled = RegistrationFactory(event=event, participant=ParticipantFactory(unit=units["kanwil"]),
                                    modes=[IN, ON, ON], status="cancelled")
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=units["kanwil"]), modes=[IN, ON, ON])
    with pytest.raises(ValidationError) as exc:
        services.registration_set_status(registrations=[cancelled], status="approved")
    assert exc.value.error_dict["days"][0].code == QUOTA_EXCEEDED


def test_the_import_counts_its_own_earlier_rows(event, units):
    UnitQuotaFactory(event=event, unit=units["kanwil"], in_person_seats=1)
    report = import_participants(event=event, source=xlsx([
        row("Pertama", valid_nip(), "kanwil"), row("Kedua", valid_nip(), "garut")]), dry_run=True)
    assert [(i.row, i.column) for i in report.issues] == [(3, "hari_1")]


def test_the_demo_books_what_it_takes(event, units):
    UnitQuotaFactory(event=event, unit=units["kanwil"], in_person_seats=1)
    book = SeatBook(event)
    assert book.take(units["kanwil"], modes(IN, IN, ON)) == modes(IN, IN, ON)
    assert book.take(units["kua"], modes(IN, ON, IN)) == modes(ON, ON, IN)
    assert book.take(units["other"], modes(IN, IN, IN)) == modes(IN, IN, IN)
