import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from attendance.importing import ImportFileError, import_participants, import_send_links, import_template_xlsx
from attendance.models import Participant, Registration, RegistrationDay
from rakor.models import Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, organiser, valid_nip,
)

pytestmark = pytest.mark.django_db

HEADER = ["nama", "jenis_identitas", "nip", "jabatan", "pangkat_golongan", "unit", "email", "whatsapp", "peran",
          "hari_1", "hari_2", "hari_3"]


def xlsx(rows, header=HEADER) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "peserta.xlsx"
    return buffer


def csv_file(text: str, name="peserta.csv") -> io.BytesIO:
    buffer = io.BytesIO(text.encode("utf-8-sig"))
    buffer.name = name
    return buffer


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23), requires_approval=False)


@pytest.fixture
def unit():
    return UnitFactory(code="kanwil-jabar", name="Kanwil Kemenag Provinsi Jawa Barat", province="Jawa Barat")


def row(name, nip, unit_ref, email="", wa="", role="peserta", days=("luring", "daring", "daring"), kind="nip"):
    return [name, kind, nip, "Kepala Bagian Tata Usaha", "Pembina (IV/a)", unit_ref, email, wa, role, *days]


def test_good_rows_go_in_and_bad_rows_are_named_by_row_and_column(event, unit):
    nip1, nip2 = valid_nip(), valid_nip("P")
    file = xlsx([
        row("Dr. H. Ahmad Fauzi, M.Ag.", nip1, "kanwil-jabar", "ahmad@kemenag.go.id", "081234567890"),
        row("Siti Aminah", "19781345200312100", "kanwil-jabar"),  # row 3: 17 digits
        row("Budi Santoso", valid_nip(), "kanwil-antah"),  # row 4: unknown unit
        row("Rina Marlina", nip2, "KANWIL KEMENAG PROVINSI JAWA BARAT", "rina@kemenag.go.id", role="narasumber",
            days=("daring", "luring", "")),  # row 5: unit by name, any case
        row("Joko", valid_nip(), "kanwil-jabar", "bukan-email"),  # row 6
        row("Tono", valid_nip(), "kanwil-jabar", wa="12"),  # row 7
        row("Ani", valid_nip(), "kanwil-jabar", days=("hadir sekali", "daring", "daring")),  # row 8
        row("Dedi", valid_nip(), "kanwil-jabar", role="ketua"),  # row 9
        row("", valid_nip(), "kanwil-jabar"),  # row 10
    ])
    user = organiser()
    report = import_participants(event=event, source=file, dry_run=False, by=user)

    assert report.lines() == [
        "Baris 3, kolom nip (C): NIP harus 18 digit; yang diisi 17 digit.",
        'Baris 4, kolom unit (F): Unit "kanwil-antah" tidak ditemukan. Isi kode unit atau nama unit seperti di '
        'lembar "unit" pada templat.',
        'Baris 6, kolom email (G): Alamat e-mail "bukan-email" tidak valid.',
        'Baris 7, kolom whatsapp (H): Nomor WhatsApp "12" tidak valid.',
        'Baris 8, kolom hari_1 (J): Cara hadir "hadir sekali" tidak dikenal; isi luring atau daring.',
        'Baris 9, kolom peran (I): Peran "ketua" tidak dikenal; isi peserta, narasumber, moderator atau panitia.',
        "Baris 10, kolom nama (A): Nama lengkap wajib diisi.",
    ]
    assert (report.rows, report.created, report.updated, report.skipped) == (9, 2, 0, 7)
    regs = {r.participant.id_number: r for r in Registration.objects.filter(event=event).select_related("participant")}
    assert set(regs) == {nip1, nip2}
    ahmad = regs[nip1]
    assert (ahmad.participant.full_name, ahmad.participant.whatsapp, ahmad.participant.unit) == (
        "Dr. H. Ahmad Fauzi, M.Ag.", "+6281234567890", unit)
    assert (ahmad.channel, ahmad.registered_by, ahmad.status, ahmad.role) == (
        Registration.Channel.IMPORT, user, Registration.Status.APPROVED, Registration.Role.PARTICIPANT)
    assert [(d.date, d.mode) for d in ahmad.days.all()] == [
        (dt.date(2022, 11, 21), "in_person"), (dt.date(2022, 11, 22), "online"), (dt.date(2022, 11, 23), "online")]
    rina = regs[nip2]
    assert rina.role == Registration.Role.SPEAKER
    assert [d.mode for d in rina.days.all()] == ["online", "in_person", "online"]  # empty cell = daring
    assert len(ahmad.public_id) == 16 and len(ahmad.portal_secret) >= 32
    assert ahmad.public_id != rina.public_id and ahmad.portal_secret != rina.portal_secret


