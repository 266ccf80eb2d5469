"""Meeting reports from every platform in use here, as organisers receive them (issue 13, item 5).

Each file is written as the platform (or Excel re-saving it) writes it; each test asserts what the
organiser sees: per line its status, its minutes and, for a refused line, the message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from attendance.online import reports, services
from attendance.models import OnlineAttendance
from agenda.models import Session
from tests.factories import EventFactory, RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 4)  # early December: "04/12" reads as 4 December or 12 April


@pytest.fixture
def world():
    event = EventFactory(start_date=DAY, end_date=DAY + dt.timedelta(days=1))
    start = dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=event.tz)
    session = Session.objects.create(event=event, title="Pleno I", day=DAY, start=start,
                                     end=start + dt.timedelta(hours=2), mode=Session.Mode.ONLINE,
                                     meeting_url="https://zoom.us/j/81234567890", status=Session.Status.ENDED)
    diy = UnitFactory(code="kanwil-diy", name="Kantor Wilayah Kementerian Agama Daerah Istimewa Yogyakarta",
                      province="DI Yogyakarta")
    kulon_progo = UnitFactory(code="kankemenag-kulon-progo", name="Kantor Kementerian Agama Kabupaten Kulon Progo",
                              parent=diy, kind="district")
    bantul = UnitFactory(code="kankemenag-bantul", name="Kantor Kementerian Agama Kabupaten Bantul", parent=diy,
                         kind="district")

    def reg(name, unit, email=""):
        return RegistrationFactory(event=event, modes=["online", "online"], participant__full_name=name,
                                   participant__unit=unit, participant__email=email)

    people = {
        "fauzi": reg("Dr. H. Ahmad Fauzi, M.Ag.", diy, "ahmad.fauzi@kemenag.go.id"),
        "siti": reg("Hj. Siti Aminah, S.Ag.", bantul),
        "heru_kp": reg("Heru Suryanto, S.Pd.I.", kulon_progo),
        "heru_bantul": reg("Drs. Heru Suryanto", bantul),
    }
    return event, session, people


def outcome(report):
    """What the report page shows per line: (line, status, minutes, problem)."""
    return [(r.line, r.status, r.minutes, r.problem) for r in report.rows.order_by("line")]


def minutes_by_person(session, people):
    got = dict(OnlineAttendance.objects.filter(session=session).values_list("registration_id", "report_minutes"))
    return {key: got.get(reg.pk, 0) for key, reg in people.items()}


ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,In Waiting Room"


def zoom_original() -> bytes:
    """Zoom's own export: month first, seconds, AM/PM, the meeting block above the table."""
    return (
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        "812 3456 7890,Pleno I,12/04/2026 07:55:10 AM,12/04/2026 10:05:41 AM,itjen@kemenag.go.id,131,5\n"
        "\n"
        f"{ZOOM_HEADER}\n"
        "Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,12/04/2026 07:58:00 AM,12/04/2026 09:30:00 AM,92,No,No\n"
        "Heru Suryanto (Kulon Progo),,12/04/2026 08:01:00 AM,12/04/2026 09:01:00 AM,60,Yes,No\n"
        "Heru Suryanto - Bantul,,12/04/2026 08:10:00 AM,12/04/2026 08:40:00 AM,30,Yes,No\n"
        "Siti Aminah,,12/04/2026 07:50:00 AM,12/04/2026 08:05:00 AM,15,Yes,Yes\n"
        "Siti Aminah,,12/04/2026 08:05:00 AM,12/04/2026 09:05:00 AM,60,Yes,No\n"
    ).encode()


def excel_indonesian() -> bytes:
    """The same report opened in Excel with Indonesian regional settings and saved as CSV: semicolons,
    day first, no seconds, 24-hour clock, the meeting block kept."""
    return (
        "Meeting ID;Topic;Start Time;End Time;User Email;Duration (Minutes);Participants\n"
        "812 3456 7890;Pleno I;04/12/2026 7:55;04/12/2026 10:05;itjen@kemenag.go.id;131;5\n"
        ";;;;;;\n"
        f"{ZOOM_HEADER.replace(',', ';')}\n"
        "Ahmad Fauzi;ahmad.fauzi@kemenag.go.id;04/12/2026 7:58;04/12/2026 9:30;92;No;No\n"
        "Heru Suryanto (Kulon Progo);;04/12/2026 8:01;04/12/2026 9:01;60;Yes;No\n"
        "Heru Suryanto - Bantul;;04/12/2026 8:10;04/12/2026 8:40;30;Yes;No\n"
        "Siti Aminah;;04/12/2026 7:50;04/12/2026 8:05;15;Yes;Yes\n"
        "Siti Aminah;;04/12/2026 8:05;04/12/2026 9:05;60;Yes;No\n"
    ).encode("cp1252")


