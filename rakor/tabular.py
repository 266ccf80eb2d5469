"""Reading a spreadsheet someone uploaded (.xlsx or .csv), within bounds set in settings.

An .xlsx file is a ZIP archive of XML. A 400 KB file can unpack to gigabytes (a
"shared-string bomb": openpyxl keeps every shared string in memory, even in read-only
mode), and a small sheet can claim a million rows or a column far to the right, which
makes openpyxl hand out a million padded rows. So before openpyxl reads anything, the
archive's central directory (which Python's zipfile enforces while reading: a member
never yields more than its declared size) is checked:

- at most ``MAX_ARCHIVE_MEMBERS`` members;
- at most ``settings.IMPORT_MAX_UNCOMPRESSED_BYTES`` unpacked in total;
- per member: the shared strings at most a quarter of that (every one is held in memory),
  any other part but a worksheet (styles, theme, workbook; read whole) at most
  ``MAX_PART_BYTES``, and no member over 1 MB that unpacks more than
  ``MAX_COMPRESSION_RATIO`` times its packed size (real sheets: about 10 times);
- the sheet's declared size (``<dimension>``) at most ``settings.IMPORT_MAX_ROWS`` data rows.

While the rows stream (openpyxl read-only mode; CSV through a text stream), more than
``IMPORT_MAX_ROWS`` non-empty data rows, a row index past Excel's last row, or a row wider
than ``MAX_COLUMNS`` stop the reading at once. Every refusal is an :class:`InputTooLarge`
whose message says the limit and how to split the file.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from typing import IO, Iterator

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from .uploads import human_size

MAX_ARCHIVE_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 100
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_COLUMNS = 200
EXCEL_MAX_ROW = 1_048_576
SNIFF_LINES = 15  # lines read to tell a CSV's delimiter (title rows may come first)
SHARED_STRINGS = "xl/sharedStrings.xml"


class InputRefused(ValueError):
    """The file cannot be read as it is; ``message`` is for the person who uploaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputTooLarge(InputRefused):
    """The file is beyond a limit (size, rows, columns); the message says the limit."""


def _number(n: int) -> str:
    return formats.number_format(n, force_grouping=True)


def _split_advice() -> str:
    return _("Pecah menjadi beberapa berkas yang masing-masing paling banyak %(rows)s baris, lalu impor satu per satu.") % {
        "rows": _number(settings.IMPORT_MAX_ROWS)}


def too_many_rows(found: int | None = None) -> InputTooLarge:
    if found is None:
        text = _("Berkas ini berisi lebih dari %(limit)s baris data; batasnya %(limit)s baris.") % {
            "limit": _number(settings.IMPORT_MAX_ROWS)}
    else:
        text = _("Lembar ini berisi %(found)s baris; batasnya %(limit)s baris data (termasuk baris kosong yang "
                 "diformat di bawah data).") % {"found": _number(found), "limit": _number(settings.IMPORT_MAX_ROWS)}
    return InputTooLarge(f"{text} {_split_advice()}")


# ---------------------------------------------------------------- .xlsx


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def check_xlsx_archive(source) -> None:
    """Refuse an .xlsx whose ZIP central directory promises more than the limits; reads no member.

    `source` is a path or a seekable binary file (left at the start). Raises InputTooLarge;
    a file that is not a ZIP at all raises zipfile.BadZipFile.
    """
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
    with zipfile.ZipFile(source) as archive:
        members = archive.infolist()
    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
    limit = settings.IMPORT_MAX_UNCOMPRESSED_BYTES
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise InputTooLarge(_("Berkas Excel ini berisi %(n)s bagian di dalamnya (batas %(limit)s); ini bukan lembar kerja "
                              "biasa. Salin datanya ke buku kerja baru, simpan sebagai .xlsx, lalu unggah lagi.") % {
            "n": _number(len(members)), "limit": _number(MAX_ARCHIVE_MEMBERS)})
    total = sum(m.file_size for m in members)
    if total > limit:
        raise InputTooLarge(_("Berkas Excel ini %(size)s setelah dibuka (batasnya %(limit)s).") % {
            "size": human_size(total), "limit": human_size(limit)} + " " + _split_advice())
    for member in members:
        name = member.filename
        if name == SHARED_STRINGS:
            part_limit = limit // 4
        elif _is_worksheet(name):
            part_limit = limit
        else:
            part_limit = MAX_PART_BYTES
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > part_limit or (member.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO):
            raise InputTooLarge(_(
                "Bagian \"%(part)s\" di dalam berkas Excel ini %(size)s setelah dibuka (batasnya %(limit)s, dan "
                "paling banyak %(ratio)d kali ukuran terkompresinya); ini bukan lembar kerja biasa. Salin datanya ke "
                "buku kerja baru, simpan sebagai .xlsx, lalu unggah lagi.") % {
                "part": name, "size": human_size(member.file_size), "limit": human_size(part_limit),
                "ratio": MAX_COMPRESSION_RATIO})


