"""A final notula keeps its attendance list as it stood at finalisation.

Late records (an offline scanner syncing, an online join reported afterwards) do not change
a final notula's page, print view or PDF; the people answerable for it are told what
arrived since. A draft shows the live record; a correction re-finalised takes a new list.
"""

import datetime as dt
import importlib
import io
import json
import re
import uuid
from html import unescape

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from pypdf import PdfReader

from attendance.models import CheckIn, OnlineAttendance
from attendance.services import participant_erase
from minutes import selectors, services
from minutes.documents import minutes_pdf
from minutes.models import Minutes
from minutes.policy import FULL_ACCESS
from rakor.models import AuditEntry
from tests.factories import (
    EventFactory,
    RegistrationFactory,
    UnitFactory,
    coordinator,
    organiser,
)
from tests.minutes.factories_minutes import (
    content,
    final_minutes,
    make_session,
    notulis,
    open_minutes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("after_the_sessions")]  # minutes are finalised after their session

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



def old_apps():
    """The models as migration 0004 saw them (sessions_app's, since moved to minutes: same tables)."""
    return MigrationLoader(connection).project_state(("sessions_app", "0004_minutes_attendance_snapshot")).apps


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages).split())


def page_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def note_lines(html: str) -> list[str]:
    """The paragraphs of the late-attendance note on the page, as a reader sees them ([] when there is none)."""
    match = re.search(r'<div class="mn-card mn-note mn-attendance-changed" role="note">(.*?)</div>', html, re.S)
    if match is None:
        return []
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", p)).split())
            for p in re.findall(r"<p>(.*?)</p>", match.group(1), re.S)]


def wib(event, value: dt.datetime) -> str:
    local = value.astimezone(event.tz)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H:%M} WIB"


def checkin(registration, session=None, minute=0, offline=False):
    event = registration.event
    day = event.days[0]
    return CheckIn.objects.create(event=event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day,
                                  session=session, scanned_at=dt.datetime.combine(day, dt.time(9, minute),
                                                                                  tzinfo=event.tz),
                                  nonce=uuid.uuid4(), result=CheckIn.Result.OK, gate="Pintu Ballroom",
                                  offline=offline)


def joined(registration, session, minutes=50):
    return OnlineAttendance.objects.create(registration=registration, session=session,
                                           first_joined_at=session.start, heartbeat_minutes=minutes)


@pytest.fixture
def world():
    event = EventFactory()
    session = make_session(event)
    org = organiser()
    taker = notulis()
    room = [RegistrationFactory(event=event, participant__full_name=f"Peserta Luring {i}") for i in range(2)]
    for i, reg in enumerate(room):
        checkin(reg, session=session, minute=i)
    remote = RegistrationFactory(event=event, modes=["online"] * 3, participant__full_name="Peserta Daring 0")
    joined(remote, session)
    return {"event": event, "session": session, "org": org, "taker": taker, "room": room, "remote": remote,
            "url": f"/e/{event.slug}/notulen/{session.pk}/"}


def late_records(world):
    """A scanner that was offline syncs one check-in; the platform report adds one online participant."""
    event, session = world["event"], world["session"]
    checkin(RegistrationFactory(event=event, participant__full_name="Terlambat Sinkron"), session=session,
            minute=30, offline=True)
    joined(RegistrationFactory(event=event, modes=["online"] * 3, participant__full_name="Laporan Zoom Susulan"),
           session, minutes=40)


FROZEN = ("3 orang: 2 luring, 1 daring (daftar hadir terlampir)", "Peserta luring (2 orang)",
          "Peserta daring (1 orang)", "Peserta Luring 0", "Peserta Luring 1", "Peserta Daring 0")


