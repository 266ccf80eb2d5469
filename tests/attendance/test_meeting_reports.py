"""Zoom participant report reconciliation and the organisers' online attendance pages (issue 4, item 6)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import CheckIn
from attendance.online import reports
from attendance.online import selectors
from attendance.online import services
from agenda.models import Session
from attendance.models import MeetingReport, MeetingReportRow, OnlineAttendance
from tests.factories import RegistrationFactory, UnitFactory, coordinator, organiser
from tests.attendance.test_join import MEETING_URL, make_event, online_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    event = make_event()
    day = event.start_date
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=event.tz)
    session = Session.objects.create(event=event, title="Panel Pengawasan Berbasis Risiko", day=day, start=start,
                                     end=start + dt.timedelta(hours=2), mode=Session.Mode.HYBRID,
                                     meeting_url=MEETING_URL, status=Session.Status.ENDED)
    jabar = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat")
    garut = UnitFactory(name="Kantor Kementerian Agama Kabupaten Garut", kind="district", parent=jabar)
    bandung = UnitFactory(name="Kantor Kementerian Agama Kabupaten Bandung", kind="district", parent=jabar)
    jatim = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Timur")

    def reg(name, unit, email=""):
        return online_registration(event, participant__full_name=name, participant__unit=unit,
                                   participant__email=email)

    people = {
        "fauzi": reg("Dr. H. Ahmad Fauzi, M.Ag.", jabar, "ahmad.fauzi@kemenag.go.id"),
        "siti": reg("Hj. Siti Aminah, S.Ag., M.Pd.I.", jatim),
        "budi_garut": reg("Budi Santoso, S.E.", garut),
        "budi_bandung": reg("Drs. Budi Santoso", bandung),
        "rahmat": reg("Rahmat Hidayat, S.H., M.H.", jatim, "rahmat.h@kemenag.go.id"),
    }
    return event, session, people


def date(event):
    return event.start_date.strftime("%m/%d/%Y")


def zoom_csv(event) -> bytes:
    d = date(event)
    lines = [
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent",
        f"Ahmad Fauzi,AHMAD.FAUZI@kemenag.go.id,{d} 08:55:00 AM,{d} 09:40:00 AM,45,No,Y",   # line 2
        f"Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,{d} 09:45:00 AM,{d} 10:30:00 AM,45,No,Y",   # line 3: rejoin
        f"SITI AMINAH S.Ag,,{d} 09:00:00 AM,{d} 10:00:00 AM,60,Yes,Y",                     # line 4
        f"KANKEMENAG GARUT_Budi Santoso,,{d} 09:10:00 AM,{d} 10:10:00 AM,60,Yes,Y",         # line 5
        f"Budi Santoso,,{d} 09:00:00 AM,{d} 09:30:00 AM,30,Yes,Y",                          # line 6: which Budi?
        f"Rahmat Hidayat,,{d} 09:00:00 AM,abc,30,Yes,Y",                                     # line 7: malformed
        f"iPhone Ruang Rapat,,{d} 09:00:00 AM,{d} 10:30:00 AM,90,Yes,Y",                    # line 8: unknown
        f"Ahmad Fauzi (Ahmad Fauzi - Kanwil Jabar),,{d} 10:20:00 AM,{d} 11:30:00 AM,70,Yes,Y",  # line 9: phone
    ]
    return ("\n".join(lines) + "\n").encode()


def rows_by_line(report):
    return {r.line: r for r in report.rows.all()}


def test_import_matches_by_email_title_stripped_name_and_unit_hint(world):
    event, session, people = world
    report = services.meeting_report_import(session=session, filename="peserta.csv", data=zoom_csv(event))
    rows = rows_by_line(report)
    assert report.rows_total == 8
    assert {n: (r.status, r.registration_id) for n, r in rows.items()} == {
        2: ("matched", people["fauzi"].pk), 3: ("matched", people["fauzi"].pk), 4: ("matched", people["siti"].pk),
        5: ("matched", people["budi_garut"].pk), 6: ("unmatched", None), 7: ("invalid", None),
        8: ("unmatched", None), 9: ("matched", people["fauzi"].pk),
    }
    assert rows[6].problem == "Nama ini cocok dengan 2 pendaftar; pilih orangnya secara manual."
    assert rows[7].problem == 'Baris 7: waktu keluar "abc" tidak dapat dibaca (kolom "Leave Time")'
    assert rows[8].problem == "Tidak ada pendaftar dengan e-mail atau nama ini."
    # Minutes clipped to 09:00–11:00; Fauzi's laptop (09:00–09:40, 09:45–10:30) and phone (10:20–11:00) overlap.
    assert [rows[n].minutes for n in (2, 3, 4, 5, 9)] == [40, 45, 60, 60, 40]
    minutes = {oa.registration_id: oa.report_minutes for oa in OnlineAttendance.objects.all()}
    assert minutes == {people["fauzi"].pk: 115, people["siti"].pk: 60, people["budi_garut"].pk: 60}
    assert selectors.online_minutes(people["fauzi"], session) == 115
    assert selectors.online_minutes(people["rahmat"], session) == 0
    imported = CheckIn.objects.filter(session=session, method=CheckIn.Method.IMPORT, result=CheckIn.Result.OK)
    assert sorted(imported.values_list("registration_id", flat=True)) == sorted(
        [people["fauzi"].pk, people["siti"].pk, people["budi_garut"].pk])
    assert imported.get(registration=people["fauzi"]).scanned_at == session.start


def test_manual_resolve_and_ignore_recompute_minutes(world):
    event, session, people = world
    report = services.meeting_report_import(session=session, filename="peserta.csv", data=zoom_csv(event))
    rows = rows_by_line(report)
    services.meeting_report_row_resolve(row=rows[6], registration=people["budi_bandung"])
    services.meeting_report_row_ignore(row=rows[8])
    assert MeetingReportRow.objects.get(pk=rows[6].pk).status == "resolved"
    assert MeetingReportRow.objects.get(pk=rows[8].pk).status == "ignored"
    assert selectors.online_minutes(people["budi_bandung"], session) == 30
    assert CheckIn.objects.filter(registration=people["budi_bandung"], session=session, result="ok").count() == 1
    with pytest.raises(ValidationError):
        services.meeting_report_row_resolve(row=rows[7], registration=people["rahmat"])


def test_reimport_replaces_minutes_and_keeps_manual_decisions(world):
    event, session, people = world
    first = services.meeting_report_import(session=session, filename="peserta.csv", data=zoom_csv(event))
    services.meeting_report_row_resolve(row=rows_by_line(first)[6], registration=people["budi_bandung"])
    second = services.meeting_report_import(session=session, filename="peserta.csv", data=zoom_csv(event))
    assert MeetingReport.objects.count() == 2
    assert rows_by_line(second)[6].status == "resolved"
    assert rows_by_line(second)[6].registration_id == people["budi_bandung"].pk
    minutes = {oa.registration_id: oa.report_minutes for oa in OnlineAttendance.objects.all()}
    assert minutes == {people["fauzi"].pk: 115, people["siti"].pk: 60, people["budi_garut"].pk: 60,
                       people["budi_bandung"].pk: 30}
    assert CheckIn.objects.filter(session=session, result="ok").count() == 4
    # A later, shorter report replaces the minutes: nothing is added twice.
    d = date(event)
    short = (f"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
             f"Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,{d} 09:00:00 AM,{d} 09:20:00 AM,20\n").encode()
    services.meeting_report_import(session=session, filename="ulang.csv", data=short)
    minutes = {oa.registration_id: oa.report_minutes for oa in OnlineAttendance.objects.all()}
    assert minutes == {people["fauzi"].pk: 20, people["siti"].pk: 0, people["budi_garut"].pk: 0,
                       people["budi_bandung"].pk: 0}


def test_participants_export_with_a_meeting_block_and_quoted_older_header(world):
    event, session, people = world
    d = date(event)
    data = (
        '"Meeting ID","Topic","Start Time","End Time","User Email","Duration (Minutes)","Participants"\n'
        f'"812 3456 7890","Rakorwas","{d} 08:50:00 AM","{d} 11:05:00 AM","host@kemenag.go.id","135","40"\n'
        "\n"
        '"Name (Original Name)","User Email","Join Time","Leave Time","Duration (Minutes)"\n'
        f'"Rahmat Hidayat","rahmat.h@kemenag.go.id","{d} 10:00:00 AM","{d} 10:45:00 AM","45"\n'
    ).encode("utf-8-sig")
    report = services.meeting_report_import(session=session, filename="participants_812.csv", data=data)
    row = report.rows.get()
    assert (row.line, row.status, row.registration_id, row.minutes) == (5, "matched", people["rahmat"].pk, 45)


def test_a_file_that_is_not_a_report_writes_nothing(world):
    event, session, people = world
    with pytest.raises(ValidationError) as exc:
        services.meeting_report_import(session=session, filename="x.csv", data=b"nama,nip\nBudi,123\n")
    assert "Baris judul laporan peserta tidak ditemukan" in exc.value.messages[0]
    assert MeetingReport.objects.count() == 0


def test_normalise_name_and_candidates():
    assert reports.normalise_name("Dr. H. Ahmad Fauzi, S.Ag., M.Pd.I.") == "ahmad fauzi"
    assert reports.normalise_name("Prof. Dr. Ir. Siti Nur'aini, M.Si., Ph.D.") == "siti nuraini"
    assert reports.name_candidates("Ahmad Fauzi - Kanwil Jabar")[0] == ("Ahmad Fauzi", "Kanwil Jabar")
    assert reports.unit_words("Kanwil Jabar") == {"jawa", "barat"}


# ---------------------------------------------------------------- organiser pages


def test_organiser_uploads_sees_rows_resolves_and_exports(client, world):
    event, session, people = world
    client.force_login(organiser())
    base = f"/e/{event.slug}/online/{session.pk}/"
    upload = client.post(base + "laporan/", {"file": SimpleUploadedFile("peserta.csv", zoom_csv(event), "text/csv")})
    report = MeetingReport.objects.get()
    assert upload.status_code == 302
    assert upload["Location"] == f"/e/{event.slug}/online/laporan/{report.pk}/"
    page = client.get(upload["Location"]).content.decode()
    assert "8 baris: 5 cocok, 0 dicocokkan panitia, 2 belum cocok, 1 tidak dihitung, 0 diabaikan." in page
    assert 'Baris 7: waktu keluar &quot;abc&quot; tidak dapat dibaca (kolom &quot;Leave Time&quot;)' in page
    row = report.rows.get(line=6)
    resolve_url = f"/e/{event.slug}/online/laporan/{report.pk}/baris/{row.pk}/cocokkan/"
    search = client.get(resolve_url, {"q": "Budi Santoso"}).content.decode()
    assert "Kantor Kementerian Agama Kabupaten Bandung" in search and "Kantor Kementerian Agama Kabupaten Garut" in search
    nip = people["budi_bandung"].participant.id_number
    assert "Kabupaten Bandung" in client.get(resolve_url, {"q": nip}).content.decode()
    done = client.post(resolve_url, {"registration": people["budi_bandung"].pk})
    assert done.status_code == 302
    assert selectors.online_minutes(people["budi_bandung"], session) == 30
    ignore = client.post(f"/e/{event.slug}/online/laporan/{report.pk}/baris/{report.rows.get(line=8).pk}/abaikan/")
    assert ignore.status_code == 302
    listing = client.get(base).content.decode()
    assert "4 peserta bergabung daring." in listing
    assert "Dr. H. Ahmad Fauzi, M.Ag." in listing and ">115<" in listing
    xlsx = client.get(base + "kehadiran.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    table = [row for row in ws.iter_rows(min_row=5, values_only=True)]
    assert [(r[1], r[8]) for r in table] == [
        ("Budi Santoso, S.E.", 60), ("Dr. H. Ahmad Fauzi, M.Ag.", 115), ("Drs. Budi Santoso", 30),
        ("Hj. Siti Aminah, S.Ag., M.Pd.I.", 60)]


def test_upload_of_a_bad_file_shows_the_reason(client, world):
    event, session, people = world
    client.force_login(organiser())
    response = client.post(f"/e/{event.slug}/online/{session.pk}/laporan/",
                           {"file": SimpleUploadedFile("data.csv", b"a,b\n1,2\n", "text/csv")})
    assert response.status_code == 200
    assert "Baris judul laporan peserta tidak ditemukan" in response.content.decode()
    assert MeetingReport.objects.count() == 0


def test_organiser_pages_refuse_coordinators_and_anonymous(client, world):
    event, session, people = world
    urls = [f"/e/{event.slug}/online/{session.pk}/", f"/e/{event.slug}/online/{session.pk}/kehadiran.xlsx",
            f"/e/{event.slug}/online/{session.pk}/laporan/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/akun/"), url
    client.force_login(coordinator(people["fauzi"].participant.unit))
    for url in urls:
        assert client.get(url).status_code == 403, url