def test_dry_run_writes_nothing_and_counts_what_would_happen(event, unit):
    file = xlsx([row("Ahmad", valid_nip(), "kanwil-jabar"), row("Bad", "123", "kanwil-jabar")])
    report = import_participants(event=event, source=file, dry_run=True)
    assert (report.rows, report.created, report.updated, report.skipped) == (2, 1, 0, 1)
    assert report.lines() == ["Baris 3, kolom nip (C): NIP harus 18 digit; yang diisi 3 digit."]
    assert Participant.objects.count() == 0 and Registration.objects.count() == 0


def test_pending_when_event_requires_approval_and_missing_day_columns_mean_online(unit):
    event = EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 22), requires_approval=True)
    file = xlsx([["Ahmad", valid_nip(), "kanwil-jabar"]], header=["Nama", "NIP", "Unit"])
    report = import_participants(event=event, source=file, dry_run=False)
    assert report.lines() == []
    reg = Registration.objects.get()
    assert reg.status == Registration.Status.PENDING
    assert [d.mode for d in reg.days.all()] == ["online", "online"]


def test_mode_column_applies_to_every_day_unless_a_day_column_says_otherwise(event, unit):
    file = xlsx([["Ahmad", valid_nip(), "kanwil-jabar", "luring", "daring"]],
                header=["nama", "nip", "unit", "mode", "hari_3"])
    import_participants(event=event, source=file, dry_run=False)
    assert [d.mode for d in RegistrationDay.objects.order_by("date")] == ["in_person", "in_person", "online"]


def test_english_headers_any_case_and_spaces(event, unit):
    file = xlsx([["Ahmad", valid_nip(), "kanwil-jabar", "a@kemenag.go.id", "Speaker", "in_person"]],
                header=[" Full Name ", "ID Number", "UNIT", "E-mail", "Role", "Day 1"])
    report = import_participants(event=event, source=file, dry_run=False)
    assert report.lines() == []
    reg = Registration.objects.get()
    assert (reg.role, reg.participant.email) == ("speaker", "a@kemenag.go.id")
    assert [d.mode for d in reg.days.all()] == ["in_person", "online", "online"]


def test_duplicate_nip_in_the_same_file_names_both_rows(event, unit):
    nip = valid_nip()
    file = xlsx([row("Ahmad", nip, "kanwil-jabar"), row("Budi", valid_nip(), "kanwil-jabar"),
                 row("Ahmad lagi", nip, "kanwil-jabar")])
    report = import_participants(event=event, source=file, dry_run=False)
    assert report.lines() == [
        f"Baris 4, kolom nip (C): Nomor {nip} sudah ada di baris 2; satu orang hanya boleh satu baris. "
        "Baris ini dilewati."]
    assert Participant.objects.get(id_number=nip).full_name == "Ahmad"


def test_nip_typed_as_a_number_in_excel_is_explained(event, unit):
    file = xlsx([row("Ahmad", 1.97805122003121e17, "kanwil-jabar")])
    report = import_participants(event=event, source=file, dry_run=True)
    assert report.lines() == [
        'Baris 2, kolom nip (C): NIP tertulis "1.98E+17": Excel mengubahnya menjadi angka dan digit terakhirnya '
        "hilang (Excel hanya menyimpan 15 digit angka). Di berkas asal, format kolom ini sebagai Teks (klik kanan "
        "kolom → Format Cells → Text), ketik ulang NIP-nya, lalu simpan dan unggah lagi."]


