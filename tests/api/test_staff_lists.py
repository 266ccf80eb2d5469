"""Staff lists: registrations and check-ins of an event.

Organisers see all; a unit coordinator only their unit subtree's people, through every
filter; scanners, other users, participants and anonymous callers see nothing.
"""

import pytest
from rest_framework.test import APIClient

from attendance.models import Registration, RegistrationDay
from agenda.models import Session
from tests.factories import EventFactory, UserFactory, coordinator, organiser, scanner

from .factories_api import at, person, refused_scan, scan, token_client, tree

pytestmark = pytest.mark.django_db

REG_URL = "/api/v1/events/rakorwas-uji/registrations/"
CHECKIN_URL = "/api/v1/events/rakorwas-uji/checkins/"


@pytest.fixture
def world():
    event = EventFactory(slug="rakorwas-uji")
    units = tree()
    people = {
        "jabar": person(event, units["jabar"], "Dr. H. Kepala Kanwil Jabar, M.Ag."),
        "garut": person(event, units["garut"], "H. Kakankemenag Garut, S.Ag.", modes=["online"] * 3),
        "jatim": person(event, units["jatim"], "Dr. Kepala Kanwil Jatim", role=Registration.Role.SPEAKER),
        "itjen": person(event, units["itjen"], "Inspektur Wilayah I", status=Registration.Status.PENDING),
    }
    other_event = EventFactory(slug="rakor-lain")
    person(other_event, units["jabar"], "Peserta Acara Lain")
    return {"event": event, "units": units, "people": people}


def names(response):
    assert response.status_code == 200, response.content
    return [r["participant"]["full_name"] if "participant" in r else
            (r["registration"]["participant"]["full_name"] if r["registration"] else None)
            for r in response.json()["results"]]


def test_organiser_sees_every_registration_of_the_event_with_days_and_no_secret(world):
    client = token_client(organiser())

    response = client.get(REG_URL)

    assert names(response) == ["Dr. H. Kepala Kanwil Jabar, M.Ag.", "Dr. Kepala Kanwil Jatim",
                               "H. Kakankemenag Garut, S.Ag.", "Inspektur Wilayah I"]
    garut = world["people"]["garut"]
    item = next(r for r in response.json()["results"] if r["id"] == garut.pk)
    assert item["participant"]["unit"] == {"id": world["units"]["garut"].pk, "code": "kankemenag-garut",
                                           "name": "Kankemenag Kabupaten Garut", "province": "Jawa Barat"}
    assert item["participant"]["id_number"] == garut.participant.id_number
    assert [d["mode"] for d in item["days"]] == ["online", "online", "online"]
    text = response.content.decode()
    for reg in world["people"].values():
        assert reg.portal_secret not in text
        assert reg.ticket not in text
    assert "portal_secret" not in text


def test_registration_filters(world):
    client = token_client(organiser())
    units, event = world["units"], world["event"]

    assert names(client.get(REG_URL, {"status": "pending"})) == ["Inspektur Wilayah I"]
    assert names(client.get(REG_URL, {"role": "speaker"})) == ["Dr. Kepala Kanwil Jatim"]
    assert names(client.get(REG_URL, {"unit": units["jabar"].pk})) == [
        "Dr. H. Kepala Kanwil Jabar, M.Ag.", "H. Kakankemenag Garut, S.Ag."]
    assert names(client.get(REG_URL, {"mode": "online"})) == ["H. Kakankemenag Garut, S.Ag."]
    RegistrationDay.objects.filter(registration=world["people"]["jatim"], date=event.days[1]).update(mode="online")
    assert names(client.get(REG_URL, {"mode": "online", "day": event.days[1].isoformat()})) == [
        "Dr. Kepala Kanwil Jatim", "H. Kakankemenag Garut, S.Ag."]
    assert names(client.get(REG_URL, {"mode": "online", "day": event.days[0].isoformat()})) == [
        "H. Kakankemenag Garut, S.Ag."]
    assert names(client.get(REG_URL, {"search": "garut"})) == ["H. Kakankemenag Garut, S.Ag."]
    nip = world["people"]["jatim"].participant.id_number
    assert names(client.get(REG_URL, {"search": nip[:10]})) == ["Dr. Kepala Kanwil Jatim"]
    assert client.get(REG_URL, {"status": "hilang"}).status_code == 400


def test_coordinator_sees_only_their_unit_subtree_through_every_filter(world):
    units = world["units"]
    client = token_client(coordinator(units["jabar"]))

    assert names(client.get(REG_URL)) == ["Dr. H. Kepala Kanwil Jabar, M.Ag.", "H. Kakankemenag Garut, S.Ag."]
    # Asking for another unit, or for everything, does not widen the scope.
    assert names(client.get(REG_URL, {"unit": units["jatim"].pk})) == []
    assert names(client.get(REG_URL, {"unit": units["itjen"].pk, "status": "pending"})) == []
    assert names(client.get(REG_URL, {"role": "speaker"})) == []
    assert names(client.get(REG_URL, {"search": "Jatim"})) == []
    assert names(client.get(REG_URL, {"unit": units["garut"].pk})) == ["H. Kakankemenag Garut, S.Ag."]


def test_coordinator_of_a_district_does_not_see_the_province_above(world):
    client = token_client(coordinator(world["units"]["garut"]))

    assert names(client.get(REG_URL)) == ["H. Kakankemenag Garut, S.Ag."]
    assert names(client.get(REG_URL, {"unit": world["units"]["jabar"].pk})) == ["H. Kakankemenag Garut, S.Ag."]


