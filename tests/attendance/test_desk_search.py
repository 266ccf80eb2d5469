"""The registration desk's search is no oracle (issue 19): whole NIP, or name with the last four digits.

Before: ``id_number__contains`` on an unthrottled endpoint. With the masked last digits from a name
search, trying one digit more in front each time read a whole NIP in about 70 queries.
"""

import uuid

import pytest
from django.db.models import Q
from django.utils import translation
from rest_framework.test import APIClient

from attendance.identity import mask_id_number
from attendance.models import ScannerDevice
from attendance.selectors import desk_search_match
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, scanner

pytestmark = pytest.mark.django_db

NIP = "197501012000031012"  # born 1 Jan 1975, appointed March 2000, man, number 012


def url(event):
    return f"/api/v1/events/{event.slug}/registrations/search/"


def device_client(event, name="Meja 1"):
    token = uuid.uuid4().hex
    ScannerDevice.objects.create(event=event, name=name, token_hash=ScannerDevice.hash_token(token),
                                 token_prefix=token[:8])
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return c


@pytest.fixture
def desk(settings):
    settings.DESK_SEARCH_RATE = "10000/min"  # the rules, not the throttle, are under test here
    event = EventFactory()
    target = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Drs. Ahmad Fauzi", id_number=NIP))
    # Others whose numbers share parts with the target's: the same tail, the same start.
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Siti Aminah", id_number="198002022005012012"))
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Ahmad Yani", id_number="197501011999031001"))
    return event, target, device_client(event)


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["name"] for r in response.json()["results"]]


# ---------------------------------------------------------------- the rule


# Names match the folded name column, numbers the digits column (attendance.search, issue 13 item 7).
@pytest.mark.parametrize("q, expected", [
    ("ahmad", Q(participant__search_name__contains="ahmad")),
    ("197501012000031012", Q(participant__id_digits="197501012000031012")),
    ("19750101 200003 1 012", Q(participant__id_digits="197501012000031012")),
    ("19750101.200003.1.012", Q(participant__id_digits="197501012000031012")),
    ("Ahmad 1012", Q(participant__search_name__contains="ahmad")
     & (Q(participant__id_digits__endswith="1012") | Q(participant__id_digits="1012"))),
    ("Ahmad 197501012000031012", Q(participant__search_name__contains="ahmad")
     & Q(participant__id_digits="197501012000031012")),
    ("Ahmad 31012", Q(participant__search_name__contains="ahmad") & Q(participant__id_digits="31012")),
    ("1012", Q(participant__id_digits="1012")),
    ("Ah 1012", Q(participant__id_digits="1012")),  # two letters are no name
])
def test_desk_search_match(q, expected):
    assert desk_search_match(q) == expected


def test_nothing_to_match():
    assert desk_search_match("ab") is None
    assert desk_search_match("- -") is None


def test_mask_keeps_the_last_four_digits_only():
    assert mask_id_number(NIP) == "••••••••••••••1012"
    assert mask_id_number("12345678") == "••••••••"  # short numbers are hidden whole
    assert mask_id_number("") == ""


# ---------------------------------------------------------------- through the API


def test_full_nip_finds_the_person_with_spaces_or_dots(desk):
    event, target, c = desk
    for q in (NIP, "19750101 200003 1 012", "19750101.200003.1.012"):
        assert names(c.get(url(event), {"q": q})) == ["Drs. Ahmad Fauzi"], q


def test_last_four_digits_with_a_name_find_the_person(desk):
    event, target, c = desk
    assert names(c.get(url(event), {"q": "ahmad 1012"})) == ["Drs. Ahmad Fauzi"]
    assert names(c.get(url(event), {"q": "1012 Fauzi"})) == ["Drs. Ahmad Fauzi"]
    assert names(c.get(url(event), {"q": "ahmad 9999"})) == []


def test_digits_alone_find_nobody_unless_they_are_the_whole_number(desk):
    """Regression (issue 19): a part of a number found everyone whose number contained it."""
    event, target, c = desk
    for q in ("1012", "031012", "19750101", "2000031012", NIP[:-1], NIP[1:]):
        assert names(c.get(url(event), {"q": q})) == [], q


def test_results_are_masked(desk):
    event, target, c = desk
    response = c.get(url(event), {"q": "Fauzi"})
    assert [(r["name"], r["nip_masked"]) for r in response.json()["results"]] == [
        ("Drs. Ahmad Fauzi", "••••••••••••••1012")]
    assert NIP not in response.content.decode()
    assert "19750101" not in response.content.decode()


def test_the_seventy_query_oracle_attack_fails(desk):
    """The attack of the penetration test, played against the endpoint: start from what a name search
    shows (the masked last four digits) and try each digit in front of the known tail, alone and with
    the name. It read the whole NIP before; now no longer tail ever matches, so it learns nothing."""
    event, target, c = desk
    shown = c.get(url(event), {"q": "Ahmad Fauzi"}).json()["results"][0]["nip_masked"]
    known = shown.lstrip("•")
    assert known == "1012"
    queries = 0
    for with_name in (False, True):
        tail = known
        while len(tail) < 18:
            for digit in "0123456789":
                queries += 1
                q = ("Ahmad Fauzi " if with_name else "") + digit + tail
                if "Drs. Ahmad Fauzi" in names(c.get(url(event), {"q": q})):
                    tail = digit + tail
                    break
            else:
                break  # no digit matched: the attack is stuck
        assert tail == "1012", (with_name, tail)
    assert queries == 20  # ten guesses for the fifth-last digit, with and without the name; all missed


# ---------------------------------------------------------------- throttle


def test_searches_are_throttled_per_device_with_a_clear_message(settings, desk):
    event, target, c = desk
    settings.DESK_SEARCH_RATE = "3/min"
    for _ in range(3):
        assert c.get(url(event), {"q": "Fauzi"}).status_code == 200
    refused = c.get(url(event), {"q": "Fauzi"})
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Terlalu banyak pencarian dari perangkat atau akun ini. Coba lagi dalam ")
    assert refused.json()["detail"].endswith(" detik; sementara itu pindai tiket peserta.")
    assert 1 <= int(refused["Retry-After"]) <= 60
    other_desk = device_client(event, name="Meja 2")
    assert names(other_desk.get(url(event), {"q": "Fauzi"})) == ["Drs. Ahmad Fauzi"]  # its own allowance


def test_the_staff_search_is_throttled_per_account(settings, desk):
    event, target, _ = desk
    settings.DESK_SEARCH_RATE = "2/min"
    operator, other = APIClient(), APIClient()
    operator.force_authenticate(scanner())
    other.force_authenticate(scanner())
    assert [operator.get(url(event), {"q": "Fauzi"}).status_code for _ in range(3)] == [200, 200, 429]
    assert other.get(url(event), {"q": "Fauzi"}).status_code == 200


@pytest.fixture
def english_then_back(settings):
    yield
    translation.activate(settings.LANGUAGE_CODE)  # the middleware activated English in this thread


def test_the_throttle_message_is_english_in_english(settings, desk, english_then_back):
    event, target, c = desk
    settings.DESK_SEARCH_RATE = "1/min"
    c.get(url(event), {"q": "Fauzi"})
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    refused = c.get(url(event), {"q": "Fauzi"})
    assert refused.json()["detail"].startswith("Too many searches from this device or account. Try again in ")
