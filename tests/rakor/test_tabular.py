"""Bounded input (issue 19, item 9): imports refuse a file beyond the limits before reading it.

A 400 KB shared-string bomb took 784 MB that was never released; a million-row sheet took
minutes and gigabytes. Each refusal here happens before openpyxl loads the workbook (or
before it parses a row), with a message that says the limit and how to split the file.
"""

import io
import zipfile

import pytest
from openpyxl import Workbook

from attendance.importing import ImportFileError, import_participants
from rakor import tabular
from attendance.online import reports
from tests.factories import EventFactory

SPLIT = "Pecah menjadi beberapa berkas yang masing-masing paling banyak 250.000 baris, lalu impor satu per satu."


def small_workbook(rows=(("nama", "nip", "unit"), ("Ahmad", "197505122003121003", "kanwil-jabar"))) -> dict:
    """The members of a real (small) .xlsx written by openpyxl, with shared strings."""
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build_xlsx(members: dict, streamed: dict | None = None, name="peserta.xlsx", level=9) -> io.BytesIO:
    """Zip `members` (bytes) and `streamed` members (name -> iterable of byte chunks, never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for member, data in members.items():
            if streamed and member in streamed:
                continue
            archive.writestr(member, data)
        for member, chunks in (streamed or {}).items():
            with archive.open(member, "w", force_zip64=True) as out:
                for chunk in chunks:
                    out.write(chunk)
    buffer.seek(0)
    buffer.name = name
    return buffer


def shared_string_bomb(megabytes: int):
    yield b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    chunk = b"<si><t>ab</t></si>" * 65536  # two-letter strings: about 60 bytes of memory each in openpyxl
    for _ in range(megabytes * 1024 * 1024 // len(chunk)):
        yield chunk
    yield b"</sst>"


def member_size(source: io.BytesIO, member: str) -> int:
    with zipfile.ZipFile(io.BytesIO(source.getvalue())) as archive:
        return archive.getinfo(member).file_size


SHEET_START = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main">')
HEADER_ROW = ('<row r="1"><c r="A1" t="inlineStr"><is><t>nama</t></is></c><c r="B1" t="inlineStr"><is><t>nip</t>'
              '</is></c><c r="C1" t="inlineStr"><is><t>unit</t></is></c></row>')


def sheet_rows(n: int, *, dimension: bool = True):
    """A sheet of a header and n - 1 people (name, number, unit), written as it is zipped."""
    yield SHEET_START
    if dimension:
        yield f'<dimension ref="A1:C{n}"/>'.encode()
    yield ("<sheetData>" + HEADER_ROW).encode()
    for start in range(2, n + 1, 10_000):
        yield "".join(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>P{r}</t></is></c><c r="B{r}"><v>{r}</v></c>'
                      f'<c r="C{r}" t="inlineStr"><is><t>u</t></is></c></row>'
                      for r in range(start, min(start + 10_000, n + 1))).encode()
    yield b"</sheetData></worksheet>"


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fail the test if openpyxl starts to load a workbook."""
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl.load_workbook was called: the file should have been refused before")

    monkeypatch.setattr("openpyxl.load_workbook", refuse)


@pytest.fixture
def no_rows_parsed(monkeypatch):
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    def refuse(*args, **kwargs):
        raise AssertionError("a row was parsed: the sheet should have been refused before")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", refuse)


@pytest.fixture
def event(db):
    return EventFactory()


def refusal(event, source) -> str:
    with pytest.raises(ImportFileError) as exc:
        import_participants(event=event, source=source, dry_run=True)
    return exc.value.message


# ---------------------------------------------------------------- .xlsx: the archive


def test_a_shared_string_bomb_is_refused_before_openpyxl_reads_it(event, no_openpyxl):
    bomb = build_xlsx(small_workbook(), {"xl/sharedStrings.xml": shared_string_bomb(150)})
    assert len(bomb.getvalue()) < 600 * 1024  # a small upload...
    assert member_size(bomb, "xl/sharedStrings.xml") > 140 * 1024 * 1024  # ...of 8 million two-letter strings
    assert refusal(event, bomb) == (
        'Bagian "xl/sharedStrings.xml" di dalam berkas Excel ini 149.6 MB setelah dibuka (batasnya 100 MB, dan '
        "paling banyak 100 kali ukuran terkompresinya); ini bukan lembar kerja biasa. Salin datanya ke buku kerja "
        "baru, simpan sebagai .xlsx, lalu unggah lagi.")


def test_a_smaller_bomb_is_refused_by_its_compression_ratio(event, no_openpyxl):
    bomb = build_xlsx(small_workbook(), {"xl/sharedStrings.xml": shared_string_bomb(20)})
    assert refusal(event, bomb).startswith('Bagian "xl/sharedStrings.xml" di dalam berkas Excel ini 19.1 MB setelah dibuka')


def test_an_archive_that_unpacks_beyond_the_total_limit_is_refused(event, settings, no_openpyxl):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    big = build_xlsx(small_workbook(), {"xl/worksheets/sheet1.xml": sheet_rows(30_000)})
    size = tabular.human_size(sum(i.file_size for i in zipfile.ZipFile(big).infolist()))
    assert refusal(event, big) == f"Berkas Excel ini {size} setelah dibuka (batasnya 2 MB). {SPLIT}"