def xlsx_rows(workbook) -> Iterator[tuple]:
    """The rows of the workbook's first (active) sheet as value tuples, within the limits.

    `workbook` is an openpyxl workbook opened read-only, after :func:`check_xlsx_archive`. The
    sheet's declared size is checked before its first row is read; rows are never padded to it.
    """
    sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
    declared = sheet.max_row  # from <dimension>, before any row is parsed
    if declared is not None and declared > settings.IMPORT_MAX_ROWS + 1:
        raise too_many_rows(declared)
    sheet.reset_dimensions()  # each row as long as its own cells, no empty rows padded to a claimed size
    yield from bounded_rows(sheet.iter_rows(values_only=True))


# ---------------------------------------------------------------- any rows


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def bounded_rows(rows) -> Iterator:
    """Pass rows through, refusing the (IMPORT_MAX_ROWS + 1)-th non-empty row after the header,
    a row wider than MAX_COLUMNS, and a row index past Excel's last row."""
    data_rows = -1  # the first non-empty row is the header
    for index, values in enumerate(rows, start=1):
        if index > EXCEL_MAX_ROW:
            raise InputTooLarge(_("Berkas ini berisi lebih dari %(n)s baris, lebih banyak daripada yang dapat dimuat "
                                  "Excel; berkas rusak atau bukan lembar kerja biasa.") % {"n": _number(EXCEL_MAX_ROW)})
        if values is not None and len(values) > MAX_COLUMNS:
            raise InputTooLarge(_("Baris %(row)d berisi %(n)s kolom; batasnya %(limit)s kolom. Hapus kolom yang tidak "
                                  "dipakai (juga kolom kosong yang berformat) lalu unggah lagi.") % {
                "row": index, "n": _number(len(values)), "limit": _number(MAX_COLUMNS)})
        if values and not _blank(values):
            data_rows += 1
            if data_rows > settings.IMPORT_MAX_ROWS:
                raise too_many_rows()
        yield values


# ---------------------------------------------------------------- .csv


class CsvDecodeError(InputRefused):
    """The CSV is not UTF-8 (callers word their own advice)."""


def csv_rows(source: IO[bytes] | str | os.PathLike, *, delimiters: str = ";,\t") -> Iterator[list]:
    """The rows of a UTF-8 CSV file (a BOM is dropped), streamed: the file is never read whole.

    The delimiter is the one of `delimiters` the first SNIFF_LINES lines use most (a comma when none).
    Raises CsvDecodeError for text that is not UTF-8, InputTooLarge beyond the row limit, and
    InputRefused naming the line for what csv cannot read (a field over its 128 KB limit, a NUL).
    """
    own = isinstance(source, (str, os.PathLike))
    raw = open(source, "rb") if own else source
    try:
        if not own:
            raw.seek(0)
        text = io.TextIOWrapper(_Unclosable(raw), encoding="utf-8-sig", newline="")
        # The delimiter is read from the first lines, not the first one alone: a list an office
        # sends may open with a title line ("DAFTAR PESERTA RAKOR") that has no delimiter at all.
        head: list[str] = []
        try:
            while len(head) < SNIFF_LINES:
                line = text.readline()
                if not line:
                    break
                head.append(line)
        except UnicodeDecodeError as exc:
            raise CsvDecodeError(_("Berkas CSV harus disimpan dengan pengodean UTF-8.")) from exc
        delimiter = sniff_delimiter(head, delimiters)

        def lines():
            yield from head
            while True:
                try:
                    line = text.readline()
                except UnicodeDecodeError as exc:
                    raise CsvDecodeError(_("Berkas CSV harus disimpan dengan pengodean UTF-8.")) from exc
                if not line:
                    return
                yield line

        reader = csv.reader(lines(), delimiter=delimiter)
        try:
            yield from bounded_rows(reader)
        except csv.Error as exc:
            raise InputRefused(_("Baris %(row)d tidak dapat dibaca sebagai CSV (%(error)s).") % {
                "row": reader.line_num, "error": exc})
    finally:
        if own:
            raw.close()


def _count_unquoted(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def sniff_delimiter(lines: list[str], delimiters: str = ";,\t") -> str:
    """The delimiter most lines use the same number of times (outside quotes); a comma when none is used.

    Title lines without any delimiter and a comma inside a quoted name ("Dr. Ahmad, M.Ag.") do not
    mislead it: a real delimiter appears as often on every row of the table.
    """
    best, best_score = ",", (0, 0)
    for delimiter in delimiters:
        counts: dict[int, int] = {}
        for line in lines:
            n = _count_unquoted(line, delimiter)
            if n:
                counts[n] = counts.get(n, 0) + 1
        if not counts:
            continue
        width, lines_with_it = max(counts.items(), key=lambda item: (item[1], item[0]))
        if (lines_with_it, width) > best_score:
            best, best_score = delimiter, (lines_with_it, width)
    return best


class _Unclosable(io.RawIOBase):
    """A view of a caller's binary file that TextIOWrapper may close without closing the file."""

    def __init__(self, raw):
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n
