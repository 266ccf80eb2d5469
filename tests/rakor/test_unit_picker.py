"""The unit picker (issue 12, item 4): one normaliser, a grouped <select> that works without JavaScript."""

import json
import re
from html import unescape as html_unescape

import pytest
from django.urls import reverse

from attendance.forms import RegistrationForm
from rakor.models import Unit
from rakor.unit_names import normalise_unit_name, unit_matches
from rakor.widgets import UnitPicker
from tests.factories import EventFactory, UnitFactory, coordinator

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("written, normalised", [
    ("Kankemenag Kab. Bandung", "kantor kementerian agama kabupaten bandung"),
    ("Kantor Kementerian Agama Kabupaten Bandung", "kantor kementerian agama kabupaten bandung"),
    ("KANWIL KEMENAG PROV. JAWA BARAT", "kantor wilayah kementerian agama provinsi jawa barat"),
    ("Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", "kantor wilayah kementerian agama provinsi jawa barat"),
    ("Kankemenag Kab/Kota", "kantor kementerian agama kabupaten kota"),
    ("  Itjen  ", "inspektorat jenderal"),
])
def test_normalise_unit_name_spells_out_the_abbreviations(written, normalised):
    assert normalise_unit_name(written) == normalised
    assert normalise_unit_name(normalised) == normalised  # idempotent


@pytest.mark.parametrize("query", ["bandung", "Kab. Bandung", "kankemenag bandung", "kantor kementerian agama kab",
                                   "kabupaten band", "kemenag-kab-bandung"])
def test_any_spelling_of_any_part_finds_the_unit(query):
    text = normalise_unit_name("Kantor Kementerian Agama Kabupaten Bandung Kankemenag Kab. Bandung "
                               "kemenag kab bandung Jawa Barat")
    assert unit_matches(query, text)


def test_no_match_for_another_unit():
    assert not unit_matches("kota bandung", normalise_unit_name("Kantor Kementerian Agama Kabupaten Bandung"))


@pytest.fixture
def units():
    jabar = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", short_name="Kanwil Jabar",
                        code="kanwil-jabar", province="Jawa Barat")
    kab = UnitFactory(name="Kantor Kementerian Agama Kabupaten Bandung", short_name="Kankemenag Kab. Bandung",
                      code="kemenag-kab-bandung", kind=Unit.Kind.DISTRICT, parent=jabar, province="Jawa Barat")
    kota = UnitFactory(name="Kantor Kementerian Agama Kota Bandung", short_name="Kankemenag Kota Bandung",
                       code="kemenag-kota-bandung", kind=Unit.Kind.DISTRICT, parent=jabar, province="Jawa Barat")
    itjen = UnitFactory(name="Inspektorat Jenderal", short_name="Itjen", code="itjen", kind=Unit.Kind.ECHELON_I,
                        province="")
    return jabar, kab, kota, itjen


def test_the_select_is_grouped_by_kind_and_province_with_search_text(units):
    jabar, kab, _kota, itjen = units
    form = RegistrationForm(event=EventFactory(), initial={"unit": kab.pk})
    html = str(form["unit"])
    assert re.findall(r'<optgroup label="([^"]+)"', html) == [
        "Unit Eselon I", "Kantor Wilayah (provinsi)", "Kantor Kemenag Kab/Kota · Jawa Barat"]
    assert 'data-unit-picker="1"' in html and ' required' in html
    option = re.search(rf'<option value="{kab.pk}"[^>]*>', html).group(0)
    assert option == (f'<option value="{kab.pk}" data-short="Kankemenag Kab. Bandung" data-code="kemenag-kab-bandung"'
                      ' selected>')
    assert f'<option value="{itjen.pk}" data-short="Itjen" data-code="itjen">Inspektorat Jenderal</option>' in html
    abbreviations = json.loads(html_unescape(re.search(r'data-abbreviations="([^"]+)"', html).group(1)))
    assert abbreviations["kankemenag"] == "kantor kementerian agama" and abbreviations["kab"] == "kabupaten"


def test_without_javascript_the_plain_select_registers_the_unit(client, units):
    _jabar, kab, _kota, _itjen = units
    event = EventFactory(slug="rakor-unit")
    page = client.get(reverse("attendance:register", args=[event.slug])).content.decode()
    assert '<select name="unit"' in page or 'name="unit"' in page
    assert "unit-picker.js" in page
    assert f'<option value="{kab.pk}"' in page


def test_coordinator_form_offers_only_their_units(client, units):
    jabar, kab, kota, itjen = units
    event = EventFactory(slug="rakor-koord")
    client.force_login(coordinator(kab))
    page = client.get(reverse("attendance:unit_add", args=[event.slug])).content.decode()
    assert f'<option value="{kab.pk}"' in page
    assert f'<option value="{kota.pk}"' not in page and f'<option value="{itjen.pk}"' not in page
    assert "unit-picker.js" in page


def test_widget_is_a_select():
    assert issubclass(UnitPicker, __import__("django").forms.Select)
