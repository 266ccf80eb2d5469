"""Daftar hadir (attendance list) of one day, as PDF and XLSX, and the portal's own check-ins."""

import datetime as dt
import io
import uuid

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook
from pypdf import PdfReader

from attendance import daftar_hadir, selectors
from attendance.checkin import checkin_perform
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, coordinator, organiser, scanner

pytestmark = pytest.mark.django_db


def at(event, day_index, hour, minute=0):
    return dt.datetime.combine(event.days[day_index], dt.time(hour, minute), tzinfo=event.tz)


def enter(reg, day_index=0, hour=8, minute=0, **kw):
    return checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(),
                           scanned_at=at(reg.event, day_index, hour, minute), **kw)


@pytest.fixture
def world():
    """A province with a district office under it, a second province, people present and absent."""
    event = EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))
    aceh = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", province="Aceh", sort_order=1, code="kanwil-aceh")
    banda = UnitFactory(name="Kankemenag Kota Banda Aceh", parent=aceh, kind="district", sort_order=2, code="kota-banda-aceh")
    bali = UnitFactory(name="Kanwil Kemenag Provinsi Bali", province="Bali", sort_order=3, code="kanwil-bali")
    people = {
        "aceh_present": RegistrationFactory(event=event, participant__unit=aceh, participant__full_name="Dr. Zainal Abidin, M.Ag."),
        "aceh_absent": RegistrationFactory(event=event, participant__unit=aceh, participant__full_name="H. Absen Pagi, S.Ag."),
        "banda_present": RegistrationFactory(event=event, participant__unit=banda, participant__full_name="Cut Nyak Hadir, S.E."),
        "bali_present": RegistrationFactory(event=event, participant__unit=bali, participant__full_name="I Gusti Ayu Datang, S.H."),
        "bali_day2_only": RegistrationFactory(event=event, participant__unit=bali, participant__full_name="Made Hari Kedua"),
        "bali_online": RegistrationFactory(event=event, participant__unit=bali, participant__full_name="Ketut Daring",
                                           modes=["online", "online", "online"]),
    }
    enter(people["aceh_present"], hour=7, minute=42)
    enter(people["aceh_present"], hour=9)  # already_checked_in: not a second row
    enter(people["banda_present"], hour=8, minute=5)
    enter(people["bali_present"], hour=8, minute=1)
    enter(people["bali_day2_only"], day_index=1, hour=8)
    enter(people["bali_online"])  # not_in_person: refused
    return event, people, {"aceh": aceh, "banda": banda, "bali": bali}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def xlsx_rows(content: bytes) -> list:
    return [list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)]


def test_list_groups_present_people_by_unit_in_tree_order(world):
    event, p, units = world
    data = daftar_hadir.attendance_list(event=event, day=event.days[0])
    rows = [(g.unit.name, [(r.number, r.name, r.nip, r.time) for r in g.rows]) for g in data.groups]
    nip = lambda key: p[key].participant.id_number  # noqa: E731
    assert rows == [
        ("Kanwil Kemenag Provinsi Aceh", [(1, "Dr. Zainal Abidin, M.Ag.", nip("aceh_present"), "07:42")]),
        ("Kankemenag Kota Banda Aceh", [(2, "Cut Nyak Hadir, S.E.", nip("banda_present"), "08:05")]),
        ("Kanwil Kemenag Provinsi Bali", [(3, "I Gusti Ayu Datang, S.H.", nip("bali_present"), "08:01")]),
    ]
    assert [(s.unit.name, s.expected, s.present) for s in data.summary] == [
        ("Kanwil Kemenag Provinsi Aceh", 2, 1),
        ("Kankemenag Kota Banda Aceh", 1, 1),
        ("Kanwil Kemenag Provinsi Bali", 2, 1),
    ]
    assert (data.expected_total, data.present_total) == (5, 3)


@pytest.mark.parametrize("n", [1, 3])
def test_list_query_count_does_not_grow(django_assert_num_queries, n):
    event = EventFactory()
    for i in range(n):
        enter(RegistrationFactory(event=event), minute=i)
    with django_assert_num_queries(3):
        data = daftar_hadir.attendance_list(event=event, day=event.days[0])
    assert data.row_count == n


