"""Participant lists as provincial offices send them (issue 13, items 1-4): title rows, merged and
two-row headers, their column names, units as people write them, NIPs that Excel broke."""

import datetime as dt
import html
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from attendance import import_headers
from attendance.importing import ImportFileError, import_participants
from attendance.models import Participant, Registration
from rakor.unit_names import unit_key
from tests.factories import EventFactory, UnitFactory, valid_nip

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23), requires_approval=False)


@pytest.fixture
def units():
    jabar = UnitFactory(code="kanwil-jawa-barat", name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat",
                        short_name="Kanwil Kemenag Jawa Barat", province="Jawa Barat", kind="provincial")
    bandung = UnitFactory(code="kankemenag-kabupaten-bandung", name="Kantor Kementerian Agama Kabupaten Bandung",
                          short_name="Kankemenag Kab. Bandung", parent=jabar, kind="district")
    kota = UnitFactory(code="kankemenag-kota-bandung", name="Kantor Kementerian Agama Kota Bandung",
                       short_name="Kankemenag Kota Bandung", parent=jabar, kind="district")
    return {"jabar": jabar, "bandung": bandung, "kota": kota}


def save(workbook, name="daftar-peserta.xlsx") -> io.BytesIO:
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def official_list(rows) -> io.BytesIO:
    """The shape of a provincial office's list: two title rows over merged cells, a blank row, a
    two-row header ("Kontak" merged over "Alamat Email | No. HP/WA"; the other header cells merged
    down over both rows), numbered rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "DAFTAR PESERTA RAPAT KOORDINASI PENGAWASAN TAHUN 2022"
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "KANTOR WILAYAH KEMENTERIAN AGAMA PROVINSI JAWA BARAT"
    sheet.merge_cells("A2:H2")
    for letter, text in zip("ABCDEF", ["No", "Nama (beserta gelar)", "N I P", "Pangkat/Gol.", "Jabatan", "Satuan Kerja"]):
        sheet[f"{letter}4"] = text
        sheet.merge_cells(f"{letter}4:{letter}5")
    sheet["G4"] = "Kontak"
    sheet.merge_cells("G4:H4")
    sheet["G5"], sheet["H5"] = "Alamat Email", "No. HP/WA"
    for number, values in enumerate(rows, start=1):
        sheet.append([number, *values])
    return save(workbook)


def test_official_list_with_title_rows_and_a_two_row_merged_header(event, units):
    nip1, nip2, nip3 = valid_nip(), valid_nip("P"), valid_nip()
    spaced = f"{nip2[:8]} {nip2[8:14]} {nip2[14]} {nip2[15:]}"  # as printed on an ID card
    dotted = f"{nip3[:8]}.{nip3[8:14]}.{nip3[14]}.{nip3[15:]}"
    file = official_list([
        ["Dr. H. Ahmad Fauzi, M.Ag.", nip1, "Pembina (IV/a)", "Kepala Seksi", "Kankemenag Kab. Bandung",
         "ahmad.fauzi@kemenag.go.id", "0812-3456-7890"],  # row 6
        ["Hj. Siti Aminah, S.Ag.", spaced, "Penata (III/c)", "Analis", "Kanwil Kemenag Prov. Jawa Barat",
         "siti@kemenag.go.id", "081298765432"],  # row 7
        ["Budi Santoso", dotted, "Penata Muda (III/a)", "Pengadministrasi", "Kankemenag Kab. Bandng",
         "", "081311112222"],  # row 8: a typo in the unit
    ])
    report = import_participants(event=event, source=file, dry_run=False)

    assert (report.header_top_row, report.header_row) == (4, 5)
    assert (report.rows, report.created, report.updated, report.skipped) == (3, 2, 0, 1)
    assert report.lines() == [
        'Baris 8, kolom Satuan Kerja (F): Unit "Kankemenag Kab. Bandng" tidak ditemukan. Maksud Anda: Kantor '
        "Kementerian Agama Kabupaten Bandung (kankemenag-kabupaten-bandung); Kantor Kementerian Agama Kota Bandung "
        '(kankemenag-kota-bandung)? Isi kode unit atau nama unit seperti di lembar "unit" pada templat.']
    assert report.notes == ["Kolom yang tidak dikenal dan diabaikan: No."]
    assert report.column_warnings == []
    people = {p.full_name: (p.id_number, p.rank, p.unit.code, p.email, p.whatsapp) for p in Participant.objects.all()}
    assert people == {
        "Dr. H. Ahmad Fauzi, M.Ag.": (nip1, "Pembina (IV/a)", "kankemenag-kabupaten-bandung",
                                      "ahmad.fauzi@kemenag.go.id", "+6281234567890"),
        "Hj. Siti Aminah, S.Ag.": (nip2, "Penata (III/c)", "kanwil-jawa-barat", "siti@kemenag.go.id",
                                   "+6281298765432"),
    }


def test_the_spellings_offices_use_are_all_taken(event, units):
    """The header names of issue 13, each in a file of its own: none refused, none dropped."""
    nip = valid_nip()
    spellings = {
        "full_name": ["Nama", "Nama Peserta", "Nama (beserta gelar)"],
        "id_number": ["N I P", "NIP/NIK", "NIP Baru", "NIP/NI PPPK"],
        "unit": ["Satuan Kerja", "Satker", "Instansi", "Asal Instansi", "Unit Kerja"],
        "rank": ["Pangkat/Gol.", "Gol/Ruang", "Pangkat/Golongan"],
        "email": ["Alamat Email", "E-mail", "Email"],
        "whatsapp": ["No. HP/WA", "No HP", "Nomor HP", "HP/WA", "Telepon", "WhatsApp"],
        "position": ["Jabatan"],
    }
    standard = {"full_name": "Nama", "id_number": "NIP", "unit": "Unit", "rank": "Pangkat", "email": "Email",
                "whatsapp": "WhatsApp", "position": "Jabatan"}
    values = {"full_name": "Ahmad Fauzi", "id_number": nip, "unit": "kankemenag-kabupaten-bandung",
              "rank": "Pembina (IV/a)", "email": "ahmad@kemenag.go.id", "whatsapp": "081234567890",
              "position": "Kepala Seksi"}
    for field, names in spellings.items():
        for name in names:
            header = [name if f == field else standard[f] for f in standard]
            workbook = Workbook()
            workbook.active.append(header)
            workbook.active.append([values[f] for f in standard])
            report = import_participants(event=event, source=save(workbook), dry_run=False)
            stored = Participant.objects.values("full_name", "id_number", "unit__code", "rank", "email", "whatsapp",
                                                "position").get()
            assert (name, report.lines(), report.notes, report.column_warnings) == (name, [], [], [])
            assert stored == {"full_name": "Ahmad Fauzi", "id_number": nip, "unit__code": "kankemenag-kabupaten-bandung",
                              "rank": "Pembina (IV/a)", "email": "ahmad@kemenag.go.id", "whatsapp": "+6281234567890",
                              "position": "Kepala Seksi"}, name
            Registration.objects.all().delete()
            Participant.objects.all().delete()


def test_every_alias_in_the_table_names_its_field():
    for field, aliases in import_headers.HEADER_ALIASES.items():
        for alias in aliases:
            for written in (alias, alias.upper(), f"  {alias.title()}  ", alias.replace(" ", "_")):
                assert import_headers.field_for(written) == field, written
    # Case, spacing and punctuation do not matter; different words do.
    assert import_headers.field_for("NO.HP / WA") == "whatsapp"
    assert import_headers.field_for("n.i.p") == "id_number"
    assert import_headers.field_for("Kantor") is None


def test_header_found_below_title_rows_in_a_csv(event, units):
    nip = valid_nip()
    text = ("DAFTAR PESERTA RAKOR;;;\n"
            "Kanwil Kemenag Prov. Jawa Barat;;;\n"
            ";;;\n"
            "Nama Peserta;NIP;Satker;No HP\n"
            f"Ahmad Fauzi;{nip};Kanwil Kemenag Prov. Jawa Barat;0812 3456 7890\n")
    buffer = io.BytesIO(text.encode("utf-8-sig"))
    buffer.name = "peserta.csv"
    report = import_participants(event=event, source=buffer, dry_run=False)
    assert (report.header_row, report.rows, report.created, report.lines()) == (4, 1, 1, [])
    assert report.header_choices == [(1, "DAFTAR PESERTA RAKOR"), (2, "Kanwil Kemenag Prov. Jawa Barat"),
                                     (4, "Nama Peserta | NIP | Satker | No HP"),
                                     (5, f"Ahmad Fauzi | {nip} | Kanwil Kemenag Prov. Jawa Barat | 0812 3456 7890")]


def test_organiser_picks_the_header_row(event, units):
    nip = valid_nip()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nama", "nip", "unit"])  # an old header left above the real one
    sheet.append(["Nama Peserta", "NIP Baru", "Satuan Kerja"])
    sheet.append(["Ahmad Fauzi", nip, "kanwil-jawa-barat"])
    report = import_participants(event=event, source=save(workbook), dry_run=True, header_row=2)
    assert (report.header_row, report.rows, report.created, report.lines()) == (2, 1, 1, [])
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=save(workbook), dry_run=True, header_row=3)
    assert exc.value.message == (
        f"Kolom wajib tidak ditemukan: nama, nip, unit. Kolom yang ada di baris 3: Ahmad Fauzi, {nip}, "
        "kanwil-jawa-barat. Unduh templat untuk melihat nama kolom yang benar.")


def test_no_header_within_the_first_rows_names_the_closest_row(event, units):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DAFTAR PESERTA"])
    sheet.append(["Nama Peserta", "Kantor", "Keterangan"])
    sheet.append(["Ahmad", "Kanwil", "-"])
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=save(workbook), dry_run=True)
    assert exc.value.message == (
        "Kolom wajib tidak ditemukan: nip, unit. Kolom yang ada di baris 2: Nama Peserta, Kantor, Keterangan. "
        "Unduh templat untuk melihat nama kolom yang benar.")


def test_unknown_phone_like_column_is_a_warning_to_accept_never_a_silent_drop(event, units):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nama", "NIP", "Unit", "Telp Kantor", "Kontak Darurat", "Keterangan"])
    sheet.append(["Ahmad Fauzi", valid_nip(), "kanwil-jawa-barat", "022-7801234", "081234567890", "hadir"])
    report = import_participants(event=event, source=save(workbook), dry_run=True)
    assert report.notes == ["Kolom yang tidak dikenal dan diabaikan: Keterangan."]
    assert report.column_warnings == [
        'Kolom "Telp Kantor (D)" tampaknya berisi nomor telepon atau e-mail, tetapi namanya tidak dikenal, jadi isinya '
        'tidak akan diimpor. Ganti judulnya menjadi "whatsapp" atau "email" lalu uji coba lagi, atau nyatakan bahwa '
        "kolom ini boleh diabaikan.",
        'Kolom "Kontak Darurat (E)" tampaknya berisi nomor telepon atau e-mail, tetapi namanya tidak dikenal, jadi '
        'isinya tidak akan diimpor. Ganti judulnya menjadi "whatsapp" atau "email" lalu uji coba lagi, atau nyatakan '
        "bahwa kolom ini boleh diabaikan.",
    ]
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=save(workbook), dry_run=False)
    assert exc.value.message == " ".join(report.column_warnings)
    assert Participant.objects.count() == 0
    report = import_participants(event=event, source=save(workbook), dry_run=False, accept_column_warnings=True)
    assert (report.created, Participant.objects.count()) == (1, 1)


def test_a_second_phone_column_is_a_warning(event, units):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nama", "NIP", "Unit", "No HP", "WhatsApp"])
    sheet.append(["Ahmad Fauzi", valid_nip(), "kanwil-jawa-barat", "081234567890", "081298765432"])
    report = import_participants(event=event, source=save(workbook), dry_run=True)
    assert report.column_warnings == [
        'Kolom "WhatsApp (E)" sudah ada kolom whatsapp sebelumnya (No HP), jadi isi kolom ini tidak akan diimpor. '
        'Ganti judulnya menjadi "whatsapp" atau "email" lalu uji coba lagi, atau nyatakan bahwa kolom ini boleh '
        "diabaikan."]


def test_units_as_people_write_them(event, units):
    UnitFactory(code="kankemenag-garut", name="Kantor Kementerian Agama Kabupaten Garut", parent=units["jabar"],
                aliases="Kandepag Garut\nKemenag Garut")
    written = {
        "Kankemenag Kab. Bandung": "kankemenag-kabupaten-bandung",
        "KANTOR KEMENAG KABUPATEN BANDUNG": "kankemenag-kabupaten-bandung",
        "Kantor Kementerian Agama Kab. Bandung": "kankemenag-kabupaten-bandung",
        "Kankemenag Kota Bandung": "kankemenag-kota-bandung",
        "Kanwil Kemenag Prov. Jawa Barat": "kanwil-jawa-barat",
        "Kantor Wilayah Kemenag Provinsi Jawa Barat": "kanwil-jawa-barat",
        "Kanwil Kemenag Jabar": "kanwil-jawa-barat",
        "kanwil-jawa-barat": "kanwil-jawa-barat",
        "Kandepag Garut": "kankemenag-garut",  # a stored alias (the old name)
        "kemenag garut": "kankemenag-garut",
    }
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nama", "nip", "unit"])
    for i, text in enumerate(written):
        sheet.append([f"Peserta {i}", valid_nip(), text])
    sheet.append(["Peserta X", valid_nip(), "Kankemenag Bandung"])  # kabupaten or kota?
    report = import_participants(event=event, source=save(workbook), dry_run=False)
    assert report.lines() == [
        f'Baris {len(written) + 2}, kolom unit (C): Unit "Kankemenag Bandung" tidak ditemukan. Maksud Anda: Kantor '
        "Kementerian Agama Kota Bandung (kankemenag-kota-bandung); Kantor Kementerian Agama Kabupaten Bandung "
        '(kankemenag-kabupaten-bandung)? Isi kode unit atau nama unit seperti di lembar "unit" pada templat.']
    stored = dict(Participant.objects.values_list("full_name", "unit__code"))
    assert stored == {f"Peserta {i}": code for i, code in enumerate(written.values())}


def test_a_unit_name_two_units_share_names_both(event, units):
    UnitFactory(code="bdk-bandung", name="Balai Diklat Keagamaan Bandung", aliases="Kanwil Jabar")
    UnitFactory(code="kanwil-lama", name="Kanwil Jabar (lama)", aliases="Kanwil Jabar")
    workbook = Workbook()
    workbook.active.append(["nama", "nip", "unit"])
    workbook.active.append(["Ahmad", valid_nip(), "KANWIL JABAR"])
    report = import_participants(event=event, source=save(workbook), dry_run=True)
    assert report.lines() == [
        'Baris 2, kolom unit (C): Unit "KANWIL JABAR" cocok dengan lebih dari satu unit: Balai Diklat Keagamaan '
        "Bandung (bdk-bandung); Kanwil Jabar (lama) (kanwil-lama). Isi kode unitnya."]


def test_unit_key_writes_out_abbreviations():
    assert unit_key("Kankemenag Kab. Bandung") == unit_key("Kantor Kementerian Agama Kabupaten Bandung")
    assert unit_key("Kanwil Kemenag Prov. Jawa Barat") == unit_key("Kantor Wilayah Kementerian Agama Provinsi Jawa Barat")
    assert unit_key("Kanwil Kemenag DIY") == unit_key("Kantor Wilayah Kementerian Agama Daerah Istimewa Yogyakarta")
    assert unit_key("Kanwil Kemenag DKI Jakarta") == "kantor wilayah kementerian agama dki jakarta"


def test_nip_in_scientific_notation_in_a_csv_and_in_xlsx(event, units):
    text = "nama,nip,unit\nAhmad Fauzi,1.98E+17,kanwil-jawa-barat\nSiti Aminah,\"1,97805E+17\",kanwil-jawa-barat\n"
    buffer = io.BytesIO(text.encode("utf-8"))
    buffer.name = "peserta.csv"
    report = import_participants(event=event, source=buffer, dry_run=True)
    advice = ("Excel mengubahnya menjadi angka dan digit terakhirnya hilang (Excel hanya menyimpan 15 digit angka). "
              "Di berkas asal, format kolom ini sebagai Teks (klik kanan kolom → Format Cells → Text), ketik ulang "
              "NIP-nya, lalu simpan dan unggah lagi.")
    assert report.lines() == [f'Baris 2, kolom nip: NIP tertulis "1.98E+17": {advice}',
                              f'Baris 3, kolom nip: NIP tertulis "1,97805E+17": {advice}']
    workbook = Workbook()
    workbook.active.append(["nama", "nip", "unit"])
    workbook.active.append(["Ahmad Fauzi", 197805122003121003.0, "kanwil-jawa-barat"])
    report = import_participants(event=event, source=save(workbook), dry_run=True)
    assert report.lines() == [f'Baris 2, kolom nip (B): NIP tertulis "1.98E+17": {advice}']


def test_command_prints_the_header_row_and_the_column_warnings(event, units, tmp_path, capsys):
    path = tmp_path / "peserta.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DAFTAR PESERTA"])
    sheet.append(["Nama", "NIP", "Satker", "Telp Kantor"])
    sheet.append(["Ahmad Fauzi", valid_nip(), "Kanwil Kemenag Prov. Jawa Barat", "022-7801234"])
    workbook.save(path)
    call_command("import_participants", event.slug, str(path), "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Judul kolom dibaca dari baris 2."
    assert out[1].startswith('Peringatan: Kolom "Telp Kantor (D)" tampaknya berisi nomor telepon')
    assert out[2:] == [
        "Untuk mengimpor tanpa isi kolom tersebut, jalankan lagi dengan --accept-column-warnings.",
        "Uji coba (tidak ada yang disimpan): 1 baris dibaca, 1 akan dibuat, 0 akan diperbarui, 0 dilewati."]
    with pytest.raises(CommandError):
        call_command("import_participants", event.slug, str(path))
    call_command("import_participants", event.slug, str(path), "--accept-column-warnings")
    assert capsys.readouterr().out.splitlines()[-1] == "Selesai: 1 baris dibaca, 1 dibuat, 0 diperbarui, 0 dilewati."


def test_admin_dry_run_shows_the_header_row_lets_pick_another_and_asks_to_accept_column_warnings(client, event, units):
    from django.urls import reverse
    from django.utils.html import strip_tags

    from tests.factories import organiser

    client.force_login(organiser())
    url = reverse("admin:attendance_registration_import")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["DAFTAR PESERTA RAKOR"])
    sheet.append(["Nama Peserta", "NIP", "Satker", "Telp Kantor"])
    sheet.append(["Ahmad Fauzi", valid_nip(), "Kanwil Kemenag Prov. Jawa Barat", "022-7801234"])
    response = client.post(url, {"event": event.pk, "file": save(workbook)})
    page = " ".join(html.unescape(strip_tags(response.content.decode())).split())
    assert "Judul kolom dibaca dari baris 2; data mulai baris berikutnya." in page
    assert 'Peringatan kolom: isinya tidak akan diimpor Kolom "Telp Kantor (D)" tampaknya berisi' in page
    assert "Baris 1: DAFTAR PESERTA RAKOR" in page and "Baris 2: Nama Peserta | NIP | Satker | Telp Kantor" in page
    token = response.context["token"]

    # Without the acceptance nothing is written, and the report is shown again with the reason.
    response = client.post(url, {"token": token, "apply": "1"})
    assert response.context["column_error"] == ("Baca peringatan kolom di bawah lalu centang persetujuannya, atau "
                                                "perbaiki berkasnya dan unggah lagi.")
    assert Registration.objects.count() == 0
    # Picking a row that is not a header says why and keeps the file for another pick.
    response = client.post(url, {"token": token, "recheck": "1", "header_row": "1"})
    assert response.context["file_error"] == (
        "Kolom wajib tidak ditemukan: nama, nip, unit. Kolom yang ada di baris 1: DAFTAR PESERTA RAKOR. Unduh templat "
        "untuk melihat nama kolom yang benar.")
    response = client.post(url, {"token": token, "recheck": "1", "header_row": "2"})
    assert response.context["report"].header_row == 2
    response = client.post(url, {"token": token, "apply": "1", "accept_columns": "1"})
    assert (response.context["applied"], response.context["report"].created) == (True, 1)
    assert Registration.objects.get().participant.unit.code == "kanwil-jawa-barat"
