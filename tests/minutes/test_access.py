"""Least data shown in the notula (issue 19): NIPs to organisers only, a coordinator's own unit's people only.

The rule is ``policy.attendance_access``; the page, the print view (``/cetak/``) and the PDF all print
``selectors.attendance_for_reader``'s block for it. Before the fix every reader who could open final
minutes got every unit's NIPs in all three.
"""

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from attendance.models import CheckIn, OnlineAttendance
from minutes import policy
from minutes.documents import minutes_pdf
from minutes.selectors import attendance_for_reader
from rakor.models import Unit
from tests.factories import (
    EventFactory,
    ParticipantFactory,
    RegistrationFactory,
    UnitFactory,
    UserFactory,
    coordinator,
    organiser,
    scanner,
)
from tests.minutes.factories_minutes import (
    final_minutes,
    make_session,
    notulis,
    open_minutes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


@pytest.fixture
def meeting():
    """Final minutes of a session attended by people of two provinces (one with a district office under it)."""
    event = EventFactory()
    session = make_session(event)
    kanwil_a = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", province="Aceh")
    kankemenag_a = Unit.objects.create(name="Kankemenag Kota Banda Aceh", code="kk-banda-aceh", parent=kanwil_a,
                                       kind=Unit.Kind.DISTRICT, province="Aceh")
    kanwil_b = UnitFactory(name="Kanwil Kemenag Provinsi Bali", province="Bali")
    people = {
        "aceh_room": (kanwil_a, "Teuku Ahmad Luring", "in_person"),
        "banda_online": (kankemenag_a, "Cut Nyak Daring", "online"),
        "bali_room": (kanwil_b, "I Made Luring", "in_person"),
        "bali_online": (kanwil_b, "Ni Luh Daring", "online"),
    }
    regs = {}
    for key, (unit, name, how) in people.items():
        reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name=name, unit=unit))
        regs[key] = reg
        if how == "in_person":
            CheckIn.objects.create(event=event, registration=reg, kind=CheckIn.Kind.ENTRY, day=session.day,
                                   session=session, scanned_at=session.start, nonce=uuid.uuid4(),
                                   result=CheckIn.Result.OK, gate="Pintu Ballroom")
        else:
            OnlineAttendance.objects.create(registration=reg, session=session, first_joined_at=session.start,
                                            heartbeat_minutes=60)
    org = organiser()
    taker = notulis()
    minutes = final_minutes(session, taker, org)
    return {"event": event, "session": session, "minutes": minutes, "regs": regs, "org": org, "taker": taker,
            "kanwil_a": kanwil_a, "kankemenag_a": kankemenag_a, "kanwil_b": kanwil_b}


def documents(client, user, meeting) -> dict[str, str]:
    """The notula as ``user`` gets it: the page, the print view and the PDF's text."""
    client.force_login(user)
    base = f"/e/{meeting['event'].slug}/notulen/{meeting['session'].pk}/"
    pages = {}
    for name, url in (("page", base), ("print", base + "cetak/"), ("pdf", base + "pdf/")):
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = pdf_text(response.content) if name == "pdf" else response.content.decode()
    return pages


def nips(meeting) -> dict[str, str]:
    return {key: reg.participant.id_number for key, reg in meeting["regs"].items()}


def names(meeting) -> dict[str, str]:
    return {key: reg.participant.full_name for key, reg in meeting["regs"].items()}


# ---------------------------------------------------------------- the one access function


def test_attendance_access_per_reader(meeting):
    minutes, taker = meeting["minutes"], meeting["taker"]
    coord = coordinator(meeting["kanwil_a"])
    assigned_coordinator = coordinator(meeting["kanwil_b"])
    notulis_group = [g for g in taker.groups.all()]
    assigned_coordinator.groups.add(*notulis_group)
    minutes.minute_takers.add(assigned_coordinator)
    minutes = type(minutes).objects.get(pk=minutes.pk)  # forget the cached taker ids
    other_taker = notulis(first_name="Lain")
    superuser = UserFactory(is_superuser=True, is_staff=True)

    assert policy.attendance_access(meeting["org"], minutes) == policy.FULL_ACCESS
    assert policy.attendance_access(superuser, minutes) == policy.FULL_ACCESS
    assert policy.attendance_access(taker, minutes) == policy.AttendanceAccess(people="all", show_nip=False)
    assert policy.attendance_access(coord, minutes) == policy.AttendanceAccess(people="unit", unit=meeting["kanwil_a"])
    # A coordinator assigned to write these minutes writes about the whole meeting: everyone, still no NIP.
    assert policy.attendance_access(assigned_coordinator, minutes) == policy.AttendanceAccess(people="all")
    assert policy.attendance_access(other_taker, minutes) == policy.AttendanceAccess(people="all")
    for nobody in (scanner(), UserFactory()):
        assert policy.attendance_access(nobody, minutes) == policy.NO_ACCESS


def test_access_keys_name_each_version_of_the_document(meeting):
    keys = {policy.FULL_ACCESS.key, policy.NO_ACCESS.key, policy.AttendanceAccess(people="all").key,
            policy.AttendanceAccess(people="unit", unit=meeting["kanwil_a"]).key,
            policy.AttendanceAccess(people="unit", unit=meeting["kanwil_b"]).key}
    assert len(keys) == 5
    assert policy.AttendanceAccess(people="unit", unit=meeting["kanwil_a"]).key == (
        f"unit-{meeting['kanwil_a'].pk}-no-nip")