def excel_english() -> bytes:
    """Excel with English (United States) settings: commas, month first, no leading zeros or seconds."""
    return (
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        "812 3456 7890,Pleno I,12/4/2026 7:55,12/4/2026 10:05,itjen@kemenag.go.id,131,5\n"
        ",,,,,,\n"
        f"{ZOOM_HEADER}\n"
        "Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,12/4/2026 7:58,12/4/2026 9:30,92,No,No\n"
        "Heru Suryanto (Kulon Progo),,12/4/2026 8:01,12/4/2026 9:01,60,Yes,No\n"
        "Heru Suryanto - Bantul,,12/4/2026 8:10,12/4/2026 8:40,30,Yes,No\n"
        "Siti Aminah,,12/4/2026 7:50,12/4/2026 8:05,15,Yes,Yes\n"
        "Siti Aminah,,12/4/2026 8:05,12/4/2026 9:05,60,Yes,No\n"
    ).encode()


WAITING = "Baris 8: di ruang tunggu (In Waiting Room = Yes), tidak dihitung sebagai kehadiran"


@pytest.mark.parametrize("make, order_note", [
    (zoom_original, "Tanggal dibaca bulan/hari/tahun: hanya cara itu yang jatuh pada tanggal sesi (4 Desember 2026)."),
    (excel_indonesian,
     "Tanggal dibaca hari/bulan/tahun: hanya cara itu yang jatuh pada tanggal sesi (4 Desember 2026)."),
    (excel_english, "Tanggal dibaca bulan/hari/tahun: hanya cara itu yang jatuh pada tanggal sesi (4 Desember 2026)."),
])
def test_zoom_report_and_its_excel_resaves_give_the_same_minutes(world, make, order_note):
    event, session, people = world
    report = services.meeting_report_import(session=session, filename="peserta.csv", data=make())
    assert outcome(report) == [
        (5, "matched", 90, ""),  # joined 7:58, the session starts at 8:00
        (6, "matched", 60, ""),  # the unit in parentheses tells the two Herus apart
        (7, "matched", 30, ""),
        (8, "invalid", 0, WAITING),
        (9, "matched", 60, ""),
    ]
    assert minutes_by_person(session, people) == {"fauzi": 90, "siti": 60, "heru_kp": 60, "heru_bantul": 30}
    assert order_note in report.notes
    assert report.notes[0] == "Dibaca sebagai: Laporan peserta Zoom."


def test_indonesian_resave_with_a_day_over_12_is_read_day_first_from_the_file(world):
    event, session, people = world
    session.start = dt.datetime(2022, 11, 22, 8, 0, tzinfo=event.tz)
    session.end = session.start + dt.timedelta(hours=2)
    data = ("Name (Original Name);User Email;Join Time;Leave Time;Duration (Minutes);Guest\n"
            "Ahmad Fauzi;ahmad.fauzi@kemenag.go.id;22/11/2022 7:58;22/11/2022 9:00;62;No\n").encode()
    parsed = reports.read_report(data, event.tz, start=session.start, end=session.end)
    assert parsed.notes == [
        "Dibaca sebagai: Laporan peserta Zoom.",
        "Kolom dipisahkan dengan titik koma (;), seperti berkas yang disimpan ulang Excel berpengaturan Indonesia.",
        'Tanggal dibaca hari/bulan/tahun: baris 2 ("22/11/2022 7:58") hanya dapat dibaca begitu.',
    ]
    line = parsed.lines[0]
    assert (line.joined_at, line.left_at, line.problem) == (
        dt.datetime(2022, 11, 22, 7, 58, tzinfo=event.tz), dt.datetime(2022, 11, 22, 9, 0, tzinfo=event.tz), "")


