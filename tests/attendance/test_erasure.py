"""Erasure on request (UU PDP 27/2022): after it, the person cannot be found anywhere in the system.

The person gets everything a participant can leave behind: a self-registration with
consent, an organiser's edit, check-ins (accepted and refused, sealed into the chain),
online attendance, a line in the meeting platform's report, a certificate with its signed
PDF (and a revoked one before it), an eligibility exception, a deletion request whose
reason names them, an admin history entry, final minutes with their name in the frozen
attendance list and in the discussion, a follow-up's evidence note, another person's
rejection reason naming them, cache entries. Then they are erased, and every column of
every table, every file under MEDIA_ROOT (inside ZIPs and PDF streams too), the unit ZIP a
coordinator downloads and the whole cache are searched for their name, NIP, e-mail,
phone and position: nothing. The attendance facts (check-ins, minutes online, the certificate number)
stay, and the chain still verifies.
"""

import datetime as dt
import io
import json
import os
import pickle
import re
import uuid
import zipfile
from html import unescape

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from pypdf import PdfReader

from attendance import services
from attendance.chain import seal_event, verify_event
from attendance.models import CheckIn, DataRequest, Participant, Registration, RegistrationDay
from attendance.personal_data import personal_cache_set
from attendance.selectors import attendance_summary
from attendance.services import ParticipantData
from certificates import services as certificate_services
from certificates.models import Certificate
from rakor.models import AuditEntry
from attendance.online import services as session_services
from minutes import services as minutes_services
from attendance.models import MeetingReportRow, OnlineAttendance
from minutes.models import ActionItem
from tests.certificates.factories_certificates import past_event, templates
from tests.factories import RegistrationFactory, UnitFactory, coordinator, organiser
from tests.minutes.factories_minutes import content, notulis, open_minutes

pytestmark = pytest.mark.django_db

NAME = "Dr. Zulkarnain Wirahadikusumah, M.Si."
SURNAME = "Wirahadikusumah"  # the part of the name nobody else has: any copy, even a shortened one, carries it
NIP = "198204172006041003"
NIP_PRINTED = "19820417 200604 1 003"
EMAIL = "zulkarnain.wirahadikusumah@kemenag.go.id"
PHONE = "+6281398765432"
POSITION = "Kepala Bagian Tata Usaha Kanwil Banten"  # set by an organiser's correction
NEEDLES = [NAME, SURNAME, NIP, NIP_PRINTED, EMAIL, PHONE, PHONE[1:], "0" + PHONE[3:], POSITION]
ERASED_WORDING_ID = "Diterbitkan untuk orang yang datanya telah dihapus atas permintaan"
ERASED_WORDING_EN = "Issued to a person whose data was erased on request"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------- where to look


def found_in(value, needles=NEEDLES) -> set[str]:
    """The needles a value holds (text, bytes, JSON), case-insensitively, also as JSON escapes them."""
    if value is None or isinstance(value, (bool, int, float, dt.date, dt.datetime, dt.time, uuid.UUID)):
        return set()
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace") + value.decode("latin-1")
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.casefold()
    return {n for n in needles if n.casefold() in text or json.dumps(n)[1:-1].casefold() in text}


def search_database(needles=NEEDLES) -> dict[str, set[str]]:
    """Every column of every table (Django's own included), read raw; sessions decoded."""
    hits: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row):
                    found = found_in(value, needles)
                    if table == "django_session" and column == "session_data":
                        found |= found_in(json.dumps(SessionStore().decode(value), default=str), needles)
                    if found:
                        hits.setdefault(f"{table}.{column}", set()).update(found)
    return hits


def search_file(name: str, data: bytes) -> dict[str, set[str]]:
    """A file's bytes, and inside it: ZIP members (recursively), a PDF's text, metadata and decompressed streams."""
    hits: dict[str, set[str]] = {}
    found = found_in(data)
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                found |= found_in(member)
                for inner, what in search_file(f"{name}!{member}", archive.read(member)).items():
                    hits.setdefault(inner, set()).update(what)
    if data[:5] == b"%PDF-":
        reader = PdfReader(io.BytesIO(data))
        found |= found_in(json.dumps({str(k): str(v) for k, v in (reader.metadata or {}).items()}))
        for page in reader.pages:
            found |= found_in(" ".join((page.extract_text() or "").split()))
        for number in range(1, int(reader.trailer["/Size"])):
            try:
                obj = reader.get_object(number)
            except Exception:  # noqa: BLE001 — free or broken entries in the xref table
                continue
            if hasattr(obj, "get_data"):
                try:
                    found |= found_in(obj.get_data())
                except Exception:  # noqa: BLE001 — images in formats pypdf does not decode
                    pass
    if found:
        hits.setdefault(name, set()).update(found)
    return hits