def test_reimport_of_the_same_file_updates_instead_of_duplicating(event, unit):
    other_unit = UnitFactory(code="kanwil-jateng")
    nip = valid_nip()
    first = xlsx([row("Ahmad", nip, "kanwil-jabar", "ahmad@kemenag.go.id"),
                  row("Guest", "", "kanwil-jabar", "tamu@contoh.id", kind="lainnya")])
    report = import_participants(event=event, source=first, dry_run=False)
    assert (report.created, report.updated, report.skipped) == (2, 0, 0)
    reg = Registration.objects.get(participant__id_number=nip)
    secret = reg.portal_secret

    report = import_participants(event=event, source=xlsx([
        row("Dr. Ahmad, M.Ag.", nip, "kanwil-jateng", "", role="moderator", days=("daring", "daring", "luring")),
        row("Guest Name", "", "kanwil-jabar", "TAMU@contoh.id", kind="lainnya"),
    ]), dry_run=False)
    assert (report.created, report.updated, report.skipped) == (0, 2, 0)
    assert Participant.objects.count() == 2 and Registration.objects.count() == 2
    reg = Registration.objects.select_related("participant").get(pk=reg.pk)
    assert (reg.participant.full_name, reg.participant.unit, reg.participant.email, reg.role, reg.portal_secret) == (
        "Dr. Ahmad, M.Ag.", other_unit, "ahmad@kemenag.go.id", "moderator", secret)  # blank e-mail kept
    assert [d.mode for d in reg.days.all()] == ["online", "online", "in_person"]
    assert Participant.objects.get(email="tamu@contoh.id").full_name == "Guest Name"


def test_existing_participant_from_another_event_is_reused(event, unit):
    person = ParticipantFactory(unit=unit)
    RegistrationFactory(participant=person)  # another event
    report = import_participants(event=event, source=xlsx([row("X", person.id_number, "kanwil-jabar")]), dry_run=False)
    assert (report.created, report.updated, report.created_participants) == (1, 0, 0)
    assert Registration.objects.get(event=event).participant == person


def test_quota_exceeded_names_unit_and_quota(event):
    kanwil = UnitFactory(code="kanwil-jabar", name="Kanwil Kemenag Provinsi Jawa Barat")
    kankemenag = Unit.objects.create(name="Kankemenag Kota Bandung", code="kota-bandung", kind=Unit.Kind.DISTRICT,
                                     parent=kanwil)
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=2)
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=kankemenag),
                        modes=["in_person", "online", "online"])
    file = xlsx([
        row("A", valid_nip(), "kota-bandung", days=("luring", "daring", "daring")),
        row("B", valid_nip(), "kanwil-jabar", days=("luring", "luring", "daring")),  # row 3: day 1 full
        row("C", valid_nip(), "kanwil-jabar", days=("daring", "luring", "daring")),
    ])
    report = import_participants(event=event, source=file, dry_run=True)
    assert report.lines() == [
        "Baris 3, kolom hari_1 (J): Kuota luring Kanwil Kemenag Provinsi Jawa Barat (2 kursi) sudah penuh untuk "
        "Senin, 21 November 2022: 2 kursi sudah terpakai (termasuk baris sebelumnya di berkas ini). Ubah menjadi "
        "daring atau minta tambahan kuota."]
    assert (report.created, report.skipped) == (2, 1)


def test_nested_quota_counts_apart(event):
    kanwil = UnitFactory(code="kanwil-jabar", name="Kanwil Jabar")
    kota = Unit.objects.create(name="Kankemenag Kota Bandung", code="kota-bandung", kind=Unit.Kind.DISTRICT,
                               parent=kanwil)
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=1)
    UnitQuotaFactory(event=event, unit=kota, in_person_seats=1)
    file = xlsx([row("A", valid_nip(), "kota-bandung"), row("B", valid_nip(), "kanwil-jabar"),
                 row("C", valid_nip(), "kota-bandung")])
    report = import_participants(event=event, source=file, dry_run=True)
    assert [(i.row, i.column) for i in report.issues] == [(4, "hari_1")]
    assert "Kankemenag Kota Bandung (1 kursi)" in report.issues[0].message


def test_reimport_keeps_its_own_seat(event, unit):
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    file_rows = [row("A", valid_nip(), "kanwil-jabar")]
    import_participants(event=event, source=xlsx(file_rows), dry_run=False)
    report = import_participants(event=event, source=xlsx(file_rows), dry_run=False)
    assert (report.lines(), report.updated) == ([], 1)


def test_csv_with_semicolons_and_bom(event, unit):
    nip = valid_nip()
    text = f"Nama;NIP;Unit;Email;Hari_2\nAhmad Fauzi;{nip};kanwil-jabar;ahmad@kemenag.go.id;luring\nBudi;12;kanwil-jabar;;\n"
    report = import_participants(event=event, source=csv_file(text), dry_run=False)
    assert report.lines() == ["Baris 3, kolom NIP: NIP harus 18 digit; yang diisi 2 digit."]
    reg = Registration.objects.get()
    assert (reg.participant.full_name, [d.mode for d in reg.days.all()]) == (
        "Ahmad Fauzi", ["online", "in_person", "online"])


