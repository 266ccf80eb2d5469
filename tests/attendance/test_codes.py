"""The ticket's short code for typing at the desk (issue 13, item 6)."""

import importlib
import uuid

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from attendance import codes
from attendance.models import CheckIn, Registration
from tests.factories import EventFactory, RegistrationFactory, scanner

URL = "/api/v1/checkins/"


def test_a_new_code_is_nine_characters_of_the_alphabet_and_valid():
    for _ in range(200):
        code = codes.new_short_code()
        assert len(code) == 9
        assert set(code) <= set(codes.ALPHABET)
        assert codes.is_valid(code)


def test_the_alphabet_has_no_look_alikes():
    assert not set("01OILUV") & set(codes.ALPHABET)


def test_grouped_for_reading_aloud_and_typed_back_in_any_spelling():
    code = "K7M4QX9R" + codes.check_character("K7M4QX9R")
    shown = codes.grouped(code)
    assert shown == f"K7M-4QX-9R{code[-1]}"
    assert codes.is_valid(shown.lower()) and codes.is_valid(shown.replace("-", " "))
    assert codes.normalise(" k7m.4qx 9r" + code[-1].lower()) == code


def test_every_single_mistyped_character_is_caught():
    for _ in range(50):
        code = codes.new_short_code()
        for i, right in enumerate(code):
            for wrong in codes.ALPHABET:
                if wrong != right:
                    assert not codes.is_valid(code[:i] + wrong + code[i + 1:]), (code, i, wrong)


def test_every_swap_of_two_neighbours_is_caught():
    for _ in range(200):
        code = codes.new_short_code()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                assert not codes.is_valid(swapped), (code, i)


def test_a_qr_payload_is_not_taken_for_a_code():
    assert codes.looks_like_code("K7M-4QX-9RP")
    assert not codes.looks_like_code("RK1.rakor-1.ABCDEFGHIJKLMNOP.c2lnbmF0dXJl")


@pytest.mark.django_db
def test_registrations_get_distinct_codes_and_show_them_grouped():
    event = EventFactory()
    regs = [RegistrationFactory(event=event) for _ in range(5)]
    assert len({r.short_code for r in regs}) == 5
    assert all(codes.is_valid(r.short_code) for r in regs)
    assert regs[0].short_code_display == codes.grouped(regs[0].short_code)


@pytest.mark.django_db
def test_the_migration_backfills_existing_rows_with_their_own_codes():
    event = EventFactory()
    regs = [RegistrationFactory(event=event) for _ in range(4)]
    Registration.objects.update(short_code="")
    migration = importlib.import_module("attendance.migrations.0008_registration_short_code")

    migration.backfill(django_apps, None)

    filled = list(Registration.objects.filter(pk__in=[r.pk for r in regs]).values_list("short_code", flat=True))
    assert len(set(filled)) == 4 and all(codes.is_valid(c) for c in filled)


# ---------------------------------------------------------------- at the desk


@pytest.fixture
def desk():
    c = APIClient()
    c.force_authenticate(scanner(first_name="Budi", last_name="Santoso"))
    return c


def scan(desk, event, text):
    return desk.post(URL, {"ticket": text, "event": event.slug, "nonce": str(uuid.uuid4()), "method": "handheld"},
                     format="json")




@pytest.mark.django_db
@pytest.mark.usefixtures("door_clock")
def test_the_desk_accepts_the_code_as_people_type_it(desk):
    reg = RegistrationFactory()
    typed = reg.short_code_display.lower().replace("-", " ")

    answer = scan(desk, reg.event, typed).json()

    assert (answer["result"], answer["participant"]["name"]) == ("ok", reg.participant.full_name)
    row = CheckIn.objects.get()
    assert (row.registration, row.method, row.ticket_text, row.gate) == (reg, "manual", reg.short_code, "Budi Santoso")


@pytest.mark.django_db
@pytest.mark.usefixtures("door_clock")
def test_a_mistyped_character_is_refused_with_words_and_logged(desk):
    reg = RegistrationFactory()
    code = reg.short_code
    wrong = code[:3] + next(c for c in codes.ALPHABET if c != code[3]) + code[4:]

    response = scan(desk, reg.event, wrong)

    answer = response.json()
    assert response.status_code == 200
    assert (answer["result"], answer["message"], answer["code_typo"], answer["participant"]) == (
        "invalid_ticket", "Kode salah ketik: periksa lagi", True, None)
    row = CheckIn.objects.get()
    assert (row.result, row.registration, row.ticket_text, row.method) == ("invalid_ticket", None, wrong, "manual")


@pytest.mark.django_db
@pytest.mark.usefixtures("door_clock")
def test_a_valid_code_of_another_event_finds_no_one_here(desk):
    other = RegistrationFactory()
    here = EventFactory()

    answer = scan(desk, here, other.short_code).json()

    assert (answer["result"], answer["message"], answer.get("code_typo")) == (
        "invalid_ticket", "Kode tiket tidak dikenal untuk acara ini.", None)


@pytest.mark.django_db
@pytest.mark.usefixtures("door_clock")
def test_typed_codes_count_against_the_desk_search_limit(desk, settings):
    settings.DESK_SEARCH_RATE = "3/min"
    reg = RegistrationFactory()
    answers = [scan(desk, reg.event, codes.new_short_code()) for _ in range(3)]
    refused = scan(desk, reg.event, reg.short_code)

    assert [a.json()["result"] for a in answers] == ["invalid_ticket"] * 3
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Terlalu banyak kode tiket diketik dari perangkat atau akun ini.")
    # The QR payload itself is never throttled: a scan is not a guess.
    assert scan(desk, reg.event, reg.ticket).json()["result"] == "ok"


@pytest.mark.django_db
@pytest.mark.usefixtures("door_clock")
def test_a_code_typed_while_offline_is_applied_by_the_batch(desk):
    import datetime as dt

    from django.utils import timezone

    reg = RegistrationFactory()
    when = timezone.now() - dt.timedelta(minutes=5)
    body = {"event": reg.event.slug, "scans": [
        {"ticket": reg.short_code_display, "nonce": str(uuid.uuid4()), "scanned_at": when.isoformat(),
         "method": "manual"},
        {"ticket": "AAAAAAAAA", "nonce": str(uuid.uuid4()), "scanned_at": when.isoformat(), "method": "manual"},
    ]}

    results = desk.post("/api/v1/checkins/batch/", body, format="json").json()["results"]

    assert [(r["result"], r.get("code_typo")) for r in results] == [("ok", None), ("invalid_ticket", True)]


@pytest.mark.django_db
def test_the_portal_shows_the_code_grouped(client):
    reg = RegistrationFactory()

    text = client.get(reg.portal_path).content.decode()

    assert f'data-testid="short-code" aria-label="Kode tiket {reg.short_code_display}">{reg.short_code_display}</strong>' in text


@pytest.mark.django_db
def test_the_a6_ticket_prints_the_code_grouped(client):
    import io

    from django.urls import reverse
    from pypdf import PdfReader

    reg = RegistrationFactory()

    pdf = client.get(reverse("attendance:portal_ticket_pdf", args=[reg.portal_secret])).content

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f"Kode tiket: {reg.short_code_display}" in text