def test_an_ambiguous_date_outside_the_session_is_refused_with_its_line(world):
    event, session, people = world
    data = excel_indonesian().replace(b"Siti Aminah;;04/12/2026 8:05;04/12/2026 9:05",
                                      b"Siti Aminah;;03/12/2026 8:05;03/12/2026 9:05")
    report = services.meeting_report_import(session=session, filename="peserta.csv", data=data)
    assert outcome(report)[-1] == (
        9, "invalid", 0,
        'Baris 9: tanggal "03/12/2026 8:05" (kolom "Join Time") dapat dibaca 3 Desember 2026 atau 12 Maret 2026, '
        "dan yang dipakai untuk berkas ini (3 Desember 2026) di luar tanggal sesi (4 Desember 2026). Periksa apakah "
        "laporan ini untuk sesi ini.")
    assert minutes_by_person(session, people)["siti"] == 0


def test_a_report_of_another_day_is_refused_line_by_line_not_read_as_april(world):
    event, session, people = world
    data = ("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
            "Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,05/11/2026 08:01,05/11/2026 09:00,59\n").encode()
    report = services.meeting_report_import(session=session, filename="peserta.csv", data=data)
    assert outcome(report) == [(
        2, "invalid", 0,
        'Baris 2: tanggal "05/11/2026 08:01" (kolom "Join Time") dapat dibaca 11 Mei 2026 atau 5 November 2026, dan '
        "yang dipakai untuk berkas ini (11 Mei 2026) di luar tanggal sesi (4 Desember 2026). Periksa apakah laporan "
        "ini untuk sesi ini.")]


def test_mixed_day_orders_in_one_file_are_refused_whole(world):
    event, session, people = world
    data = ("Name (Original Name),User Email,Join Time,Leave Time\n"
            "A,,22/11/2022 08:01,22/11/2022 09:00\n"
            "B,,11/23/2022 08:01,11/23/2022 09:00\n").encode()
    with pytest.raises(ValidationError) as exc:
        services.meeting_report_import(session=session, filename="x.csv", data=data)
    assert exc.value.message_dict == {"file": [
        'Tanggal di berkas ini bercampur: baris 2 ("22/11/2022 08:01") hanya dapat dibaca hari/bulan, baris 3 '
        '("11/23/2022 08:01") hanya dapat dibaca bulan/hari. Ekspor ulang laporannya dari platform rapat tanpa '
        "diubah."]}


def test_zoom_unique_users_export(world):
    event, session, people = world
    data = (
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\n"
        "812 3456 7890,Pleno I,12/04/2026 07:55:10 AM,12/04/2026 10:05:41 AM,itjen@kemenag.go.id,131,3\n"
        "\n"
        "Name (Original Name),User Email,Total Duration (Minutes),Guest\n"
        "Ahmad Fauzi,ahmad.fauzi@kemenag.go.id,150,No\n"
        "Siti Aminah,,45,Yes\n"
        "Heru Suryanto_Kankemenag Bantul,,abc,Yes\n"
    ).encode()
    report = services.meeting_report_import(session=session, filename="unik.csv", data=data)
    assert outcome(report) == [
        (5, "matched", 120, ""),  # 150 minutes, but the session is two hours long
        (6, "matched", 45, ""),
        (7, "invalid", 0, 'Baris 7: durasi "abc" tidak dapat dibaca (kolom "Total Duration (Minutes)")'),
    ]
    assert ("Laporan ini (pengguna unik) hanya memuat total durasi per orang, tanpa jam bergabung dan keluar: menit "
            "dihitung dari durasi itu, mulai awal sesi.") in report.notes


def test_google_meet_attendance_csv(world):
    event, session, people = world
    data = (
        "First name,Last name,Email,Duration,Time joined,Time exited\n"
        "Ahmad,Fauzi,ahmad.fauzi@kemenag.go.id,1 hr 30 min,8:00 AM,9:30 AM\n"
        "Heru,Suryanto (Bantul),,45 min,8:15 AM,9:00 AM\n"
    ).encode()
    report = services.meeting_report_import(session=session, filename="meet.csv", data=data)
    assert outcome(report) == [(2, "matched", 90, ""), (3, "matched", 45, "")]
    assert minutes_by_person(session, people) == {"fauzi": 90, "siti": 0, "heru_kp": 0, "heru_bantul": 45}
    assert report.notes[0] == "Dibaca sebagai: Laporan kehadiran Google Meet."


