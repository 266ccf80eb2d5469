"""The unit tree's materialised path: kept right on create and when a subtree moves."""

import pytest
from django.core.exceptions import ValidationError

from rakor.models import Unit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    itjen = UnitFactory(name="Inspektorat Jenderal", kind=Unit.Kind.ECHELON_I, province="")
    jabar = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Barat", province="Jawa Barat")
    jatim = UnitFactory(name="Kanwil Kemenag Provinsi Jawa Timur", province="Jawa Timur")
    garut = UnitFactory(name="Kankemenag Kabupaten Garut", kind=Unit.Kind.DISTRICT, parent=jabar, province="")
    kua = UnitFactory(name="KUA Kecamatan Tarogong", kind=Unit.Kind.OTHER, parent=garut, province="")
    bandung = UnitFactory(name="Kankemenag Kota Bandung", kind=Unit.Kind.DISTRICT, parent=jabar, province="")
    return {u.name.split()[-1].lower(): u for u in (itjen, jabar, jatim, garut, kua, bandung)}


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_paths_on_create(tree):
    jabar, garut, kua = tree["barat"], tree["garut"], tree["tarogong"]
    assert jabar.path == f"/{jabar.pk}/"
    assert garut.path == f"/{jabar.pk}/{garut.pk}/"
    assert kua.path == f"/{jabar.pk}/{garut.pk}/{kua.pk}/"
    assert Unit.objects.get(pk=kua.pk).path == kua.path  # stored, not only on the instance


def test_a_child_inherits_the_province(tree):
    assert tree["garut"].province == "Jawa Barat"
    assert tree["tarogong"].province == "Jawa Barat"


def test_subtree_is_the_unit_and_everything_under_it(tree):
    assert names(Unit.objects.subtree(tree["barat"])) == [
        "KUA Kecamatan Tarogong", "Kankemenag Kabupaten Garut", "Kankemenag Kota Bandung",
        "Kanwil Kemenag Provinsi Jawa Barat"]
    assert names(Unit.objects.subtree(tree["garut"])) == ["KUA Kecamatan Tarogong", "Kankemenag Kabupaten Garut"]
    assert names(Unit.objects.subtree(tree["jenderal"])) == ["Inspektorat Jenderal"]


def test_subtree_does_not_match_an_id_that_merely_starts_the_same():
    one = Unit.objects.create(pk=700001, name="Unit 700001", code="u-700001", kind=Unit.Kind.OTHER)
    Unit.objects.create(pk=7000012, name="Unit 7000012", code="u-7000012", kind=Unit.Kind.OTHER)
    assert names(Unit.objects.subtree(one)) == ["Unit 700001"]


def test_moving_a_subtree_rewrites_its_descendants_paths(tree):
    jabar, jatim, garut, kua, bandung = tree["barat"], tree["timur"], tree["garut"], tree["tarogong"], tree["bandung"]
    garut.parent = jatim
    garut.save()
    garut.refresh_from_db(), kua.refresh_from_db(), bandung.refresh_from_db()
    assert garut.path == f"/{jatim.pk}/{garut.pk}/"
    assert kua.path == f"/{jatim.pk}/{garut.pk}/{kua.pk}/"
    assert bandung.path == f"/{jabar.pk}/{bandung.pk}/"  # the sibling stays
    assert names(Unit.objects.subtree(jatim)) == [
        "KUA Kecamatan Tarogong", "Kankemenag Kabupaten Garut", "Kanwil Kemenag Provinsi Jawa Timur"]
    assert names(Unit.objects.subtree(jabar)) == ["Kankemenag Kota Bandung", "Kanwil Kemenag Provinsi Jawa Barat"]
    assert kua.is_within(jatim) and not kua.is_within(jabar)


def test_moving_a_subtree_to_the_root(tree):
    garut, kua = tree["garut"], tree["tarogong"]
    garut.parent = None
    garut.save()
    kua.refresh_from_db()
    assert kua.path == f"/{garut.pk}/{kua.pk}/"


def test_saving_without_moving_leaves_paths_alone(tree):
    garut, kua = tree["garut"], tree["tarogong"]
    before = kua.path
    garut.name = "Kantor Kementerian Agama Kabupaten Garut"
    garut.save()
    kua.refresh_from_db()
    assert kua.path == before


def test_a_unit_cannot_be_moved_under_its_own_descendant(tree):
    jabar = tree["barat"]
    jabar.parent = tree["tarogong"]
    with pytest.raises(ValidationError) as exc:
        jabar.full_clean()
    assert exc.value.message_dict["parent"] == ["Unit tidak boleh menjadi induk dari dirinya sendiri."]