def test_coordinator_without_a_unit_sees_nobody(meeting):
    user = UserFactory(groups=["coordinator"])  # in the group, bound to no unit: cannot list minutes at all
    assert policy.attendance_access(user, meeting["minutes"]) == policy.NO_ACCESS
    block = attendance_for_reader(meeting["minutes"], policy.NO_ACCESS)
    assert (block.in_person, block.online, block.meeting_total) == ([], [], 4)


# ---------------------------------------------------------------- what each reader gets, in all three documents


def test_coordinator_gets_only_their_subtree_and_no_nip_in_page_print_and_pdf(client, meeting):
    """Regression (issue 19): a coordinator read every unit's NIPs in the final minutes."""
    got = documents(client, coordinator(meeting["kanwil_a"]), meeting)
    for name, text in got.items():
        for key, nip in nips(meeting).items():
            assert nip not in text, (name, key)
        assert names(meeting)["aceh_room"] in text, name
        assert names(meeting)["banda_online"] in text, name  # the district office under the coordinator's unit
        assert names(meeting)["bali_room"] not in text, name
        assert names(meeting)["bali_online"] not in text, name
        assert "4 orang: 2 luring, 2 daring (daftar hadir terlampir)" in text, name  # the meeting's own count
        assert ("Hanya peserta dari Kanwil Kemenag Provinsi Aceh dan unit di bawahnya: 2 dari 4 orang yang hadir."
                in text), name
        assert "NIP peserta hanya ditampilkan kepada panitia." in text, name
        assert "Peserta luring (1 orang)" in text and "Peserta daring (1 orang)" in text, name
        # The signature blocks keep the signatories' own NIPs: they sign the document in office.
        assert "197001011998031001" in text and "198805052015032002" in text, name


def test_other_province_coordinator_gets_only_theirs(client, meeting):
    got = documents(client, coordinator(meeting["kanwil_b"]), meeting)
    for name, text in got.items():
        assert names(meeting)["bali_room"] in text and names(meeting)["bali_online"] in text, name
        assert names(meeting)["aceh_room"] not in text and names(meeting)["banda_online"] not in text, name
        assert not any(nip in text for nip in nips(meeting).values()), name


def test_a_district_coordinator_does_not_see_the_province_above(client, meeting):
    got = documents(client, coordinator(meeting["kankemenag_a"]), meeting)
    for name, text in got.items():
        assert names(meeting)["banda_online"] in text, name
        assert names(meeting)["aceh_room"] not in text, name
        assert "1 dari 4 orang" in text, name


@pytest.mark.parametrize("who", ["assigned", "other"])
def test_minute_takers_see_everyone_by_name_and_unit_but_no_nip(client, meeting, who):
    """Regression (issue 19): minute takers read every NIP too."""
    user = meeting["taker"] if who == "assigned" else notulis(first_name="Lain")
    got = documents(client, user, meeting)
    for name, text in got.items():
        for key, full_name in names(meeting).items():
            assert full_name in text, (name, key)
        assert not any(nip in text for nip in nips(meeting).values()), name
        assert "Kanwil Kemenag Provinsi Bali" in text and "Kankemenag Kota Banda Aceh" in text, name
        assert "NIP peserta hanya ditampilkan kepada panitia." in text, name
        assert "dan unit di bawahnya" not in text, name


def test_organiser_gets_every_name_and_nip(client, meeting):
    got = documents(client, meeting["org"], meeting)
    for name, text in got.items():
        for key in meeting["regs"]:
            assert names(meeting)[key] in text, (name, key)
            assert nips(meeting)[key] in text, (name, key)
        assert "NIP peserta hanya ditampilkan kepada panitia." not in text, name


def test_coordinator_asking_after_the_organiser_gets_their_own_pdf(client, meeting):
    """The PDF is one URL for every reader: what the organiser fetched first is never what a coordinator gets."""
    organisers = documents(client, meeting["org"], meeting)["pdf"]
    assert nips(meeting)["bali_room"] in organisers
    client.logout()
    coordinators = documents(client, coordinator(meeting["kanwil_a"]), meeting)["pdf"]
    assert not any(nip in coordinators for nip in nips(meeting).values())
    assert names(meeting)["bali_room"] not in coordinators
    response = client.get(f"/e/{meeting['event'].slug}/notulen/{meeting['session'].pk}/pdf/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_the_same_document_function_for_each_access(meeting):
    """minutes_pdf cannot be made without naming whose version it is."""
    with pytest.raises(TypeError):
        minutes_pdf(meeting["minutes"])  # noqa: the access is a required keyword
    text = pdf_text(minutes_pdf(meeting["minutes"],
                                access=policy.AttendanceAccess(people="unit", unit=meeting["kanwil_b"])))
    assert names(meeting)["bali_online"] in text and names(meeting)["aceh_room"] not in text


def test_a_draft_shows_its_live_list_to_the_assigned_taker_without_nip(client):
    event = EventFactory()
    session = make_session(event)
    taker = notulis()
    open_minutes(session, [taker])
    reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Peserta Draf"))
    CheckIn.objects.create(event=event, registration=reg, kind=CheckIn.Kind.ENTRY, day=session.day, session=session,
                           scanned_at=session.start + dt.timedelta(minutes=3), nonce=uuid.uuid4(),
                           result=CheckIn.Result.OK)
    client.force_login(taker)
    base = f"/e/{event.slug}/notulen/{session.pk}/"
    assert reg.participant.id_number not in client.get(base).content.decode()  # the editor (no list on it)
    text = client.get(base + "cetak/").content.decode()
    assert "Peserta Draf" in text and reg.participant.id_number not in text
    assert reg.participant.id_number not in pdf_text(client.get(base + "pdf/").content)