def test_csv_with_commas(event, unit):
    text = f'nama,nip,unit\n"Dr. Ahmad, M.Ag.",{valid_nip()},kanwil-jabar\n'
    report = import_participants(event=event, source=csv_file(text), dry_run=False)
    assert (report.lines(), Participant.objects.get().full_name) == ([], "Dr. Ahmad, M.Ag.")


def _zip_not_excel():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("catatan.txt", "bukan spreadsheet")
    buffer.seek(0)
    buffer.name = "peserta.xlsx"
    return buffer


@pytest.mark.parametrize("make, expected", [
    (lambda: xlsx([["Ahmad", "x"]], header=["Nama Lengkap", "Kantor"]),
     "Kolom wajib tidak ditemukan: nip, unit. Kolom yang ada di baris 1: Nama Lengkap, Kantor. "
     "Unduh templat untuk melihat nama kolom yang benar."),
    (lambda: csv_file("", "kosong.csv"), "Berkas kosong: tidak ada baris judul kolom maupun data."),
    (lambda: type("F", (io.BytesIO,), {"name": "kosong.xlsx"})(b""), "Berkas kosong."),
    (lambda: xlsx([], header=[]), "Berkas kosong: tidak ada baris judul kolom maupun data."),
    (lambda: xlsx([]), "Berkas hanya berisi baris judul kolom; belum ada data peserta."),
    (lambda: csv_file("ini bukan excel, hanya teks", "peserta.xlsx"),
     "Berkas ini bukan berkas Excel (.xlsx) yang sah, walaupun namanya berakhiran .xlsx. Buka di Excel dan simpan "
     "sebagai Excel Workbook (.xlsx), atau unggah sebagai CSV."),
    (lambda: _zip_not_excel(),
     "Berkas Excel ini rusak atau tidak dapat dibaca. Simpan ulang sebagai .xlsx lalu unggah lagi."),
    (lambda: csv_file("nama", "peserta.pdf"), 'Jenis berkas ".pdf" tidak didukung; unggah berkas .xlsx atau .csv.'),
    (lambda: xlsx([["A", "1", "u", "luring"]], header=["nama", "nip", "unit", "hari_4"]),
     'Kolom "hari_4" tidak cocok: acara ini 3 hari (hari_1 sampai hari_3).'),
])
def test_unusable_files_give_a_clear_error(event, make, expected):
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=make(), dry_run=True)
    assert exc.value.message == expected


def test_too_large_file(event, settings):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=csv_file("nama;nip;unit\nA;1;u\n"), dry_run=True)
    assert exc.value.message == "Berkas terlalu besar (1 KB); batasnya 1 KB. Pecah menjadi beberapa berkas."


def test_unknown_columns_are_reported_as_ignored(event, unit):
    file = xlsx([["A", valid_nip(), "kanwil-jabar", "x"]], header=["nama", "nip", "unit", "catatan"])
    report = import_participants(event=event, source=file, dry_run=True)
    assert report.notes == ["Kolom yang tidak dikenal dan diabaikan: catatan."]