def search_media() -> dict[str, set[str]]:
    hits: dict[str, set[str]] = {}
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for filename in files:
            path = os.path.join(folder, filename)
            with open(path, "rb") as fh:
                for name, what in search_file(os.path.relpath(path, settings.MEDIA_ROOT), fh.read()).items():
                    hits.setdefault(name, set()).update(what)
    return hits


def cache_items() -> list[tuple[str, bytes]]:
    """Every key and raw value in the cache: local memory in the default run, Redis in the PostgreSQL+Redis run."""
    backend = cache._cache if hasattr(cache, "_cache") else None
    if isinstance(backend, dict):  # LocMemCache: pickled values
        return [(str(key), value) for key, value in backend.items()]
    shared = cache._cache
    client = shared.get_client(write=False)  # Redis: every key of our database
    items = []
    fallback = getattr(getattr(shared, "outage", None), "local", None)  # memory used while Redis is away, if any
    if fallback is not None:
        items += [(str(key), value) for key, value in fallback._cache.items()]
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        if kind == "string":
            value = client.get(key) or b""
        elif kind == "hash":
            value = repr(client.hgetall(key)).encode()
        elif kind == "list":
            value = repr(client.lrange(key, 0, -1)).encode()
        elif kind == "set":
            value = repr(client.smembers(key)).encode()
        elif kind == "zset":
            value = repr(client.zrange(key, 0, -1)).encode()
        else:
            value = b""
        items.append((key.decode("utf-8", "replace"), value))
    return items