def test_final_pdf_and_print_view_keep_the_list_as_at_finalisation(client, world):
    minutes = final_minutes(world["session"], world["taker"], world["org"])
    before = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    late_records(world)
    minutes.refresh_from_db()

    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert text == before
    for expected in FROZEN:
        assert expected in text, expected
    assert "Terlambat Sinkron" not in text
    assert "Laporan Zoom Susulan" not in text
    at = wib(world["event"], minutes.finalised_at)
    assert f"Daftar hadir per {at}, saat notulen difinalkan." in text

    client.force_login(world["org"])
    response = client.get(world["url"] + "pdf/")
    assert pdf_text(response.content) == before
    printed = page_text(client.get(world["url"] + "cetak/").content.decode())
    assert "3 orang: 2 luring, 1 daring (daftar hadir terlampir)" in printed
    assert f"Daftar hadir per {at}, saat notulen difinalkan." in printed
    assert "Terlambat Sinkron" not in printed


def test_the_page_tells_organisers_and_minute_takers_what_arrived_after_finalisation(client, world):
    minutes = final_minutes(world["session"], world["taker"], world["org"])
    client.force_login(world["org"])
    assert note_lines(client.get(world["url"]).content.decode()) == []  # nothing late yet: no note

    late_records(world)
    at = wib(world["event"], minutes.finalised_at)
    html = client.get(world["url"]).content.decode()
    assert note_lines(html) == [
        "2 catatan kehadiran masuk setelah notulen ini difinalkan dan tidak tercantum dalam daftar hadirnya.",
        f"Notulen final tetap memuat daftar hadir sebagaimana pada saat difinalkan, {at}.",
        "Bila daftar hadir perlu diperbarui, buka koreksi: notulen yang difinalkan lagi memuat daftar hadir saat itu.",
    ]
    shown = page_text(html)
    for expected in FROZEN:
        assert expected in shown, expected
    assert "Terlambat Sinkron" not in shown

    client.force_login(world["taker"])  # the assigned minute taker: told too, without the organiser's remedy
    assert note_lines(client.get(world["url"]).content.decode()) == [
        "2 catatan kehadiran masuk setelah notulen ini difinalkan dan tidak tercantum dalam daftar hadirnya.",
        f"Notulen final tetap memuat daftar hadir sebagaimana pada saat difinalkan, {at}.",
    ]

    for reader in (coordinator(UnitFactory()), notulis(first_name="Budi", last_name="Lain")):
        client.force_login(reader)  # readers of the final record see the record, not the bookkeeping
        html = client.get(world["url"]).content.decode()
        assert note_lines(html) == []
        assert "3 orang: 2 luring, 1 daring (daftar hadir terlampir)" in page_text(html)


def test_records_gone_or_moved_since_finalisation_are_reported_too(client, world):
    withdrawn = RegistrationFactory(event=world["event"], modes=["online"] * 3, participant__full_name="Salah Cocok")
    joined(withdrawn, world["session"])
    minutes = final_minutes(world["session"], world["taker"], world["org"])
    OnlineAttendance.objects.filter(registration=withdrawn).delete()  # a report row wrongly matched, undone
    OnlineAttendance.objects.filter(registration=world["remote"]).delete()  # not online after all...
    checkin(world["remote"], session=world["session"], minute=45)  # ...but in the room (a late sync)
    joined(world["room"][0], world["session"])  # in the room and online: still counted in person, no change
    client.force_login(world["org"])
    assert note_lines(client.get(world["url"]).content.decode())[:3] == [
        "1 orang dalam daftar hadir notulen final tidak lagi tercantum dalam catatan presensi.",
        "1 orang kini tercatat hadir dengan cara lain (luring atau daring) daripada dalam daftar hadir notulen final.",
        f"Notulen final tetap memuat daftar hadir sebagaimana pada saat difinalkan, "
        f"{wib(world['event'], minutes.finalised_at)}.",
    ]
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "4 orang: 2 luring, 2 daring (daftar hadir terlampir)" in text
    assert "Salah Cocok" in text