def test_an_archive_with_thousands_of_members_is_refused(event, no_openpyxl):
    members = small_workbook()
    members.update({f"xl/media/image{i}.png": b"x" for i in range(1001)})
    assert refusal(event, build_xlsx(members)) == (
        f"Berkas Excel ini berisi 1.{len(members) - 1000:03d} bagian di dalamnya (batas 1.000); ini bukan lembar kerja "
        "biasa. Salin datanya ke buku kerja baru, simpan sebagai .xlsx, lalu unggah lagi.")


def test_a_lying_central_directory_cannot_unpack_more_than_it_declares():
    """The checks trust the declared sizes because zipfile never reads past them."""
    buffer = build_xlsx({"a.xml": b"x" * 100_000})
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")  # declared size: 10 bytes
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.infolist()[0].file_size == 10
        with pytest.raises(zipfile.BadZipFile):
            archive.read("a.xml")  # 10 bytes, then the CRC no longer matches


# ---------------------------------------------------------------- .xlsx: rows


def test_a_million_row_sheet_is_refused_before_a_row_is_parsed(event, no_rows_parsed):
    sheet = build_xlsx(small_workbook(), {"xl/worksheets/sheet1.xml": sheet_rows(1_000_000)}, level=1)
    assert refusal(event, sheet) == (
        "Lembar ini berisi 1.000.000 baris; batasnya 250.000 baris data (termasuk baris kosong yang diformat di bawah "
        f"data). {SPLIT}")


def test_rows_beyond_the_limit_stop_the_reading_when_the_sheet_hides_its_size(event, settings):
    settings.IMPORT_MAX_ROWS = 50
    sheet = build_xlsx(small_workbook(), {"xl/worksheets/sheet1.xml": sheet_rows(10_000, dimension=False)})
    assert refusal(event, sheet) == (
        "Berkas ini berisi lebih dari 50 baris data; batasnya 50 baris. Pecah menjadi beberapa berkas yang "
        "masing-masing paling banyak 50 baris, lalu impor satu per satu.")


def test_a_row_far_to_the_right_is_refused_not_padded(event):
    members = small_workbook()
    members["xl/worksheets/sheet1.xml"] = (SHEET_START + b'<dimension ref="A1:XFD2"/><sheetData>' + HEADER_ROW.encode()
                                           + b'<row r="2"><c r="XFD2"><v>1</v></c></row></sheetData></worksheet>')
    assert refusal(event, build_xlsx(members)) == (
        "Baris 2 berisi 16.384 kolom; batasnya 200 kolom. Hapus kolom yang tidak dipakai (juga kolom kosong yang "
        "berformat) lalu unggah lagi.")


def test_a_file_within_the_limits_still_imports(event):
    report = import_participants(event=event, source=build_xlsx(small_workbook()), dry_run=True)
    assert report.rows == 1


# ---------------------------------------------------------------- .csv


def test_a_csv_beyond_the_row_limit_is_refused_while_streaming(event, settings):
    settings.IMPORT_MAX_ROWS = 100
    text = "nama;nip;unit\n" + "".join(f"Peserta {i};19750512200312100{i % 10};kanwil-jabar\n" for i in range(5000))
    source = io.BytesIO(text.encode())
    source.name = "peserta.csv"
    assert refusal(event, source).startswith("Berkas ini berisi lebih dari 100 baris data; batasnya 100 baris.")
    assert source.tell() < len(text) / 2  # stopped reading long before the end


def test_a_csv_field_beyond_csv_limits_names_its_line(event):
    source = io.BytesIO(("nama,nip,unit\nA,1,u\n\"" + "x" * 200_000 + "\",1,u\n").encode())
    source.name = "peserta.csv"
    assert refusal(event, source) == "Baris 3 tidak dapat dibaca sebagai CSV (field larger than field limit (131072))."


def test_a_zoom_report_beyond_the_row_limit_is_refused(settings):
    import zoneinfo

    settings.IMPORT_MAX_ROWS = 10
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)"]
    lines += [f"Peserta {i},,11/21/2022 09:00:00 AM,11/21/2022 10:00:00 AM,60" for i in range(50)]
    with pytest.raises(reports.ReportFormatError) as exc:
        reports.parse_report("\n".join(lines).encode(), zoneinfo.ZoneInfo("Asia/Jakarta"))
    assert str(exc.value).startswith("Berkas ini berisi lebih dari 10 baris data; batasnya 10 baris.")


def test_bounded_rows_counts_data_rows_not_the_header_or_blank_lines(settings):
    settings.IMPORT_MAX_ROWS = 2
    rows = [("nama",), (None,), ("A",), ("",), ("B",)]
    assert list(tabular.bounded_rows(rows)) == rows
    with pytest.raises(tabular.InputTooLarge):
        list(tabular.bounded_rows(rows + [("C",)]))


def test_csv_delimiter_is_read_from_the_first_lines_not_a_title_line():
    assert tabular.sniff_delimiter(["DAFTAR PESERTA RAKOR\n", "\n", "nama;nip;unit\n", "A;1;u\n"]) == ";"
    assert tabular.sniff_delimiter(['nama,nip,unit\n', '"Dr. Ahmad, M.Ag.",1,u\n', '"Siti; S.Ag.",2,u\n']) == ","
    assert tabular.sniff_delimiter(["nama\tnip\tunit\n", "Dr. Ahmad, M.Ag.\t1\tu\n"]) == "\t"
    assert tabular.sniff_delimiter(["nama\n", "A\n"]) == ","
    source = io.BytesIO("DAFTAR PESERTA RAKOR\nnama;nip;unit\nA;1;u\n".encode())
    assert list(tabular.csv_rows(source)) == [["DAFTAR PESERTA RAKOR"], ["nama", "nip", "unit"], ["A", "1", "u"]]