def test_checkins_organiser_sees_all_with_their_chain_link(world):
    p = world["people"]
    jabar, jatim = scan(p["jabar"], 0), scan(p["jatim"], 1)
    refused = refused_scan(world["event"], 2)
    from attendance.chain import seal_event

    seal_event(world["event"])
    late = scan(p["jabar"], 3)  # already checked in; not sealed yet

    data = token_client(organiser()).get(CHECKIN_URL).json()

    assert [(r["id"], r["result"], r["chain_seq"]) for r in data["results"]] == [
        (late.pk, "already_checked_in", None), (refused.pk, "invalid_ticket", 3), (jatim.pk, "ok", 2),
        (jabar.pk, "ok", 1)]
    first = data["results"][-1]
    assert first["registration"] == {
        "id": p["jabar"].pk, "public_id": p["jabar"].public_id, "role": "participant",
        "participant": {"id": p["jabar"].participant.pk, "full_name": "Dr. H. Kepala Kanwil Jabar, M.Ag.",
                        "unit": {"id": world["units"]["jabar"].pk, "code": "kanwil-jabar",
                                 "name": "Kanwil Kemenag Provinsi Jawa Barat", "province": "Jawa Barat"}}}
    assert (first["kind"], first["day"], first["method"]) == ("entry", world["event"].days[0].isoformat(), "camera")
    assert data["results"][1]["registration"] is None
    assert "BUKAN-TIKET" not in str(data) and p["jabar"].ticket not in str(data)  # scanned text is a credential


def test_checkin_filters(world):
    p, event = world["people"], world["event"]
    session = Session.objects.create(event=event, title="Pleno", day=event.days[0], start=at(event, 0, 9),
                                     end=at(event, 0, 10), mode=Session.Mode.HYBRID)
    scan(p["jabar"], 0)
    scan(p["jatim"], 1)
    refused_scan(event, 2)
    scan(p["jatim"], when=at(event, 1, 8))
    scan(p["jabar"], session=session, when=at(event, 0, 9, 5))
    client = token_client(organiser())

    def rows(**query):
        return [(r["registration"]["participant"]["full_name"] if r["registration"] else None, r["result"], r["day"])
                for r in client.get(CHECKIN_URL, query).json()["results"]]

    d0, d1 = event.days[0].isoformat(), event.days[1].isoformat()
    assert rows(day=d1) == [("Dr. Kepala Kanwil Jatim", "ok", d1)]
    assert rows(result="invalid_ticket") == [(None, "invalid_ticket", d0)]
    assert rows(unit=world["units"]["jabar"].pk) == [("Dr. H. Kepala Kanwil Jabar, M.Ag.", "ok", d0)] * 2
    assert rows(session=session.pk) == [("Dr. H. Kepala Kanwil Jabar, M.Ag.", "ok", d0)]
    assert len(rows(door="true")) == 4
    assert rows(registration=p["jatim"].pk, day=d0) == [("Dr. Kepala Kanwil Jatim", "ok", d0)]


def test_coordinator_sees_only_their_people_checkins(world):
    p = world["people"]
    scan(p["jabar"], 0)
    scan(p["jatim"], 1)
    refused_scan(world["event"], 2)
    client = token_client(coordinator(world["units"]["jabar"]))

    assert names(client.get(CHECKIN_URL)) == ["Dr. H. Kepala Kanwil Jabar, M.Ag."]
    assert names(client.get(CHECKIN_URL, {"unit": world["units"]["jatim"].pk})) == []
    assert names(client.get(CHECKIN_URL, {"registration": p["jatim"].pk})) == []
    assert names(client.get(CHECKIN_URL, {"result": "invalid_ticket"})) == []


@pytest.mark.parametrize("url", [REG_URL, CHECKIN_URL])
def test_nobody_else_gets_people(world, url):
    scan(world["people"]["jabar"], 0)
    reg = world["people"]["jabar"]
    anonymous = APIClient()
    plain = token_client(UserFactory())
    desk = token_client(scanner(world["units"]["jabar"]))
    # A participant has no account: their portal secret is no API credential.
    participant = APIClient()
    participant.credentials(HTTP_AUTHORIZATION=f"Token {reg.portal_secret}")

    assert anonymous.get(url).status_code in (401, 403)
    assert participant.get(url).status_code == 401
    for client in (plain, desk):
        response = client.get(url)
        assert response.status_code == 403
        assert reg.participant.full_name not in response.content.decode()


def test_participant_portal_session_gives_no_api_access(world, client):
    reg = world["people"]["jabar"]
    client.get(reg.portal_path)  # the portal opens with the secret link

    for url in (REG_URL, CHECKIN_URL):
        assert client.get(url).status_code in (401, 403)


def test_public_endpoints_carry_no_personal_data(world):
    anonymous = APIClient()
    texts = "".join(anonymous.get(url).content.decode() for url in (
        "/api/v1/events/", "/api/v1/events/rakorwas-uji/", "/api/v1/units/", "/api/v1/events/rakorwas-uji/sessions/"))
    for reg in world["people"].values():
        for value in (reg.participant.full_name, reg.participant.id_number, reg.participant.email, reg.portal_secret):
            assert value not in texts


def test_unknown_event_is_404(world):
    client = token_client(organiser())
    assert client.get("/api/v1/events/tidak-ada/registrations/").status_code == 404
    assert client.get("/api/v1/events/tidak-ada/checkins/").status_code == 404