def test_a_draft_shows_the_live_record(client, world):
    minutes = open_minutes(world["session"], [world["taker"]], by=world["org"])
    assert "3 orang: 2 luring, 1 daring (daftar hadir terlampir)" in pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    late_records(world)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text
    assert "Terlambat Sinkron" in text
    assert "Daftar hadir per" not in text
    client.force_login(world["taker"])
    html = client.get(world["url"]).content.decode()
    assert "Peserta menurut catatan presensi: 5 orang (3 luring, 2 daring)." in page_text(html)
    assert note_lines(html) == []


def test_a_notula_in_review_shows_the_live_record(world):
    minutes = open_minutes(world["session"], [world["taker"]], by=world["org"])
    services.save_draft(minutes=minutes, by=world["taker"], content=content(), base_revision=minutes.revision_number,
                        submit=True)
    minutes.refresh_from_db()
    late_records(world)
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))


def test_a_correction_drops_the_list_and_refinalising_takes_the_record_as_it_then_stands(client, world):
    org, taker = world["org"], world["taker"]
    minutes = final_minutes(world["session"], taker, org)
    first_at = minutes.attendance_snapshot_at
    late_records(world)
    services.open_correction(minutes=minutes, by=org, reason="Daftar hadir dari pemindai yang tertunda.")
    minutes.refresh_from_db()
    assert (minutes.status, minutes.attendance_snapshot, minutes.attendance_snapshot_at) == ("draft", None, None)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text  # the draft: live
    assert "Daftar hadir per" not in text

    services.save_draft(minutes=minutes, by=taker, content={}, base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    assert minutes.attendance_snapshot_at >= first_at
    checkin(RegistrationFactory(event=world["event"], participant__full_name="Lebih Terlambat Lagi"),
            session=world["session"], minute=50)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text
    for name in ("Terlambat Sinkron", "Laporan Zoom Susulan"):
        assert name in text
    assert "Lebih Terlambat Lagi" not in text
    assert f"Daftar hadir per {wib(world['event'], minutes.finalised_at)}, saat notulen difinalkan." in text
    client.force_login(org)
    assert note_lines(client.get(world["url"]).content.decode())[0] == (
        "1 catatan kehadiran masuk setelah notulen ini difinalkan dan tidak tercantum dalam daftar hadirnya.")


def test_restoring_a_revision_never_brings_back_an_old_list(world):
    org, taker = world["org"], world["taker"]
    minutes = final_minutes(world["session"], taker, org)
    finalised_revision = minutes.revision_number
    late_records(world)
    services.restore_revision(minutes=minutes, by=org, number=finalised_revision, reason="Naskah final dipulihkan.")
    minutes.refresh_from_db()
    assert (minutes.status, minutes.attendance_snapshot) == ("draft", None)
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    services.save_draft(minutes=minutes, by=taker, content={}, base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()
    block = selectors.attendance_for(minutes)
    assert (block.frozen, block.taken) == (True, "finalise")
    assert sorted(a.name for a in block.in_person) == ["Peserta Luring 0", "Peserta Luring 1", "Terlambat Sinkron"]
    assert sorted(a.name for a in block.online) == ["Laporan Zoom Susulan", "Peserta Daring 0"]


def test_the_audit_trail_is_unaffected(world):
    org = world["org"]
    minutes = final_minutes(world["session"], world["taker"], org)
    entries = AuditEntry.objects.filter(model="minutes.minutes", object_id=str(minutes.pk))
    finalise = entries.get(action="minutes_finalise")
    expected = {f.name for f in Minutes._meta.concrete_fields} - {"attendance_snapshot", "attendance_snapshot_at"}
    assert set(finalise.after) == set(finalise.before) == expected | {"minute_takers"}
    assert (finalise.before["status"], finalise.after["status"]) == ("review", "final")
    assert "Peserta Luring 0" not in json.dumps([finalise.before, finalise.after])
    trail = list(entries.order_by("at", "id").values_list("action", "before", "after"))

    late_records(world)
    selectors.attendance_changes(minutes)
    minutes_pdf(minutes, access=FULL_ACCESS)
    assert list(entries.order_by("at", "id").values_list("action", "before", "after")) == trail

    services.open_correction(minutes=minutes, by=org, reason="Daftar hadir dari pemindai yang tertunda.")
    correct = entries.get(action="minutes_correct")
    assert set(correct.after) == expected | {"minute_takers"}
    assert [a for a, *_ in entries.order_by("at", "id").values_list("action")] == [
        "minutes_open", "minutes_finalise", "minutes_correct"]


def test_a_final_notula_scanned_by_the_day_keeps_its_day_list(world):
    """Finalised from the day's door entries; a session scan synced later does not swap the list."""
    event = world["event"]
    session = make_session(event, title="Panel: pengawasan dana BOS", hour=13)
    door = RegistrationFactory(event=event, participant__full_name="Hadir Di Pintu")
    checkin(door)
    minutes = final_minutes(session, world["taker"], world["org"])
    checkin(RegistrationFactory(event=event, participant__full_name="Pindai Sesi Susulan"), session=session)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "presensi pintu masuk pada hari sesi" in text
    assert "Hadir Di Pintu" in text
    assert "Pindai Sesi Susulan" not in text
    assert selectors.attendance_changes(minutes) == selectors.AttendanceChanges(added=1, removed=1, moved=0)


def test_old_final_minutes_without_a_list_read_live_until_the_migration_freezes_them(client, world):
    minutes = final_minutes(world["session"], world["taker"], world["org"])
    Minutes.objects.filter(pk=minutes.pk).update(attendance_snapshot=None, attendance_snapshot_at=None)
    minutes.refresh_from_db()
    late_records(world)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text  # as before this change: live
    assert "Daftar hadir per" not in text
    client.force_login(world["org"])
    assert note_lines(client.get(world["url"]).content.decode()) == []

    migration = importlib.import_module("sessions_app.migrations.0004_minutes_attendance_snapshot")
    migration.freeze_final_minutes(old_apps(), None)
    minutes.refresh_from_db()
    expected = selectors.attendance_snapshot(world["session"], taken="migration")
    assert minutes.attendance_snapshot == expected  # the migration's copy of the logic matches the selector's
    checkin(RegistrationFactory(event=world["event"], participant__full_name="Sesudah Pembaruan"),
            session=world["session"], minute=55)
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "5 orang: 3 luring, 2 daring (daftar hadir terlampir)" in text
    assert "Sesudah Pembaruan" not in text
    at = wib(world["event"], minutes.attendance_snapshot_at)
    assert f"Daftar hadir per {at}, direkam setelah notulen difinalkan." in text
    assert note_lines(client.get(world["url"]).content.decode())[:2] == [
        "1 catatan kehadiran masuk setelah daftar hadir notulen final ini direkam dan tidak tercantum di dalamnya.",
        f"Notulen final tetap memuat daftar hadir sebagaimana direkam pada {at}.",
    ]
    taken = minutes.attendance_snapshot_at
    migration.freeze_final_minutes(old_apps(), None)  # run again: lists already frozen are left alone
    minutes.refresh_from_db()
    assert minutes.attendance_snapshot_at == taken


def test_a_person_erased_on_request_is_erased_from_the_frozen_list_too(world):
    minutes = final_minutes(world["session"], world["taker"], world["org"])
    person = world["room"][0].participant
    nip = person.nip
    participant_erase(participant=person, by=world["org"], note="Permintaan peserta.")
    text = pdf_text(minutes_pdf(minutes, access=FULL_ACCESS))
    assert "Peserta Luring 0" not in text and nip not in text
    assert "(dihapus atas permintaan)" in text
    assert "3 orang: 2 luring, 1 daring (daftar hadir terlampir)" in text  # they did attend

    minutes.refresh_from_db()  # erasure already removed them from the stored list
    stored = json.dumps(minutes.attendance_snapshot)
    assert "Peserta Luring 0" not in stored and nip not in stored
    assert len(minutes.attendance_snapshot["in_person"]) == 2