def test_pdf_holds_exactly_the_present_people_of_that_day(client, world):
    event, p, _ = world
    client.force_login(organiser())
    response = client.get(f"/e/{event.slug}/daftar-hadir/2022-11-21.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="daftar-hadir-{event.slug}-2022-11-21.pdf"'
    text = pdf_text(response.content)
    for key in ("aceh_present", "banda_present", "bali_present"):
        assert p[key].participant.full_name in text
        assert p[key].participant.id_number in text
    for key in ("aceh_absent", "bali_day2_only", "bali_online"):
        assert p[key].participant.full_name not in text
        assert p[key].participant.id_number not in text
    assert "Senin, 21 November 2022" in text
    assert event.name in text and "Hotel Novotel Mangga Dua" in text
    assert "Tanda tangan" in text
    assert "Halaman 1 dari 1" in text


def test_pdf_repeats_headers_and_numbers_pages_on_a_long_list(client):
    event = EventFactory()
    unit = UnitFactory()
    for i in range(60):
        enter(RegistrationFactory(event=event, participant__unit=unit), minute=i % 60)
    data = daftar_hadir.attendance_list(event=event, day=event.days[0])
    reader = PdfReader(io.BytesIO(daftar_hadir.render_pdf(data)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    for i, text in enumerate(pages, start=1):
        assert f"Halaman {i} dari {len(pages)}" in text
        assert "Tanda tangan" in text  # the table header repeats on every page
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_xlsx_rows_equal_the_record(client, world):
    event, p, _ = world
    client.force_login(organiser())
    response = client.get(f"/e/{event.slug}/daftar-hadir/2022-11-21.xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="daftar-hadir-{event.slug}-2022-11-21.xlsx"'
    rows = xlsx_rows(response.content)
    header = rows.index(["No.", "Nama", "NIP", "Jabatan", "Unit kerja", "Jam hadir", "Gerbang", "Tanda tangan"])
    body = rows[header + 1: rows.index([None] * 8, header)]
    person = lambda key, n, time: [n, p[key].participant.full_name, p[key].participant.id_number,  # noqa: E731
                                   "Kepala Bagian Tata Usaha", p[key].participant.unit.name, time, None, None]
    group = lambda name: [name] + [None] * 7  # noqa: E731
    assert body == [
        group("Kanwil Kemenag Provinsi Aceh"), person("aceh_present", 1, "07:42"),
        group("Kankemenag Kota Banda Aceh"), person("banda_present", 2, "08:05"),
        group("Kanwil Kemenag Provinsi Bali"), person("bali_present", 3, "08:01"),
    ]
    summary = rows[rows.index(["Rekapitulasi per unit"] + [None] * 7) + 2:]
    assert [r[1:4] for r in summary] == [
        ["Kanwil Kemenag Provinsi Aceh", 2, 1], ["Kankemenag Kota Banda Aceh", 1, 1],
        ["Kanwil Kemenag Provinsi Bali", 2, 1], ["Jumlah", 5, 3],
    ]
    assert rows[0][0] == "Daftar Hadir"


def test_coordinator_gets_only_their_subtree_and_the_title_says_so(client, world):
    event, p, units = world
    client.force_login(coordinator(units["aceh"]))
    xlsx = xlsx_rows(client.get(f"/e/{event.slug}/daftar-hadir/2022-11-21.xlsx").content)
    names = {r[1] for r in xlsx if isinstance(r[0], int)}
    assert names == {"Dr. Zainal Abidin, M.Ag.", "Cut Nyak Hadir, S.E."}
    assert xlsx[0][0] == "Daftar Hadir — Kanwil Kemenag Provinsi Aceh"
    response = client.get(f"/e/{event.slug}/daftar-hadir/2022-11-21.pdf")
    assert response["Content-Disposition"] == f'attachment; filename="daftar-hadir-{event.slug}-kanwil-aceh-2022-11-21.pdf"'
    text = pdf_text(response.content)
    assert "Daftar Hadir — Kanwil Kemenag Provinsi Aceh".upper() in text.upper()
    assert p["bali_present"].participant.full_name not in text
    assert p["bali_present"].participant.id_number not in text
    assert "Kanwil Kemenag Provinsi Bali" not in text
    assert "Cut Nyak Hadir, S.E." in text


@pytest.mark.parametrize("who", ["anonymous", "scanner"])
def test_others_cannot_download(client, world, who):
    event, *_ = world
    if who == "scanner":
        client.force_login(scanner())
    response = client.get(f"/e/{event.slug}/daftar-hadir/2022-11-21.pdf")
    assert response.status_code == (302 if who == "anonymous" else 403)


@pytest.mark.parametrize("day", ["2022-11-24", "2022-13-01", "kemarin"])
def test_day_outside_the_event_is_404(client, world, day):
    event, *_ = world
    client.force_login(organiser())
    assert client.get(f"/e/{event.slug}/daftar-hadir/{day}.xlsx").status_code == 404


def test_empty_day_still_renders_with_summary(client, world):
    event, *_ = world
    client.force_login(organiser())
    text = pdf_text(client.get(f"/e/{event.slug}/daftar-hadir/2022-11-23.pdf").content)
    assert "Belum ada peserta yang tercatat hadir pada hari ini." in text


# ---------------------------------------------------------------- portal fragment


def test_my_checkins_lists_accepted_entries_in_event_time(world):
    event, p, _ = world
    reg = p["aceh_present"]
    items = selectors.checkins_for_registration(reg)
    assert [(c.kind, c.result, c.local_time.strftime("%Y-%m-%d %H:%M")) for c in items] == [
        ("entry", "ok", "2022-11-21 07:42")]
    html = render_to_string("includes/my_checkins.html", {"my_checkins": items})
    assert "Senin, 21 November 2022" in html and "<td>07:42</td>" in html and "Masuk" in html


def test_my_checkins_empty(world):
    event, p, _ = world
    html = render_to_string("includes/my_checkins.html",
                            {"my_checkins": selectors.checkins_for_registration(p["aceh_absent"])})
    assert "Belum ada kehadiran yang tercatat." in html
