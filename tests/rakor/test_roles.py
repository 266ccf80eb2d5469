"""Who may manage which unit: the few functions every view's access decision goes through."""

import pytest
from django.contrib.auth.models import AnonymousUser

from rakor.models import StaffProfile, Unit
from rakor.roles import (
    NOTULIS, can_manage_unit, can_scan, coordinator_unit, is_coordinator, is_organiser, managed_units,
)
from tests.factories import UnitFactory, UserFactory, coordinator, organiser, scanner

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    jabar = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat")
    garut = UnitFactory(name="Kankemenag Kabupaten Garut", kind=Unit.Kind.DISTRICT, parent=jabar)
    jatim = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Timur")
    itjen = UnitFactory(name="Inspektorat Jenderal", kind=Unit.Kind.ECHELON_I)
    return jabar, garut, jatim, itjen


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_organiser_manages_every_unit(units):
    user = organiser()
    assert is_organiser(user)
    assert all(can_manage_unit(user, u) for u in units)
    assert can_manage_unit(user, None)  # "no unit" (e.g. an event-wide setting) is the organisers'
    assert names(managed_units(user)) == names(Unit.objects.all())


def test_superuser_counts_as_organiser(units):
    user = UserFactory(is_superuser=True, is_staff=True)
    assert is_organiser(user)
    assert can_manage_unit(user, units[2])


def test_coordinator_manages_their_subtree_only(units):
    jabar, garut, jatim, itjen = units
    user = coordinator(jabar)
    assert is_coordinator(user) and not is_organiser(user)
    assert coordinator_unit(user) == jabar
    assert [can_manage_unit(user, u) for u in (jabar, garut, jatim, itjen)] == [True, True, False, False]
    assert not can_manage_unit(user, None)
    assert names(managed_units(user)) == ["Kankemenag Kabupaten Garut", "Kanwil Kemenag Provinsi Jawa Barat"]


def test_district_coordinator_does_not_manage_the_kanwil_above(units):
    jabar, garut, _jatim, _itjen = units
    user = coordinator(garut)
    assert not can_manage_unit(user, jabar)
    assert names(managed_units(user)) == ["Kankemenag Kabupaten Garut"]


def test_coordinator_without_a_unit_manages_nothing(units):
    user = UserFactory(groups=["coordinator"])
    assert coordinator_unit(user) is None
    assert not any(can_manage_unit(user, u) for u in units)
    assert list(managed_units(user)) == []


def test_anonymous_manages_nothing(units):
    anon = AnonymousUser()
    assert not is_organiser(anon) and coordinator_unit(anon) is None
    assert not any(can_manage_unit(anon, u) for u in units)
    assert not can_manage_unit(anon, None)
    assert list(managed_units(anon)) == []


@pytest.mark.parametrize("make", [
    lambda unit: scanner(unit),
    lambda unit: UserFactory(groups=[NOTULIS]),
    lambda unit: UserFactory(is_staff=True),  # Django staff without the organiser group is not an organiser
])
def test_other_groups_manage_nothing_even_with_a_unit(units, make):
    jabar = units[0]
    user = make(jabar)
    if not hasattr(user, "rakor_profile"):
        StaffProfile.objects.create(user=user, unit=jabar)
    assert coordinator_unit(user) is None
    assert not can_manage_unit(user, jabar)
    assert list(managed_units(user)) == []


def test_scanner_can_scan_but_a_coordinator_cannot(units):
    assert can_scan(scanner(units[0]))
    assert can_scan(organiser())
    assert not can_scan(coordinator(units[0]))
    assert not can_scan(AnonymousUser())


def test_coordinator_follows_their_unit_when_it_moves(units):
    jabar, garut, jatim, _itjen = units
    user = coordinator(jabar)
    garut.parent = jatim
    garut.save()
    assert names(managed_units(user)) == ["Kanwil Kemenag Provinsi Jawa Barat"]
    garut.refresh_from_db()
    assert not can_manage_unit(user, garut)


def test_group_membership_is_read_once_per_user_object(units, django_assert_num_queries):
    user = coordinator(units[0])
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert is_coordinator(fresh) and not is_organiser(fresh) and is_coordinator(fresh)
