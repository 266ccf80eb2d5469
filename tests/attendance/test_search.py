"""Search as people type (issue 13, item 7): diacritics, titles and spaces in numbers do not matter."""

import pytest
from rest_framework.test import APIClient

from attendance.models import Participant, Registration
from attendance.search import digits_only, fold_name
from attendance.selectors import desk_search_match
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, organiser, scanner

pytestmark = pytest.mark.django_db

NAME = "Dr. H. Muḥammad Ḥasan Basri, M.Pd."
NIP = "197805122003121003"
SPACED = "19780512 200312 1 003"


def test_fold_name_drops_diacritics_case_and_punctuation():
    assert fold_name(NAME) == "dr h muhammad hasan basri m pd"
    assert fold_name("Hj. Siti Ma’rufah Syu'aib") == "hj siti marufah syuaib"
    assert digits_only("1978.0512 2003-12 1 003") == NIP


@pytest.fixture
def hasan():
    event = EventFactory()
    reg = RegistrationFactory(event=event, participant__full_name=NAME, participant__id_number=NIP)
    RegistrationFactory(event=event, participant__full_name="Ahmad Fauzi, S.Ag.")
    return reg


def found(match):
    return list(Registration.objects.filter(match).values_list("participant__full_name", flat=True))


def test_the_search_columns_follow_every_write(hasan):
    p = hasan.participant
    assert (p.search_name, p.id_digits) == ("dr h muhammad hasan basri m pd", NIP)
    p.full_name = "Prof. Dr. Ḥasan Bashri"
    p.save(update_fields=["full_name"])
    Participant.objects.bulk_update([Participant(pk=p.pk, id_number="197805122003121004")], ["id_number"])
    p.refresh_from_db()
    assert (p.search_name, p.id_digits) == ("prof dr hasan bashri", "197805122003121004")
    made = Participant.objects.bulk_create([ParticipantFactory.build(full_name="Ṣāliḥ", id_number="1 2 3",
                                                                     unit=UnitFactory())])
    assert Participant.objects.filter(pk=made[0].pk).values_list("search_name", "id_digits").get() == ("salih", "123")


@pytest.mark.parametrize("q", ["Muhammad Hasan", "muhammad hasan", "Hasan Muhammad", "Muḥammad", "basri"])
def test_the_desk_finds_names_without_diacritics_or_titles(hasan, q):
    assert found(desk_search_match(q)) == [NAME]


@pytest.mark.parametrize("q", [NIP, SPACED, "1978.0512.2003.12.1.003", "hasan 1003"])
def test_the_desk_finds_a_whole_nip_with_or_without_spaces(hasan, q):
    assert found(desk_search_match(q)) == [NAME]


def test_the_desk_search_api_finds_them(hasan):
    desk = APIClient()
    desk.force_authenticate(scanner())
    url = f"/api/v1/events/{hasan.event.slug}/registrations/search/"

    by_name = desk.get(url, {"q": "Muhammad Hasan"}).json()["results"]
    by_nip = desk.get(url, {"q": SPACED}).json()["results"]

    assert [r["name"] for r in by_name] == [NAME]
    assert [r["name"] for r in by_nip] == [NAME]


@pytest.mark.parametrize("q", ["Muhammad Hasan", "hasan basri", "1978 0512", "197805122003"])
def test_the_api_search_matches_names_and_nips_as_typed(hasan, q):
    api = APIClient()
    api.force_authenticate(organiser())

    listed = api.get(f"/api/v1/events/{hasan.event.slug}/registrations/", {"search": q}).json()

    assert [r["participant"]["full_name"] for r in listed["results"]] == [NAME]


@pytest.mark.parametrize("q", ["Muhammad Hasan", "MUHAMMAD", SPACED])
def test_the_staff_list_search_matches_them(client, hasan, q):
    client.force_login(organiser())

    text = client.get(f"/e/{hasan.event.slug}/unit/", {"q": q}).content.decode()

    assert "Muḥammad Ḥasan Basri" in text
    assert "Ahmad Fauzi" not in text