def search_cache() -> dict[str, set[str]]:
    hits = {}
    for key, value in cache_items():
        found = found_in(key) | found_in(value)
        try:
            found |= found_in(repr(pickle.loads(value)))
        except Exception:  # noqa: BLE001 — counters and other raw values
            pass
        if found:
            hits[key] = found
    return hits


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def shown(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(?:dd|p|span)>', html, re.S)
    return text_of(match.group(1)) if match else ""


# ---------------------------------------------------------------- the person and everything they leave behind


@pytest.fixture
def world(client, django_capture_on_commit_callbacks):
    event, sessions = past_event(name="Rapat Koordinasi Pengawasan 2026")
    templates(event)
    unit = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Banten", short_name="Kanwil Banten")
    org = organiser(first_name="Panitia", last_name="Pusat")
    boss = coordinator(unit, first_name="Kabag", last_name="TU Banten")
    day1, day2 = event.days
    # Self-registration with consent (registration is closed for a past event: open it for the test).
    event.registration_closes = None
    event.save()
    data = ParticipantData(full_name=NAME, unit=unit, id_number=NIP, position="Kepala Bagian Tata Usaha",
                           rank="Pembina (IV/a)", email=EMAIL, whatsapp="081398765432")
    registration = services.registration_create(
        event=event, data=data, days={day1: RegistrationDay.Mode.IN_PERSON, day2: RegistrationDay.Mode.ONLINE},
        channel=Registration.Channel.SELF, consent_text="Saya menyetujui pengolahan data pribadi saya.")
    person = registration.participant
    # An organiser corrects them (audited with before and after).
    services.registration_update(registration=registration, data=ParticipantData(**{**data.__dict__,
                                 "position": POSITION}), by=org)
    # Check-ins: the door on day 1 (and a refused second scan), the chain sealed.
    door = event.sessions.filter(day=day1)
    when = dt.datetime.combine(day1, dt.time(8, 30), tzinfo=event.tz)
    CheckIn.objects.create(event=event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day1,
                           method=CheckIn.Method.CAMERA, scanned_at=when, nonce=uuid.uuid4(),
                           result=CheckIn.Result.OK, gate="Meja 1 Ballroom")
    CheckIn.objects.create(event=event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day1,
                           method=CheckIn.Method.CAMERA, scanned_at=when + dt.timedelta(minutes=3),
                           nonce=uuid.uuid4(), result=CheckIn.Result.ALREADY, gate="Meja 1 Ballroom")
    # Online on day 2: portal heartbeats, and the meeting platform's report (matched by e-mail).
    for s in event.sessions.filter(day=day2):
        OnlineAttendance.objects.create(registration=registration, session=s, first_joined_at=s.start,
                                        heartbeat_minutes=int((s.end - s.start).total_seconds() // 60))
    reported = event.sessions.get(title="Pleno II")
    d = reported.day.strftime("%m/%d/%Y")
    csv = ("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent\n"
           f"Zulkarnain Wirahadikusumah - Kanwil Banten,{EMAIL.upper()},{d} 09:00:00 AM,{d} 10:45:00 AM,105,No,Y\n"
           f"iPhone Ruang Rapat,,{d} 09:00:00 AM,{d} 10:30:00 AM,90,Yes,Y\n").encode()
    session_services.meeting_report_import(session=reported, filename="peserta-pleno-2.csv", data=csv, by=org)
    seal_event(event)
    # A certificate, revoked (the reason names them) and reissued: two signed PDFs in storage.
    exception_reason = f"{SURNAME} bertugas di posko pengaduan pada sesi kunjungan lapangan."
    certificate_services.exception_grant(registration=registration, reason=exception_reason, by=org)
    first = certificate_services.certificate_issue(registration=registration, by=org)
    certificate = certificate_services.certificate_reissue(
        certificate=first, reason=f"Gelar {NAME} salah ketik.", by=org)
    # The organisers' admin history names them.
    LogEntry.objects.log_actions(org.pk, [person], CHANGE, change_message=f"Nama diubah menjadi {NAME}",
                                 single_object=True)
    # Final minutes: the frozen attendance list holds their row; the discussion and a follow-up name them.
    taker = notulis(unit)
    minutes = open_minutes(door.first(), [taker], by=org)
    minutes_services.save_draft(
        minutes=minutes, by=taker, base_revision=minutes.revision_number, submit=True,
        content=content(discussion=f"{NAME} (NIP {NIP_PRINTED}) memaparkan temuan Kanwil Banten.",
                        items=[{"what": "Menyusun rencana aksi zona integritas", "unit": unit.pk}]))
    minutes.refresh_from_db()
    minutes_services.finalise(minutes=minutes, by=org)
    item = ActionItem.objects.get(minutes=minutes)
    minutes_services.add_evidence(item=item, by=boss, note=f"Laporan disusun oleh {NAME}, kontak {PHONE}.")
    # Someone else's registration rejected with a reason that names them.
    other = RegistrationFactory(event=event, participant__unit=unit, participant__full_name="Drs. Bambang Sutrisno")
    services.registration_set_status(registrations=[other], status=Registration.Status.REJECTED, by=org,
                                     reason=f"Kursi unit sudah dipakai oleh {NAME}.")
    # Their deletion request, in their own words.
    services.data_request_create(registration=registration,
                                 reason=f"Saya {NAME}, NIP {NIP}, pindah tugas. Hubungi {EMAIL} atau 081398765432.")
    # Cache: what a cached page, the summary, the scanner and a personal entry hold.
    personal_cache_set(participant_id=person.pk, key=f"rakor:test:person:{person.pk}",
                       value={"name": NAME, "nip": NIP, "email": EMAIL, "phone": PHONE}, timeout=600)
    client.force_login(org)
    assert client.get(f"/api/v1/events/{event.slug}/attendance/summary/").status_code == 200
    assert client.get(f"/api/v1/events/{event.slug}/scanner-bundle/").status_code == 200
    client.logout()
    assert client.get(registration.portal_path).status_code == 200
    assert client.get(f"/e/{event.slug}/register/").status_code == 200
    return {"event": event, "registration": registration, "person": person, "org": org, "boss": boss,
            "unit": unit, "certificate": certificate, "first": first, "other": other,
            "capture": django_capture_on_commit_callbacks}


def unit_zip(client, world) -> bytes:
    """The unit's ZIP; empty bytes when there is nothing in it (the page says so instead of downloading)."""
    client.force_login(world["boss"])
    response = client.get(f"/e/{world['event'].slug}/sertifikat/unit/{world['unit'].pk}.zip")
    client.logout()
    if response.status_code == 302:
        return b""
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def erase(world):
    with world["capture"](execute=True):
        services.participant_erase(participant=world["person"], by=world["org"],
                                   note=f"Permintaan {NAME} dikabulkan.")


# ---------------------------------------------------------------- the search


def test_an_erased_person_cannot_be_found_anywhere(client, world):
    event = world["event"]
    # The searches do find them before: in the database, in the PDFs, the unit ZIP and the cache.
    assert set().union(*search_database().values()) == set(NEEDLES)
    media = search_media()
    pdfs = {name: what for name, what in media.items() if name.startswith("certificates/pdf/")}
    assert len(pdfs) == 2 and all({NAME, SURNAME, NIP} <= what for what in pdfs.values())
    before_zip = unit_zip(client, world)
    assert {NAME, NIP} <= set().union(*search_file("unit.zip", before_zip).values())
    assert {NAME, EMAIL} <= set().union(*search_cache().values())
    certificate_pdf = Certificate.objects.get(pk=world["certificate"].pk).pdf.read()
    summary_before = attendance_summary(event)
    checkins_before = list(CheckIn.objects.order_by("pk").values_list("pk", "registration_id", "result", "day"))
    minutes_before = list(OnlineAttendance.objects.order_by("pk").values_list("registration_id", "session_id",
                                                                              "heartbeat_minutes", "report_minutes"))

    erase(world)

    assert search_database() == {}
    assert search_media() == {}
    assert search_file("unit.zip", unit_zip(client, world)) == {}
    assert search_cache() == {}
    # The attendance facts stay, tied to the anonymous record, and the chain still verifies.
    assert list(CheckIn.objects.order_by("pk").values_list("pk", "registration_id", "result", "day")) == checkins_before
    assert list(OnlineAttendance.objects.order_by("pk").values_list(
        "registration_id", "session_id", "heartbeat_minutes", "report_minutes")) == minutes_before
    after = attendance_summary(event)
    assert (after["totals"]["present_in_person"], after["totals"]["joined_online"]) == (
        summary_before["totals"]["present_in_person"], summary_before["totals"]["joined_online"])
    report = verify_event(event)
    assert (report.ok, report.sealed_ok, report.broken) == (True, len(checkins_before), None)
    # The signed PDF someone kept is still recognised as ours, unaltered.
    response = client.post(f"/v/{world['certificate'].code}/",
                           {"pdf": SimpleUploadedFile("sertifikat.pdf", certificate_pdf, "application/pdf")})
    assert shown(response.content.decode(), "check-result").split(" SHA-256")[0] == (
        "Asli: berkas ini sertifikat yang kami terbitkan dan tidak diubah sedikit pun. Sertifikat ini "
        "diterbitkan untuk orang yang datanya telah dihapus atas permintaan.")


def test_certificates_stay_verifiable_by_number_with_the_erased_wording(client, world):
    certificate, first = world["certificate"], world["first"]
    erase(world)

    page = client.get(f"/v/{certificate.code}/").content.decode()
    assert shown(page, "name") == ERASED_WORDING_ID
    assert shown(page, "status") == "SAH — sertifikat ini kami terbitkan"
    assert f"Nomor {certificate.number}" in text_of(page)
    api = client.get(f"/api/v1/certificates/{certificate.code}/").json()
    assert (api["number"], api["name"], api["recipient_erased"], api["status"], api["jp"], api["replaces"]) == (
        certificate.number, ERASED_WORDING_ID, True, "issued", certificate.jp, first.code)
    assert api["sha256"] == certificate.sha256
    revoked = client.get(f"/api/v1/certificates/{first.code}/").json()
    assert (revoked["name"], revoked["status"], revoked["replaced_by"]) == (ERASED_WORDING_ID, "revoked",
                                                                            certificate.code)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert shown(client.get(f"/v/{certificate.code}/").content.decode(), "name") == ERASED_WORDING_EN
    assert client.get(f"/api/v1/certificates/{certificate.code}/").json()["name"] == ERASED_WORDING_EN


def test_an_erased_certificate_has_no_pdf_and_is_not_made_again(client, world):
    certificate = world["certificate"]
    erase(world)
    stored = Certificate.objects.get(pk=certificate.pk)
    assert (stored.pdf.name, stored.recipient_name, stored.status) == ("", Participant.ERASED_NAME, "issued")
    client.force_login(world["org"])
    assert client.get(f"/e/{world['event'].slug}/sertifikat/{certificate.code}.pdf").status_code == 404
    page = client.get(f"/e/{world['event'].slug}/sertifikat/").content.decode()
    assert f"sertifikat/{certificate.code}.pdf" not in page
    assert (f"{certificate.number} (Terbit, {certificate.jp} JP, data penerima dihapus atas permintaan; tanpa PDF)"
            in text_of(page))
    with pytest.raises(certificate_services.CertificateError) as refused:
        certificate_services.certificate_reissue(certificate=stored, reason="Coba lagi.", by=world["org"])
    assert refused.value.code == "erased"
    assert unit_zip(client, world) == b""  # nothing to download: the page says so


def test_the_scanner_bundle_revokes_the_ticket_and_shows_no_name(client, world):
    registration = world["registration"]
    erase(world)
    client.force_login(world["org"])
    bundle = client.get(f"/api/v1/events/{world['event'].slug}/scanner-bundle/").json()
    assert registration.public_id in bundle["revoked"]
    assert [r["name"] for r in bundle["registrations"] if r["id"] == registration.public_id] == [
        Participant.ERASED_NAME]


def test_erasure_is_recorded_without_personal_data_and_closes_the_request(world):
    erase(world)
    entry = AuditEntry.objects.filter(action="anonymise").get()
    assert entry.reason == "Permintaan (dihapus) dikabulkan."
    assert entry.after["certificates"] == 2 and entry.after["certificate_pdfs"] == 2
    request = DataRequest.objects.get()
    assert (request.status, request.reason, request.handled_by) == (DataRequest.Status.DONE, "(dihapus)", world["org"])
    other = Registration.objects.get(pk=world["other"].pk)
    assert other.status_reason == "Kursi unit sudah dipakai oleh (dihapus)."
    row = MeetingReportRow.objects.get(registration=world["registration"])
    assert (row.name, row.email, row.minutes) == (Participant.ERASED_NAME, "", 105)
    # Erasing again changes nothing and records nothing new.
    services.participant_erase(participant=world["person"], by=world["org"])
    assert AuditEntry.objects.filter(action="anonymise").count() == 1


def test_another_persons_name_is_left_alone(world):
    """Only this person's strings go: another participant with the same e-mail keeps theirs everywhere."""
    other = world["other"].participant
    other.email = "sekretariat.banten@kemenag.go.id"
    other.save()
    world["person"].email = "sekretariat.banten@kemenag.go.id"  # a shared office address
    world["person"].save()
    erase(world)
    other.refresh_from_db()
    assert (other.full_name, other.email) == ("Drs. Bambang Sutrisno", "sekretariat.banten@kemenag.go.id")
    assert Registration.objects.get(pk=world["other"].pk).status_reason == "Kursi unit sudah dipakai oleh (dihapus)."


def test_an_unmatched_report_line_with_their_email_is_erased_too(world):
    report = MeetingReportRow.objects.filter(registration=world["registration"]).get().report
    stray = MeetingReportRow.objects.create(report=report, line=99, name="Pak Zul (HP)", email=EMAIL.upper(),
                                            status=MeetingReportRow.Status.UNMATCHED)
    erase(world)
    stray.refresh_from_db()
    assert (stray.name, stray.email, stray.registration_id) == (Participant.ERASED_NAME, "", None)


def test_finish_erasures_carries_an_earlier_erasure_everywhere(client, world):
    """Erased by an earlier version (record blanked, nothing else): the command finishes the job."""
    person, certificate = world["person"], world["certificate"]
    Participant.objects.filter(pk=person.pk).update(
        full_name=Participant.ERASED_NAME, id_kind="other", id_number="", email="", whatsapp="", position="",
        rank="", gender="", anonymised_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))
    Registration.objects.filter(participant=person).update(status=Registration.Status.CANCELLED)
    assert shown(client.get(f"/v/{certificate.code}/").content.decode(), "name") == NAME  # what the pentest saw
    out = io.StringIO()
    with world["capture"](execute=True):
        call_command("finish_erasures", stdout=out)
    assert out.getvalue().strip() == "1 peserta yang sudah dihapus kini terhapus di semua tempat."
    assert search_database([NAME, SURNAME]) == {}
    assert search_media() == {}
    assert shown(client.get(f"/v/{certificate.code}/").content.decode(), "name") == ERASED_WORDING_ID
    out = io.StringIO()
    call_command("finish_erasures", stdout=out)
    assert out.getvalue().strip() == "0 peserta yang sudah dihapus kini terhapus di semua tempat."
