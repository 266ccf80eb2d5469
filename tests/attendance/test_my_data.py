""""My data" (UU PDP 27/2022): the portal page and its JSON hold everything Rakor keeps about the person.

Their record, registrations with days and lawful basis, check-ins (accepted and refused,
with time and gate), online attendance, the meeting-report lines matched to them,
certificates and deletion requests; never another participant's.
"""

import datetime as dt
import json
import re
import uuid
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from attendance import services
from attendance.models import CheckIn, Registration
from certificates import services as certificate_services
from attendance.online import services as session_services
from attendance.models import OnlineAttendance
from tests.certificates.factories_certificates import online, past_event, registration, templates
from tests.factories import organiser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def iso(value):
    return value.isoformat() if value else None


def scan(reg, when, result, gate):
    return CheckIn.objects.create(event=reg.event, registration=reg, kind=CheckIn.Kind.ENTRY, day=when.date(),
                                  method=CheckIn.Method.CAMERA, scanned_at=when, nonce=uuid.uuid4(), result=result,
                                  gate=gate)


@pytest.fixture
def world():
    event, sessions = past_event(name="Rapat Koordinasi Pengawasan 2026")
    templates(event)
    org = organiser(first_name="Rina", last_name="Panitia")
    me = registration(event, name="Dra. Hj. Siti Aminah, M.Pd.", modes=["in_person", "online"],
                      channel=Registration.Channel.COORDINATOR, registered_by=org, lawful_basis="public_task",
                      lawful_basis_at=dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.timezone.utc),
                      lawful_basis_notice="2026-12-03", participant__email="siti.aminah@kemenag.go.id")
    other = registration(event, name="Drs. Bambang Sutrisno", modes=["in_person", "online"],
                         participant__email="bambang@kemenag.go.id")
    day1 = event.days[0]
    at = dt.datetime.combine(day1, dt.time(8, 30), tzinfo=event.tz)
    scans = [scan(me, at, CheckIn.Result.OK, "Meja 1 Ballroom"),
             scan(me, at + dt.timedelta(minutes=2), CheckIn.Result.ALREADY, "Meja 2 Ballroom")]
    scan(other, at, CheckIn.Result.OK, "Meja 1 Ballroom")
    for reg in (me, other):
        for s in event.sessions.filter(day=event.days[1]):
            online(reg, s, heartbeat=int((s.end - s.start).total_seconds() // 60))
    pleno = event.sessions.get(title="Pleno II")
    d = pleno.day.strftime("%m/%d/%Y")
    csv = ("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent\n"
           f"Siti Aminah HP,siti.aminah@kemenag.go.id,{d} 09:00:00 AM,{d} 10:40:00 AM,100,No,Y\n"
           f"Bambang Sutrisno,bambang@kemenag.go.id,{d} 09:00:00 AM,{d} 10:00:00 AM,60,No,Y\n").encode()
    report = session_services.meeting_report_import(session=pleno, filename="pleno-2.csv", data=csv, by=org)
    certificate = certificate_services.certificate_issue(registration=me, by=org)
    certificate_services.certificate_issue(registration=other, by=org)
    services.data_request_create(registration=me, reason="Saya pindah tugas.")
    services.data_request_create(registration=other, reason="Bambang minta dihapus.")
    me.refresh_from_db()
    return {"event": event, "me": me, "other": other, "scans": scans, "report": report, "certificate": certificate,
            "org": org}


def test_my_data_json_lists_everything_held_about_me_and_nothing_else(client, world):
    me, event, certificate = world["me"], world["event"], world["certificate"]
    data = json.loads(client.get(me.portal_path + "data/json/").content)
    p = me.participant

    assert data["participant"]["full_name"] == "Dra. Hj. Siti Aminah, M.Pd."
    assert (data["registration"]["lawful_basis"], data["registration"]["lawful_basis_display"],
            data["registration"]["lawful_basis_at"], data["registration"]["lawful_basis_notice"],
            data["registration"]["registered_by"], data["registration"]["channel"]) == (
        "public_task", "Pelaksanaan tugas dan kewenangan instansi (UU PDP Pasal 20 ayat (2) huruf e)",
        "2026-11-01T02:00:00+00:00", "2026-12-03", "Rina Panitia", "coordinator")
    assert [(d["date"], d["mode"]) for d in data["registration"]["days"]] == [
        (event.days[0].isoformat(), "in_person"), (event.days[1].isoformat(), "online")]

    mine = CheckIn.objects.filter(registration=me).select_related("session").order_by("scanned_at", "pk")
    expected_checkins = [
        {"event": event.name, "event_slug": event.slug, "scanned_at": iso(c.scanned_at), "received_at": iso(c.received_at),
         "day": iso(c.day), "kind": "entry", "kind_display": "Masuk", "session": c.session.title if c.session_id else "",
         "method": c.method, "method_display": c.get_method_display(), "gate": c.gate, "offline": False,
         "result": c.result, "result_display": c.get_result_display()}
        for c in mine
    ]
    assert len(expected_checkins) == 3  # two scans at the door, one from the meeting report
    assert data["checkins"] == expected_checkins
    assert [(c["gate"], c["result_display"]) for c in data["checkins"][:2]] == [
        ("Meja 1 Ballroom", "Berhasil"), ("Meja 2 Ballroom", "Sudah tercatat sebelumnya")]

    expected_online = [
        {"event": event.name, "session": oa.session.title, "day": oa.session.day.isoformat(),
         "first_joined_at": iso(oa.first_joined_at), "last_heartbeat_at": None,
         "heartbeat_minutes": oa.heartbeat_minutes, "report_minutes": oa.report_minutes, "minutes": oa.minutes}
        for oa in OnlineAttendance.objects.filter(registration=me).select_related("session")
        .order_by("session__start", "pk")
    ]
    assert data["online_attendance"] == expected_online
    assert [(o["session"], o["heartbeat_minutes"], o["report_minutes"]) for o in data["online_attendance"]] == [
        ("Pleno II", 120, 100), ("Penutupan", 60, 0)]

    row = world["report"].rows.get(registration=me)
    assert data["meeting_report_rows"] == [{
        "event": event.name, "session": "Pleno II", "report": "pleno-2.csv",
        "report_uploaded_at": iso(world["report"].uploaded_at), "line": 2, "name": "Siti Aminah HP",
        "email": "siti.aminah@kemenag.go.id", "joined_at": iso(row.joined_at), "left_at": iso(row.left_at),
        "minutes": 100, "status": "matched", "status_display": "Cocok",
    }]
    assert data["certificates"] == [{
        "event": event.name, "number": certificate.number, "code": certificate.code,
        "verify_url": certificate.verify_url, "role": "participant", "role_display": "Peserta", "jp": certificate.jp,
        "minutes": certificate.minutes, "status": "issued", "status_display": "Terbit",
        "issued_at": iso(certificate.issued_at), "revoked_at": None, "revoked_reason": "",
        "sha256": certificate.sha256,
    }]
    assert [(d["status"], d["reason"]) for d in data["data_requests"]] == [("open", "Saya pindah tugas.")]

    body = json.dumps(data)
    for theirs in ("Bambang", "bambang@kemenag.go.id", world["other"].participant.id_number,
                   world["other"].portal_secret, world["other"].certificates.get().code):
        assert theirs not in body
    assert p.id_number in body


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, key: str) -> list[str]:
    """The rows of one section of the page, each as its visible text."""
    match = re.search(rf'data-testid="section-{key}">(.*?)</section>', html, re.S)
    assert match, key
    return [text_of(li) for li in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def test_my_data_page_shows_the_same_facts(client, world):
    me, event, certificate = world["me"], world["event"], world["certificate"]
    html = client.get(me.portal_path + "data/").content.decode()
    checkins = section(html, "checkins")
    assert len(checkins) == CheckIn.objects.filter(registration=me).count()
    with translation.override("id"):
        when = formats.date_format(timezone.localtime(world["scans"][0].scanned_at, event.tz), "j F Y H:i:s T")
    assert checkins[0] == (f"Waktu {when} Acara {event.name} Jenis Masuk Sesi — Cara Kamera Gerbang Meja 1 Ballroom "
                           "Hasil Berhasil")
    assert checkins[1].endswith("Gerbang Meja 2 Ballroom Hasil Sudah tercatat sebelumnya")
    online = section(html, "online_attendance")
    assert [row.split(" Hari ")[0] for row in online] == ["Sesi Pleno II", "Sesi Penutupan"]
    assert online[0].endswith("Menit (detak portal) 120 Menit (laporan platform rapat) 100 Menit dihitung 120")
    [line] = section(html, "meeting_report_rows")
    assert line.startswith("Sesi Pleno II Nama di platform Siti Aminah HP E-mail di platform siti.aminah@kemenag.go.id")
    assert line.endswith("Menit 100 Status Cocok")
    [cert] = section(html, "certificates")
    assert cert.startswith(f"Nomor {certificate.number} Acara {event.name} Peran Peserta JP {certificate.jp} "
                           "Status Terbit Diterbitkan")
    [request] = section(html, "data_requests")
    assert request.endswith("Status Diajukan Alasan Saya pindah tugas.")
    basis = text_of(re.search(r'data-testid="lawful-basis">(.*?)</dd>', html, re.S).group(1))
    assert basis == ("Pelaksanaan tugas dan kewenangan instansi (UU PDP Pasal 20 ayat (2) huruf e). Dicatat oleh "
                     "Rina Panitia pada 1 November 2026 09:00:00 WIB, yang telah diberi pemberitahuan pelindungan data "
                     "pribadi versi 2026-12-03.")
    assert "Bambang" not in html and world["other"].participant.id_number not in html


def test_someone_who_registered_themselves_sees_their_consent(client, world):
    me = world["me"]
    Registration.objects.filter(pk=me.pk).update(
        channel="self", registered_by=None, lawful_basis="consent", lawful_basis_notice="2022-11-01",
        lawful_basis_at=dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.timezone.utc), consent_text="Saya setuju.",
        consent_version="2022-11-01", consent_at=dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.timezone.utc))
    html = client.get(me.portal_path + "data/").content.decode()
    basis = text_of(re.search(r'data-testid="lawful-basis">(.*?)</dd>', html, re.S).group(1))
    assert basis == "Persetujuan peserta (UU PDP Pasal 20 ayat (2) huruf a)."
    assert "Saya setuju. Diberikan pada 1 November 2026 09:00:00 WIB (versi 2022-11-01)." in text_of(html)


def test_my_data_queries_do_not_grow_with_what_is_held(client, world, django_assert_num_queries):
    me = world["me"]
    with CaptureQueriesContext(connection) as one:
        assert client.get(me.portal_path + "data/").status_code == 200
    for i in range(2):
        scan(me, dt.datetime.combine(world["event"].days[1], dt.time(7, i), tzinfo=world["event"].tz),
             CheckIn.Result.OUTSIDE_WINDOW, f"Gerbang {i}")
    certificate_services.certificate_reissue(certificate=world["certificate"], reason="Salah gelar.", by=world["org"])
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(me.portal_path + "data/").status_code == 200
