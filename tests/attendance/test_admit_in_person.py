"""The desk never hits a dead end (issue 12, item 5): an online registration at the door, admitted in person."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from attendance.models import CheckIn, RegistrationDay
from attendance.services import registration_admit_in_person
from rakor.models import AuditEntry
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, organiser, scanner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("door_clock")]


def online_today(**kwargs):
    return RegistrationFactory(modes=["online", "online", "online"], **kwargs)


def today_mode(reg):
    return RegistrationDay.objects.get(registration=reg, date=reg.event.days[0]).mode


def test_the_service_changes_the_mode_checks_in_and_says_so_in_the_audit_trail():
    reg = online_today()
    operator = scanner(first_name="Budi", last_name="Santoso")

    outcome = registration_admit_in_person(registration=reg, nonce=uuid.uuid4(), by=operator)

    assert outcome.result == "ok"
    assert today_mode(reg) == "in_person"
    checkin = CheckIn.objects.get(result="ok")
    assert (checkin.registration, checkin.method, checkin.operator, checkin.gate) == (reg, "manual", operator,
                                                                                      "Budi Santoso")
    entry = AuditEntry.objects.get(action="admit_in_person")
    assert (entry.actor_label, entry.object_id, entry.reason) == (
        "Budi Santoso", str(reg.pk), "Terdaftar daring, datang ke tempat: diterima luring oleh Budi Santoso.")
    assert entry.changes == [(f"day.{reg.event.days[0].isoformat()}", "online", "in_person")]


def test_a_repeated_tap_changes_nothing_more():
    reg = online_today()
    nonce = uuid.uuid4()
    first = registration_admit_in_person(registration=reg, nonce=nonce, by=scanner())
    again = registration_admit_in_person(registration=reg, nonce=nonce, by=scanner())

    assert (first.result, again.result, again.replayed) == ("ok", "ok", True)
    assert (CheckIn.objects.count(), AuditEntry.objects.filter(action="admit_in_person").count()) == (1, 1)


def test_full_seats_refuse_and_write_nothing():
    unit = UnitFactory()
    event = EventFactory()
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    RegistrationFactory(event=event, participant__unit=unit)  # holds the one seat
    reg = online_today(event=event, participant__unit=unit)

    with pytest.raises(ValidationError) as caught:
        registration_admit_in_person(registration=reg, nonce=uuid.uuid4(), by=scanner())

    assert caught.value.messages[0].startswith(f"Kuota luring {unit.name} (1 kursi) sudah penuh untuk ")
    assert today_mode(reg) == "online"
    assert (CheckIn.objects.count(), AuditEntry.objects.filter(action="admit_in_person").count()) == (0, 0)


@pytest.fixture
def desk():
    c = APIClient()
    c.force_authenticate(scanner(first_name="Sari", last_name="Dewi"))
    return c


def scan(desk, reg):
    return desk.post("/api/v1/checkins/", {"ticket": reg.ticket, "event": reg.event.slug,
                                           "nonce": str(uuid.uuid4())}, format="json").json()


def test_the_desk_is_told_why_and_admits_with_one_tap(desk):
    reg = online_today()

    refused = scan(desk, reg)
    assert refused["result"] == "not_in_person"
    assert refused["in_person"] == {
        "seats_ok": True, "detail": "",
        "url": f"/api/v1/events/{reg.event.slug}/registrations/{reg.public_id}/admit-in-person/"}

    admitted = desk.post(refused["in_person"]["url"], {"nonce": str(uuid.uuid4())}, format="json").json()

    assert (admitted["result"], admitted["participant"]["name"], admitted["first_gate"]) == (
        "ok", reg.participant.full_name, "Sari Dewi")
    assert scan(desk, reg)["result"] == "already_checked_in"
    assert AuditEntry.objects.get(action="admit_in_person").actor_label == "Sari Dewi"


def test_the_desk_sees_that_the_units_seats_are_full(desk):
    unit = UnitFactory(name="Kankemenag Kab. Bandung")
    event = EventFactory()
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    RegistrationFactory(event=event, participant__unit=unit)
    reg = online_today(event=event, participant__unit=unit)

    offer = scan(desk, reg)["in_person"]
    response = desk.post(offer["url"], {"nonce": str(uuid.uuid4())}, format="json")

    assert offer["seats_ok"] is False
    assert offer["detail"].startswith("Kuota luring Kankemenag Kab. Bandung (1 kursi) sudah penuh untuk ")
    assert response.status_code == 409
    assert response.json()["detail"] == offer["detail"]


def test_a_not_approved_registration_cannot_be_admitted(desk):
    reg = online_today(status="pending")
    url = f"/api/v1/events/{reg.event.slug}/registrations/{reg.public_id}/admit-in-person/"

    response = desk.post(url, {"nonce": str(uuid.uuid4())}, format="json")

    assert (response.status_code, response.json()) == (
        409, {"detail": "Pendaftaran ini belum disetujui: tidak dapat diterima luring."})


def test_the_audit_page_reads_the_change(client):
    reg = online_today()
    registration_admit_in_person(registration=reg, nonce=uuid.uuid4(), by=scanner(first_name="Budi"))
    client.force_login(organiser())

    text = client.get(f"/e/{reg.event.slug}/audit/").content.decode()

    assert "diterima luring di meja registrasi (semula daring)" in text
    assert f"cara hadir {reg.event.days[0].isoformat()}" in text
    assert "Daring (online)</span> → <span class=\"after\">Luring (hadir di tempat)" in text