def teams_report() -> bytes:
    """Microsoft Teams' attendance report: UTF-16 with a BOM, tab-separated, summary section first."""
    text = "\r\n".join([
        "1. Summary",
        "Meeting title\tPleno I",
        "Attended participants\t3",
        "Start time\t12/4/26, 7:58:02 AM",
        "End time\t12/4/26, 10:01:40 AM",
        "Meeting duration\t2h 3m 38s",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        "Ahmad Fauzi\t12/4/26, 7:58:02 AM\t12/4/26, 10:01:40 AM\t1h 33m\tahmad.fauzi@kemenag.go.id\t"
        "ahmad.fauzi@kemenag.go.id\tOrganizer",
        "Siti Aminah (Tamu)\t12/4/26, 8:30:00 AM\t12/4/26, 9:00:00 AM\t30m\t\t\tAttendee",
        "",
        "3. In-Meeting Activities",
        "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
        "Ahmad Fauzi\t12/4/26, 7:58:02 AM\t12/4/26, 9:00:00 AM\t1h 1m 58s\tahmad.fauzi@kemenag.go.id\tOrganizer",
        "Ahmad Fauzi\t12/4/26, 9:30:00 AM\t12/4/26, 10:01:40 AM\t31m 40s\tahmad.fauzi@kemenag.go.id\tOrganizer",
        "Siti Aminah (Tamu)\t12/4/26, 8:30:00 AM\t12/4/26, 9:00:00 AM\t30m\t\tAttendee",
    ]) + "\r\n"
    return text.encode("utf-16")


def test_teams_attendance_report_utf16_with_its_summary_first(world):
    event, session, people = world
    report = services.meeting_report_import(session=session, filename="Attendance report.csv", data=teams_report())
    assert outcome(report) == [(15, "matched", 60, ""), (16, "matched", 30, ""), (17, "matched", 30, "")]
    # Each join and leave counts, not first join to last leave (which would give 120).
    assert minutes_by_person(session, people) == {"fauzi": 90, "siti": 30, "heru_kp": 0, "heru_bantul": 0}
    assert report.notes == [
        "Dibaca sebagai: Laporan kehadiran Microsoft Teams.",
        "Laporan memuat ringkasan per orang dan setiap kali bergabung/keluar; yang dipakai adalah setiap kali "
        "bergabung/keluar.",
        "Kolom dipisahkan dengan tab.",
        "Tanggal dibaca bulan/hari/tahun: hanya cara itu yang jatuh pada tanggal sesi (4 Desember 2026).",
    ]


def test_teams_report_without_the_activities_section_uses_first_join_to_last_leave(world):
    event, session, people = world
    data = teams_report().decode("utf-16").split("\r\n\r\n3.")[0].encode("utf-16")
    report = services.meeting_report_import(session=session, filename="Attendance report.csv", data=data)
    assert outcome(report) == [(10, "matched", 120, ""), (11, "matched", 30, "")]


def test_unit_after_a_name_tells_people_apart():
    assert reports.name_candidates("Heru Suryanto (Kulon Progo)")[:2] == [
        ("Heru Suryanto", "Kulon Progo"), ("Heru Suryanto", "")]
    assert reports.name_candidates("Heru Suryanto / Kankemenag Bantul")[0] == ("Heru Suryanto", "Kankemenag Bantul")


def test_the_same_name_without_a_unit_stays_unmatched(world):
    event, session, people = world
    data = ("Name (Original Name),User Email,Join Time,Leave Time\n"
            "Heru Suryanto,,12/04/2026 08:00:00 AM,12/04/2026 09:00:00 AM\n").encode()
    report = services.meeting_report_import(session=session, filename="x.csv", data=data)
    assert outcome(report) == [(2, "unmatched", 60, "Nama ini cocok dengan 2 pendaftar; pilih orangnya secara manual.")]