def test_template_has_the_headers_a_unit_sheet_and_an_example_that_is_never_imported(event, unit):
    UnitFactory(code="kankemenag-kab-bandung", name="Kantor Kementerian Agama Kabupaten Bandung",
                short_name="Kankemenag Kab. Bandung", parent=unit, province="Jawa Barat")
    content = import_template_xlsx(event)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["peserta", "unit", "petunjuk"]
    sheet = workbook["peserta"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert rows[1][0] == "CONTOH - Dr. H. Ahmad Fauzi, M.Ag."
    assert [list(r) for r in workbook["unit"].iter_rows(values_only=True)] == [
        ["kode", "nama unit", "singkatan", "provinsi"],
        ["kanwil-jabar", "Kanwil Kemenag Provinsi Jawa Barat", None, "Jawa Barat"],
        ["kankemenag-kab-bandung", "Kantor Kementerian Agama Kabupaten Bandung", "Kankemenag Kab. Bandung",
         "Jawa Barat"],
    ]
    unit_lists = [(dv.formula1, str(dv.sqref)) for dv in sheet.data_validations.dataValidation
                  if dv.formula1.startswith("unit!")]
    assert unit_lists == [("unit!$A$2:$A$3", "F2:F5001")]

    file = io.BytesIO(content)
    file.name = "templat.xlsx"
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=file, dry_run=True)
    assert exc.value.message == ("Berkas hanya berisi baris contoh dari templat (tidak diimpor); isi data peserta di "
                                 "bawahnya lalu unggah lagi.")
    # Filled in below the example: the example row stays out, the person goes in.
    sheet.append(row("Siti Aminah", valid_nip("P"), "Kankemenag Kab. Bandung"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "templat.xlsx"
    report = import_participants(event=event, source=buffer, dry_run=False)
    assert (report.rows, report.created, report.lines(), report.notes) == (
        1, 1, [], ['Baris 2 adalah contoh dari templat (namanya diawali "CONTOH") dan tidak diimpor.'])
    assert Participant.objects.get().unit.code == "kankemenag-kab-bandung"


def test_send_links_is_queued_on_commit(event, unit, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("attendance.tasks.send_portal_link.delay", lambda pk: sent.append(pk))
    report = import_participants(event=event, source=xlsx([row("A", valid_nip(), "kanwil-jabar", "a@kemenag.go.id"),
                                                           row("B", valid_nip(), "kanwil-jabar")]), dry_run=False)
    assert sent == []  # an import sends nothing by itself
    with django_capture_on_commit_callbacks(execute=True):
        queued = import_send_links(event=event, registration_ids=report.registration_ids)
    with_email = Registration.objects.get(participant__email="a@kemenag.go.id")
    assert (queued, sent) == (1, [with_email.pk])


def _write(tmp_path, content: bytes, name="peserta.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_command_prints_report_and_totals(event, unit, tmp_path, capsys):
    organiser(username="panitia")
    path = _write(tmp_path, xlsx([row("Ahmad", valid_nip(), "kanwil-jabar"), row("B", "1", "kanwil-jabar")]).getvalue())
    out = io.StringIO()
    call_command("import_participants", event.slug, path, "--dry-run", stdout=out)
    assert out.getvalue().splitlines() == [
        "Baris 3, kolom nip (C): NIP harus 18 digit; yang diisi 1 digit.",
        "Uji coba (tidak ada yang disimpan): 2 baris dibaca, 1 akan dibuat, 0 akan diperbarui, 1 dilewati.",
    ]
    assert Registration.objects.count() == 0
    out = io.StringIO()
    call_command("import_participants", event.slug, path, "--user", "panitia", stdout=out)
    assert out.getvalue().splitlines()[-1] == "Selesai: 2 baris dibaca, 1 dibuat, 0 diperbarui, 1 dilewati."
    assert Registration.objects.get().registered_by.username == "panitia"


def test_command_fails_on_unusable_file(event, tmp_path):
    path = _write(tmp_path, b"bukan excel")
    with pytest.raises(CommandError) as exc:
        call_command("import_participants", event.slug, path)
    assert str(exc.value).startswith("Berkas ini bukan berkas Excel (.xlsx) yang sah")
    with pytest.raises(CommandError) as exc:
        call_command("import_participants", "tidak-ada", path)
    assert str(exc.value).startswith('Acara "tidak-ada" tidak ditemukan.')


def test_an_import_is_one_audit_entry_naming_the_file_and_the_registrations(event, unit):
    from rakor.models import AuditEntry

    org = organiser()
    nip = valid_nip()
    source = xlsx([row("Ahmad", nip, "kanwil-jabar", "ahmad@kemenag.go.id"), row("Bad", "123", "kanwil-jabar", "")])
    import_participants(event=event, source=source, dry_run=True, by=org)
    assert AuditEntry.objects.count() == 0  # a dry run changes nothing
    report = import_participants(event=event, source=source, dry_run=False, by=org)
    entry = AuditEntry.objects.get()
    reg = Registration.objects.get(participant__id_number=nip)
    assert (entry.action, entry.actor, entry.event, entry.model) == ("import", org, event, "rakor.event")
    assert entry.after == {"file": "peserta.xlsx", "created": 1, "updated": 0, "skipped": report.skipped,
                           "registration_ids": [reg.pk]}
    assert report.skipped == 1
