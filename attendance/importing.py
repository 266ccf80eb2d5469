"""Bulk import of participants and their registrations from .xlsx or .csv.

One entry point, :func:`import_participants`, serves the admin page, the
``import_participants`` command and the benchmark. A dry run reports, per row and
column, what is wrong; an apply writes the good rows and skips the bad ones.

Speed matters (50,000 rows within a minute): nothing here queries per row.
Units, quotas, existing participants and the event's registrations are read in a
few queries up front; writes are bulk_create / bulk_update in chunks inside one
transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rakor import exports, tabular
from rakor.models import Event, Unit
from rakor.unit_names import UnitIndex

from . import import_headers
from .models import Participant, Registration, RegistrationDay
from .quotas import QUOTA_EXCEEDED, SeatBook
from .services import ParticipantData, lawful_basis_fields

log = logging.getLogger("rakor.attendance")

Mode = RegistrationDay.Mode

# The column names offices write, and how the header row is found: attendance.import_headers.
HEADER_ALIASES = import_headers.HEADER_ALIASES
REQUIRED_FIELDS = import_headers.REQUIRED_FIELDS
# The template's example row starts its name with this word; such a row is never imported.
EXAMPLE_MARK = "CONTOH"
# A NIP that Excel showed in scientific notation and a CSV kept as text ("1.98E+17", "1,98E+17").
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")

ID_KINDS = {
    "nip": Participant.IdKind.NIP, "pns": Participant.IdKind.NIP,
    "pppk": Participant.IdKind.PPPK,
    "lainnya": Participant.IdKind.OTHER, "other": Participant.IdKind.OTHER, "tamu": Participant.IdKind.OTHER,
}
ROLES = {
    "peserta": Registration.Role.PARTICIPANT, "participant": Registration.Role.PARTICIPANT,
    "narasumber": Registration.Role.SPEAKER, "speaker": Registration.Role.SPEAKER,
    "moderator": Registration.Role.MODERATOR,
    "panitia": Registration.Role.COMMITTEE, "committee": Registration.Role.COMMITTEE,
}
MODES = {
    "luring": Mode.IN_PERSON, "in_person": Mode.IN_PERSON, "in person": Mode.IN_PERSON, "offline": Mode.IN_PERSON,
    "tatap muka": Mode.IN_PERSON, "hadir": Mode.IN_PERSON,
    "daring": Mode.ONLINE, "online": Mode.ONLINE,
}
TEMPLATE_HEADERS = ["nama", "jenis_identitas", "nip", "jabatan", "pangkat_golongan", "unit", "email", "whatsapp", "peran"]

CHUNK = 1000


class ImportFileError(Exception):
    """The file as a whole cannot be used (wrong type, headers, size...). The message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowIssue:
    row: int
    column: str  # the header as written in the file ("" when the row as a whole is wrong)
    letter: str  # the column letter in a spreadsheet ("" for CSV)
    message: str

    def __str__(self) -> str:
        if not self.column:
            return _("Baris %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        column = f"{self.column} ({self.letter})" if self.letter else self.column
        return _("Baris %(row)d, kolom %(column)s: %(message)s") % {
            "row": self.row, "column": column, "message": self.message}


@dataclass
class ImportReport:
    event: Event
    dry_run: bool
    filename: str = ""
    rows: int = 0  # data rows read (empty rows not counted)
    good: int = 0
    created: int = 0  # registrations created (apply) or that would be created (dry run)
    updated: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    bad_rows: set = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # file-level remarks (ignored columns...)
    header_row: int = 0  # the row taken as the header (1-based)
    header_top_row: int | None = None  # the banner row above it when the header has two rows
    header_choices: list = field(default_factory=list)  # [(row number, "its first cells")] the organiser may pick
    # Unknown columns that look like phone numbers or e-mail addresses: their content would be lost,
    # so an import goes ahead only when the organiser accepts these warnings.
    column_warnings: list[str] = field(default_factory=list)
    example_rows: list[int] = field(default_factory=list)  # the template's example row(s), never imported
    created_participants: int = 0
    registration_ids: list[int] = field(default_factory=list)  # created + updated (apply only)
    seconds: float = 0.0
    seconds_writing: float = 0.0  # of `seconds`, the part spent writing (apply only)

    @property
    def skipped(self) -> int:
        return len(self.bad_rows)

    def lines(self) -> list[str]:
        return [str(issue) for issue in self.issues]


# ---------------------------------------------------------------- reading the file


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _file_size(source) -> int | None:
    if isinstance(source, (str, os.PathLike)):
        return os.path.getsize(source)
    size = getattr(source, "size", None)
    if size is not None:
        return size
    try:
        pos = source.tell()
        source.seek(0, os.SEEK_END)
        size = source.tell()
        source.seek(pos)
        return size
    except (AttributeError, OSError):
        return None


def _xlsx_rows(source) -> Iterator[tuple]:
    """Rows of the first sheet, refused before openpyxl reads anything when the archive is
    beyond the limits (rakor.tabular: unpacked size, shared strings, members, rows)."""
    from openpyxl import load_workbook  # only here: openpyxl costs every process ~23 MB

    if not isinstance(source, (str, os.PathLike)):
        source.seek(0)
        head = source.read(4)
        source.seek(0)
    else:
        with open(source, "rb") as fh:
            head = fh.read(4)
    if head[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(_("Berkas ini format Excel lama (.xls). Simpan ulang sebagai Excel Workbook (.xlsx) lalu unggah lagi."))
    if head[:2] != b"PK":
        raise ImportFileError(_("Berkas ini bukan berkas Excel (.xlsx) yang sah, walaupun namanya berakhiran .xlsx. "
                                "Buka di Excel dan simpan sebagai Excel Workbook (.xlsx), atau unggah sebagai CSV."))
    unreadable = _("Berkas Excel ini rusak atau tidak dapat dibaca. Simpan ulang sebagai .xlsx lalu unggah lagi.")
    try:
        tabular.check_xlsx_archive(source)
    except tabular.InputRefused as exc:
        raise ImportFileError(exc.message)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        log.info("unreadable xlsx: %r", exc)
        raise ImportFileError(unreadable)
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        log.info("unreadable xlsx: %r", exc)
        raise ImportFileError(unreadable)
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        log.info("unreadable xlsx: %r", exc)
        raise ImportFileError(unreadable)
    try:
        yield from tabular.xlsx_rows(workbook)
    except tabular.InputRefused as exc:
        raise ImportFileError(exc.message)
    finally:
        workbook.close()


def _csv_rows(source) -> Iterator[list]:
    """Rows of a UTF-8 CSV, streamed and stopped at the row limit (rakor.tabular)."""
    try:
        yield from tabular.csv_rows(source)
    except tabular.CsvDecodeError:
        raise ImportFileError(_("Berkas CSV harus disimpan dengan pengodean UTF-8 (di Excel: \"CSV UTF-8\")."))
    except tabular.InputRefused as exc:
        raise ImportFileError(exc.message)


def read_table(source, filename: str) -> tuple[Iterator[tuple], bool]:
    """(rows iterator, is_spreadsheet) for an .xlsx or .csv file; raises ImportFileError."""
    size = _file_size(source)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ImportFileError(_("Berkas terlalu besar (%(size)s); batasnya %(limit)s. Pecah menjadi beberapa berkas.") % {
            "size": tabular.human_size(size), "limit": tabular.human_size(limit)})
    if size == 0:
        raise ImportFileError(_("Berkas kosong."))
    ext = os.path.splitext(filename or "")[1].lower()
    if ext in (".xlsx", ".xlsm"):
        return _xlsx_rows(source), True
    if ext in (".csv", ".txt"):
        return _csv_rows(source), False
    if ext == ".xls":
        raise ImportFileError(_("Berkas ini format Excel lama (.xls). Simpan ulang sebagai Excel Workbook (.xlsx) lalu unggah lagi."))
    raise ImportFileError(_("Jenis berkas \"%(ext)s\" tidak didukung; unggah berkas .xlsx atau .csv.") % {"ext": ext or filename})


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_text = import_headers.cell_text  # a cell as text (one rule for the header and the rows)


# ---------------------------------------------------------------- the header


@dataclass
class Columns:
    fields: dict  # field -> column index
    days: dict  # day index (0-based) -> column index
    headers: list  # headers as written
    spreadsheet: bool

    def name(self, index: int) -> str:
        return self.headers[index]

    def letter(self, index: int) -> str:
        return _column_letter(index) if self.spreadsheet else ""


_FIELD_LABELS = {"full_name": "nama", "id_number": "nip", "unit": "unit", "email": "email", "whatsapp": "whatsapp",
                 "position": "jabatan", "rank": "pangkat_golongan", "id_kind": "jenis_identitas", "role": "peran",
                 "mode": "cara_hadir"}


def _missing_columns_error(header: import_headers.Header | None) -> ImportFileError:
    missing = [_FIELD_LABELS[f] for f in (header.missing if header else REQUIRED_FIELDS)]
    found = ", ".join(h for h in (header.headers if header else []) if h) or _("(tidak ada)")
    return ImportFileError(
        _("Kolom wajib tidak ditemukan: %(missing)s. Kolom yang ada di baris %(row)d: %(found)s. "
          "Unduh templat untuk melihat nama kolom yang benar.") % {
            "missing": ", ".join(missing), "found": found, "row": header.row if header else 1})


def _parse_header(header: import_headers.Header, event: Event, spreadsheet: bool) -> tuple[Columns, list[str], list]:
    """Columns for the found header, notes (ignored columns) and the unknown columns that look like contact data."""
    headers = header.headers
    fields: dict[str, int] = {}
    days: dict[int, int] = {}
    unknown: list[int] = []
    doubled: list[int] = []
    n_days = len(event.days)
    for index, text in enumerate(headers):
        if not text:
            continue
        known = header.fields.get(index)
        if known is not None:
            if known in fields:
                doubled.append(index)
            else:
                fields[known] = index
            continue
        number = header.days.get(index)
        if number is not None:
            if not 1 <= number <= n_days:
                raise ImportFileError(
                    _("Kolom \"%(header)s\" tidak cocok: acara ini %(n)d hari (hari_1 sampai hari_%(n)d).")
                    % {"header": text, "n": n_days})
            days.setdefault(number - 1, index)
            continue
        unknown.append(index)
    columns = Columns(fields=fields, days=days, headers=headers, spreadsheet=spreadsheet)
    notes = []
    doubled_names = [headers[i] for i in doubled if header.fields[i] not in ("email", "whatsapp")]
    if doubled_names:
        notes.append(_("Kolom ganda (isinya sudah diambil dari kolom sebelumnya yang sejenis) dan diabaikan: %(cols)s.")
                     % {"cols": ", ".join(doubled_names)})
    # A second e-mail/phone column, or an unknown column that looks like one, is never dropped in silence.
    suspects = [(i, header.fields[i]) for i in doubled if header.fields[i] in ("email", "whatsapp")]
    suspects += [(i, None) for i in unknown]
    return columns, notes, suspects


def _column_checks(columns: Columns, suspects: list, raw_rows: list, report: ImportReport) -> None:
    """Ignored columns as notes; those that look like phone/e-mail columns as warnings the organiser accepts."""
    sample = raw_rows[:50]
    ignored, warned = [], []
    for index, doubled in suspects:
        name = columns.name(index)
        values = [values[index] for _n, values in sample if index < len(values)]
        if doubled or import_headers.looks_like_contact_header(name) or import_headers.looks_like_contact_values(values):
            warned.append((index, doubled))
        else:
            ignored.append(name)
    if ignored:
        report.notes.append(_("Kolom yang tidak dikenal dan diabaikan: %(cols)s.") % {"cols": ", ".join(ignored)})
    for index, kind in warned:
        name = f"{columns.name(index)} ({columns.letter(index)})" if columns.letter(index) else columns.name(index)
        if kind:
            reason = _("sudah ada kolom %(field)s sebelumnya (%(first)s), jadi isi kolom ini tidak akan diimpor") % {
                "field": _FIELD_LABELS[kind], "first": columns.name(columns.fields[kind])}
        else:
            reason = _("tampaknya berisi nomor telepon atau e-mail, tetapi namanya tidak dikenal, jadi isinya tidak "
                       "akan diimpor")
        report.column_warnings.append(_(
            "Kolom \"%(col)s\" %(reason)s. Ganti judulnya menjadi \"whatsapp\" atau \"email\" lalu uji coba lagi, "
            "atau nyatakan bahwa kolom ini boleh diabaikan.") % {"col": name, "reason": reason})


# ---------------------------------------------------------------- validation


@dataclass
class _Row:
    number: int
    data: ParticipantData
    days: dict  # date -> mode
    day_columns: dict  # date -> column index the mode came from (for seat messages)
    role: str
    participant_id: int | None = None
    registration_id: int | None = None


class _Lookups:
    """Everything the validation needs from the database, read in a few queries."""

    def __init__(self, event: Event, rows_numbers: set, emails: set):
        self.event = event
        self.units_by_code: dict[str, Unit] = {}
        self.units_by_name: dict[str, list[Unit]] = defaultdict(list)
        self.units_by_pk: dict[int, Unit] = {}
        for unit in Unit.objects.only("pk", "code", "name", "short_name", "aliases", "path", "province", "kind"):
            self.units_by_code[unit.code.lower()] = unit
            self.units_by_name[" ".join(unit.name.lower().split())].append(unit)
            self.units_by_pk[unit.pk] = unit
        self.unit_index = UnitIndex(self.units_by_pk.values())
        self._unit_cache: dict[str, tuple] = {}
        # (id_kind, number) -> participant pk, and e-mail -> participant pk (lowest pk, as participant_find does).
        self.by_number: dict[tuple, int] = {}
        self.by_email: dict[str, int] = {}
        self.participants: dict[int, dict] = {}
        fields = ("pk", "id_kind", "id_number", "email", "full_name", "position", "rank", "unit_id", "whatsapp", "gender")
        for chunk in _chunks(sorted(rows_numbers), _in_chunk()):
            for p in Participant.objects.filter(id_number__in=chunk).values(*fields):
                self.by_number[(p["id_kind"], p["id_number"])] = p["pk"]
                self.participants[p["pk"]] = p
        for chunk in _chunks(sorted(emails), _in_chunk()):
            for p in (Participant.objects.filter(email__in=chunk, anonymised_at__isnull=True)
                      .order_by("-pk").values(*fields)):
                self.by_email[p["email"].lower()] = p["pk"]  # ordered by -pk: the lowest pk wins
                self.participants[p["pk"]] = p
        # participant pk -> (registration pk, status, role) for this event
        self.registrations: dict[int, tuple] = {}
        known = sorted(self.participants)
        for chunk in _chunks(known, _in_chunk()):
            for reg_id, participant_id, status, role in Registration.objects.filter(
                event=event, participant_id__in=chunk
            ).values_list("pk", "participant_id", "status", "role"):
                self.registrations[participant_id] = (reg_id, status, role)

    def unit(self, text: str) -> tuple[Unit | None, str]:
        """The unit a cell names (code, name, short name or alias, as people write them: see
        rakor.unit_names), or None and a message offering the closest units."""
        if text not in self._unit_cache:
            self._unit_cache[text] = self._find_unit(text)
        return self._unit_cache[text]

    def _find_unit(self, text: str) -> tuple[Unit | None, str]:
        key = text.strip().lower()
        if key in self.units_by_code:
            return self.units_by_code[key], ""
        found = self.units_by_name.get(" ".join(key.split()), []) or self.unit_index.find(text)
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, _("Unit \"%(unit)s\" cocok dengan lebih dari satu unit: %(units)s. Isi kode unitnya.") % {
                "unit": text, "units": "; ".join(f"{u.name} ({u.code})" for u in found[:5])}
        message = _("Unit \"%(unit)s\" tidak ditemukan.") % {"unit": text}
        closest = self.unit_index.closest(text)
        if closest:
            message += " " + _("Maksud Anda: %(units)s?") % {
                "units": "; ".join(f"{u.name} ({u.code})" for u in closest)}
        return None, message + " " + _("Isi kode unit atau nama unit seperti di lembar \"unit\" pada templat.")


def _in_chunk() -> int:
    return 900 if connection.vendor == "sqlite" else 5000


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


_PARTICIPANT_ERROR_FIELD = {"full_name": "full_name", "id_number": "id_number", "whatsapp": "whatsapp"}


def _preview(values) -> str:
    cells = [import_headers.cell_text(v) for v in values or ()]
    text = " | ".join(c for c in cells if c)
    return text if len(text) <= 100 else text[:99] + "…"


def _validate(event: Event, source, filename: str, report: ImportReport, lock: bool,
              header_row: int | None = None) -> tuple[list[_Row], _Lookups | None]:
    rows_iter, spreadsheet = read_table(source, filename)
    # The header is found among the first rows (title rows, blank rows and banners above it are skipped).
    head: list[list] = []
    for values in rows_iter:
        head.append(list(values) if values is not None else [])
        if len(head) >= import_headers.HEADER_SCAN_ROWS:
            break
    if not head:
        raise ImportFileError(_("Berkas kosong: tidak ada baris judul kolom maupun data."))
    if all(_is_blank(v) for values in head for v in values):
        raise ImportFileError(_("Baris 1 harus berisi judul kolom (nama, nip, unit, ...), tetapi kosong."))
    report.header_choices = [(i + 1, _preview(values)) for i, values in enumerate(head)
                             if not all(_is_blank(v) for v in values)]
    if header_row is not None and not 1 <= header_row <= len(head):
        raise ImportFileError(_("Baris %(row)d tidak dapat dipakai sebagai judul kolom; pilih salah satu dari %(n)d "
                                "baris pertama.") % {"row": header_row, "n": len(head)})
    header, candidate = import_headers.find_header(head, row=header_row)
    if header is None or header.missing:
        raise _missing_columns_error(header or candidate)
    report.header_row, report.header_top_row = header.row, header.top_row
    columns, notes, suspects = _parse_header(header, event, spreadsheet)
    report.notes.extend(notes)

    def data_rows():
        yield from head[header.row:]
        yield from rows_iter

    raw_rows: list[tuple[int, tuple]] = []
    name_index = columns.fields.get("full_name")
    for number, values in enumerate(data_rows(), start=header.row + 1):
        if values is None or all(_is_blank(v) for v in values):
            continue
        if name_index is not None and name_index < len(values) and \
                _text(values[name_index]).upper().startswith(EXAMPLE_MARK):
            report.example_rows.append(number)
            continue
        raw_rows.append((number, values))
    report.rows = len(raw_rows)
    for number in report.example_rows:
        report.notes.append(_("Baris %(row)d adalah contoh dari templat (namanya diawali \"%(mark)s\") dan tidak "
                              "diimpor.") % {"row": number, "mark": EXAMPLE_MARK})
    if not raw_rows and report.example_rows:
        raise ImportFileError(_("Berkas hanya berisi baris contoh dari templat (tidak diimpor); isi data peserta di "
                                "bawahnya lalu unggah lagi."))
    if not raw_rows:
        raise ImportFileError(_("Berkas hanya berisi baris judul kolom; belum ada data peserta."))
    _column_checks(columns, suspects, raw_rows, report)

    f = columns.fields

    def cell(values, name):
        index = f.get(name)
        if index is None or index >= len(values):
            return None
        return values[index]

    def issue(number, index, message):
        if index is None:
            report.issues.append(RowIssue(number, "", "", message))
        else:
            report.issues.append(RowIssue(number, columns.name(index), columns.letter(index), message))
        report.bad_rows.add(number)

    # Numbers and e-mails to look up, read before the row checks.
    numbers, emails = set(), set()
    for _number, values in raw_rows:
        raw_id = cell(values, "id_number")
        if not _is_blank(raw_id) and not isinstance(raw_id, float):
            numbers.add(re.sub(r"[\s.\-]", "", _text(raw_id)))
        raw_email = cell(values, "email")
        if not _is_blank(raw_email):
            emails.add(_text(raw_email).lower())
    # Coordinators may be registering at the same time: with ``lock`` the seat book holds the
    # quota rows (and the event row when it has a capacity) before it counts, as the services do.
    seats = SeatBook(event, lock=lock)
    lookups = _Lookups(event, numbers, emails)

    event_days = event.days
    good: list[_Row] = []
    seen_numbers: dict[tuple, int] = {}
    seen_emails: dict[str, int] = {}
    claimed: dict[int, int] = {}  # participant pk -> row number
    for number, values in raw_rows:
        bad_before = len(report.issues)
        # identity kind
        kind_text = _text(cell(values, "id_kind")).lower()
        id_kind = Participant.IdKind.NIP
        if kind_text:
            id_kind = ID_KINDS.get(kind_text)
            if id_kind is None:
                issue(number, f["id_kind"], _("Jenis identitas \"%(value)s\" tidak dikenal; isi nip, pppk atau lainnya.")
                      % {"value": kind_text})
                id_kind = Participant.IdKind.NIP
        raw_id = cell(values, "id_number")
        id_reported = False
        shown = None
        if isinstance(raw_id, float) and abs(raw_id) >= 1e15:  # an int keeps every digit; a float from Excel does not
            shown = f"{raw_id:.2E}"  # as Excel shows it: 1.98E+17
        elif isinstance(raw_id, str) and _SCIENTIFIC.match(raw_id.strip()):
            shown = raw_id.strip()
        if shown is not None:
            id_reported = True
            issue(number, f["id_number"], _(
                "NIP tertulis \"%(shown)s\": Excel mengubahnya menjadi angka dan digit terakhirnya hilang (Excel hanya "
                "menyimpan 15 digit angka). Di berkas asal, format kolom ini sebagai Teks (klik kanan kolom → Format "
                "Cells → Text), ketik ulang NIP-nya, lalu simpan dan unggah lagi.") % {"shown": shown})
            raw_id = ""
        id_number = _text(raw_id)
        if not id_number and id_kind in (Participant.IdKind.NIP, Participant.IdKind.PPPK) and not id_reported:
            id_reported = True
            issue(number, f["id_number"], _("NIP atau nomor PPPK wajib diisi (untuk tamu tanpa NIP isi jenis_identitas "
                                            "dengan \"lainnya\")."))
        # unit
        unit_text = _text(cell(values, "unit"))
        unit = None
        if not unit_text:
            issue(number, f["unit"], _("Unit kerja wajib diisi (kode unit atau nama unit)."))
        else:
            unit, message = lookups.unit(unit_text)
            if unit is None:
                issue(number, f["unit"], message)
        # role
        role = Registration.Role.PARTICIPANT
        role_text = _text(cell(values, "role")).lower()
        if role_text:
            role = ROLES.get(role_text)
            if role is None:
                issue(number, f["role"], _("Peran \"%(value)s\" tidak dikenal; isi peserta, narasumber, moderator atau "
                                           "panitia.") % {"value": role_text})
                role = Registration.Role.PARTICIPANT
        # days
        default_mode, default_column = Mode.ONLINE, None
        mode_text = _text(cell(values, "mode")).lower()
        if mode_text:
            if mode_text in MODES:
                default_mode, default_column = MODES[mode_text], f["mode"]
            else:
                issue(number, f["mode"], _("Cara hadir \"%(value)s\" tidak dikenal; isi luring atau daring.")
                      % {"value": mode_text})
        days, day_columns = {}, {}
        for i, day in enumerate(event_days):
            index = columns.days.get(i)
            text = _text(values[index]).lower() if index is not None and index < len(values) else ""
            if text:
                if text in MODES:
                    days[day], day_columns[day] = MODES[text], index
                else:
                    issue(number, index, _("Cara hadir \"%(value)s\" tidak dikenal; isi luring atau daring.")
                          % {"value": text})
                    days[day] = Mode.ONLINE
            else:
                days[day], day_columns[day] = default_mode, default_column
        # e-mail
        email = _text(cell(values, "email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                issue(number, f["email"], _("Alamat e-mail \"%(value)s\" tidak valid.") % {"value": email})
        # the person (same rules as every other way in)
        data = ParticipantData(
            full_name=_text(cell(values, "full_name")), unit=unit, id_kind=id_kind, id_number=id_number,
            position=_text(cell(values, "position")), rank=_text(cell(values, "rank")), email=email,
            whatsapp=_text(cell(values, "whatsapp")),
        )
        try:
            data = data.cleaned()
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                index = f.get(_PARTICIPANT_ERROR_FIELD.get(key, ""))
                if key == "id_number" and id_reported:
                    continue
                for message in errors:
                    issue(number, index, message)
        if len(report.issues) > bad_before:
            continue
        # duplicates inside the file
        if data.id_number:
            key = (data.id_kind, data.id_number)
            if key in seen_numbers:
                issue(number, f["id_number"], _("Nomor %(value)s sudah ada di baris %(first)d; satu orang hanya boleh "
                                                "satu baris. Baris ini dilewati.") % {"value": data.id_number,
                                                                                      "first": seen_numbers[key]})
                continue
            seen_numbers[key] = number
        elif data.email:
            if data.email in seen_emails:
                issue(number, f["email"], _("E-mail %(value)s sudah ada di baris %(first)d; satu orang hanya boleh "
                                            "satu baris. Baris ini dilewati.") % {"value": data.email,
                                                                                  "first": seen_emails[data.email]})
                continue
            seen_emails[data.email] = number
        # who this is in the database (participant_find's rule: number, else e-mail)
        participant_id = None
        if data.id_number:
            participant_id = lookups.by_number.get((data.id_kind, data.id_number))
        if participant_id is None and data.email:
            participant_id = lookups.by_email.get(data.email)
        if participant_id is not None:
            if participant_id in claimed:
                issue(number, f["email"] if data.email and f.get("email") is not None else f["id_number"], _(
                    "Baris ini dan baris %(first)d menunjuk orang yang sama yang sudah terdaftar (nomor atau e-mail "
                    "sama). Baris ini dilewati.") % {"first": claimed[participant_id]})
                continue
            claimed[participant_id] = number
            if data.id_number and lookups.participants[participant_id]["id_number"] not in ("", data.id_number):
                # Matched by e-mail, but the stored number differs: another stored person may hold this number.
                other = lookups.by_number.get((data.id_kind, data.id_number))
                if other is not None and other != participant_id:
                    issue(number, f["id_number"], _("Nomor ini milik peserta lain yang sudah terdaftar."))
                    continue
        registration = lookups.registrations.get(participant_id) if participant_id else None
        good.append(_Row(number=number, data=data, days=days, day_columns=day_columns, role=role,
                         participant_id=participant_id, registration_id=registration[0] if registration else None))

    good = _check_seats(event, good, seats, lookups, report, columns)
    report.good = len(good)
    report.created = sum(1 for r in good if r.registration_id is None)
    report.updated = report.good - report.created
    report.issues.sort(key=lambda i: (i.row, i.letter.rjust(3) if i.letter else i.column))
    return good, lookups


def _check_seats(event: Event, rows: list[_Row], seats: SeatBook, lookups: _Lookups, report: ImportReport,
                 columns: Columns) -> list[_Row]:
    """Drop (and report) rows whose in-person days would pass a unit quota or the event capacity.

    Counts what is already registered (active, in person) plus what this file adds, in
    file order, with the seat book of attendance/quotas.py (the services' rule).
    """
    if not seats.quotas and seats.capacity is None:
        return rows
    if not any(mode == Mode.IN_PERSON for row in rows for mode in row.days.values()):
        return rows
    old_days: dict[int, tuple] = {}  # registration pk -> (unit, {date: in person}) of an active registration
    updated = [row.registration_id for row in rows if row.registration_id]
    for chunk in _chunks(sorted(updated), _in_chunk()):
        for reg_id, unit_id, day in RegistrationDay.objects.filter(
            Registration.seat_holders_q(event, prefix="registration__"), registration_id__in=chunk, mode=Mode.IN_PERSON,
        ).values_list("registration_id", "registration__participant__unit_id", "date"):
            old_days.setdefault(reg_id, (lookups.units_by_pk[unit_id], {}))[1][day] = Mode.IN_PERSON

    # A row that updates a registration replaces its days: its old seats are freed first.
    for unit, days in old_days.values():
        seats.release(unit, days)
    kept = []
    for row in rows:
        status_active = True
        if row.participant_id is not None and row.participant_id in lookups.registrations:
            status_active = lookups.registrations[row.participant_id][1] in Registration.ACTIVE_STATUSES
        if not status_active or Mode.IN_PERSON not in row.days.values():
            kept.append(row)
            continue
        refusal = seats.refusal(row.data.unit, row.days)
        if refusal is not None:
            day = formats.date_format(refusal.day, "l, j F Y")
            if refusal.code == QUOTA_EXCEEDED:
                message = _(
                    "Kuota luring %(unit)s (%(seats)d kursi) sudah penuh untuk %(day)s: %(used)d kursi sudah terpakai "
                    "(termasuk baris sebelumnya di berkas ini). Ubah menjadi daring atau minta tambahan kuota."
                ) % {"unit": lookups.units_by_pk[refusal.quota.unit_id].name, "seats": refusal.seats, "day": day,
                     "used": refusal.used}
            else:
                message = _("Kapasitas luring acara (%(cap)d kursi) sudah penuh untuk %(day)s.") % {
                    "cap": refusal.seats, "day": day}
            index = row.day_columns.get(refusal.day)
            if index is None:
                report.issues.append(RowIssue(row.number, "", "", message))
            else:
                report.issues.append(RowIssue(row.number, columns.name(index), columns.letter(index), message))
            report.bad_rows.add(row.number)
            if row.registration_id in old_days:
                seats.book(*old_days[row.registration_id])  # it keeps its old days
            continue
        seats.book(row.data.unit, row.days)
        kept.append(row)
    return kept


# ---------------------------------------------------------------- writing


_UPDATABLE = ("full_name", "id_kind", "id_number", "position", "rank", "unit_id", "email", "whatsapp", "gender")


def _apply(event: Event, rows: list[_Row], lookups: _Lookups, report: ImportReport, by) -> None:
    now = timezone.now()
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    status = Registration.Status.PENDING if event.requires_approval else Registration.Status.APPROVED

    # Participants: create the new, update the known (blank cells never blank out stored data).
    new_people: list[tuple[_Row, Participant]] = []
    updates: list[tuple[Participant, tuple]] = []
    for row in rows:
        d = row.data
        values = {"full_name": d.full_name, "id_kind": d.id_kind, "id_number": d.id_number, "position": d.position,
                  "rank": d.rank, "unit_id": d.unit.pk, "email": d.email, "whatsapp": d.whatsapp, "gender": d.gender}
        if row.participant_id is None:
            new_people.append((row, Participant(**values)))
            continue
        stored = lookups.participants[row.participant_id]
        diff = {k: v for k, v in values.items() if v not in ("", None) and stored[k] != v}
        if diff:
            p = Participant(pk=row.participant_id, updated_at=now, **diff)
            updates.append((p, tuple(sorted(diff))))
    for start in range(0, len(new_people), CHUNK):
        batch = new_people[start:start + CHUNK]
        Participant.objects.bulk_create([p for _r, p in batch])
        for row, p in batch:
            row.participant_id = p.pk
    report.created_participants = len(new_people)
    # bulk_update writes the same columns for every object: group by the set of changed fields.
    by_fields: dict[tuple, list] = defaultdict(list)
    for p, fields in updates:
        by_fields[fields].append(p)
    for fields, objs in by_fields.items():
        Participant.objects.bulk_update(objs, list(fields) + ["updated_at"], batch_size=CHUNK)

    # Registrations: create the new ones; for the existing ones change role and days.
    new_regs = [row for row in rows if row.registration_id is None]
    for start in range(0, len(new_regs), CHUNK):
        batch = new_regs[start:start + CHUNK]
        basis = lawful_basis_fields(channel=Registration.Channel.IMPORT, now=now)  # the importer saw the notice
        objs = [Registration(event=event, participant_id=row.participant_id, role=row.role, status=status,
                             channel=Registration.Channel.IMPORT, registered_by=user, **basis) for row in batch]
        Registration.give_fresh_short_codes(objs)
        Registration.objects.bulk_create(objs)
        for row, reg in zip(batch, objs):
            row.registration_id = reg.pk
    new_ids = {row.registration_id for row in new_regs}
    old_regs = [row for row in rows if row.registration_id not in new_ids]
    role_changes = [Registration(pk=row.registration_id, role=row.role, updated_at=now) for row in old_regs
                    if lookups.registrations[row.participant_id][2] != row.role]
    Registration.objects.bulk_update(role_changes, ["role", "updated_at"], batch_size=CHUNK)
    old_ids = [row.registration_id for row in old_regs]
    for chunk in _chunks(old_ids, _in_chunk()):
        RegistrationDay.objects.filter(registration_id__in=chunk).delete()
    if old_ids:
        # Touch updated_at of every updated registration (its days changed or were confirmed).
        for chunk in _chunks(old_ids, _in_chunk()):
            Registration.objects.filter(pk__in=chunk).update(updated_at=now)
    day_objs = (RegistrationDay(registration_id=row.registration_id, date=day, mode=mode)
                for row in rows for day, mode in sorted(row.days.items()))
    batch = []
    for obj in day_objs:
        batch.append(obj)
        if len(batch) >= CHUNK * 3:
            RegistrationDay.objects.bulk_create(batch)
            batch = []
    if batch:
        RegistrationDay.objects.bulk_create(batch)
    report.registration_ids = [row.registration_id for row in rows]


def import_participants(
    *, event: Event, source, filename: str | None = None, dry_run: bool = True, by=None,
    header_row: int | None = None, accept_column_warnings: bool = False,
) -> ImportReport:
    """Check (dry run) or import an .xlsx/.csv of participants for `event`.

    The header is the first of the top rows that names the required columns (or `header_row`,
    1-based, when the organiser picked one). An unknown column that looks like phone numbers or
    e-mail addresses is a warning (report.column_warnings): an apply raises ImportFileError
    unless `accept_column_warnings` says the organiser read it.

    Guarantees: raises ImportFileError (message for the user, nothing written) when the
    file as a whole is unusable; otherwise bad rows are reported by row and column and
    skipped, good rows are written in one transaction. Idempotent: a person already
    known by number (else e-mail) is updated, and their registration for this event
    gets the file's role and days instead of a second registration. Sends nothing:
    portal links go out through :func:`import_send_links`.
    """
    import time

    started = time.monotonic()
    if filename is None:
        filename = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "")
    report = ImportReport(event=event, dry_run=dry_run, filename=os.path.basename(filename or ""))
    if dry_run:
        _validate(event, source, filename, report, lock=False, header_row=header_row)
    else:
        with transaction.atomic():
            rows, lookups = _validate(event, source, filename, report, lock=True, header_row=header_row)
            if report.column_warnings and not accept_column_warnings:
                raise ImportFileError(" ".join(report.column_warnings))
            writing = time.monotonic()
            _apply(event, rows, lookups, report, by)
            _audit_import(event, report, by)
            report.seconds_writing = time.monotonic() - writing
        log.info("import into %s: %d created, %d updated, %d skipped", event.slug, report.created, report.updated,
                 report.skipped)
    report.seconds = time.monotonic() - started
    return report


def _audit_import(event: Event, report: ImportReport, by) -> None:
    """One audit entry per import run (bulk writes send no per-row signal): the file, the counts and
    which registrations it created or changed, so a registration's history can be traced to the file."""
    from rakor.audit import audit_record

    audit_record(actor=by, action="import", obj=event, event=event, before=None, after={
        "file": report.filename, "created": report.created, "updated": report.updated, "skipped": report.skipped,
        "registration_ids": sorted(report.registration_ids),
    })


def import_send_links(*, event: Event, registration_ids) -> int:
    """Queue the portal-link e-mail for these registrations of `event` (those with an e-mail address).

    Imports never send by themselves; an organiser calls this (admin action "Kirim tautan
    portal"). Queued on commit, one task per registration; returns how many were queued.
    """
    from .tasks import send_portal_link

    ids = list(
        Registration.objects.filter(event=event, pk__in=list(registration_ids), status__in=Registration.ACTIVE_STATUSES)
        .exclude(participant__email="").values_list("pk", flat=True)
    )

    def queue():
        for pk in ids:
            send_portal_link.delay(pk)

    transaction.on_commit(queue)
    return len(ids)


# ---------------------------------------------------------------- template for organisers


def import_template_xlsx(event: Event) -> bytes:
    """An .xlsx with the expected headers, one example row (marked CONTOH: never imported), a sheet
    "unit" with every unit's code and name (the unit column offers them as a list) and a guide sheet."""
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .identity import compose_nip

    workbook = exports.new_workbook()
    sheet = workbook.active
    sheet.title = "peserta"
    day_headers = [f"hari_{i + 1}" for i in range(len(event.days))]
    headers = TEMPLATE_HEADERS + day_headers
    exports.xlsx_append(sheet, headers)
    unit = Unit.objects.order_by("sort_order", "name").first()
    example = [f"{EXAMPLE_MARK} - Dr. H. Ahmad Fauzi, M.Ag.", "nip",
               compose_nip(birth=dt.date(1975, 5, 12), appointed=dt.date(2003, 12, 1), gender="L", sequence=3),
               "Kepala Bagian Tata Usaha", "Pembina (IV/a)", unit.code if unit else "kode-unit",
               "ahmad.fauzi@kemenag.go.id", "081234567890", "peserta"] + ["luring"] + ["daring"] * (len(day_headers) - 1)
    exports.xlsx_append(sheet, example[:len(headers)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:  # the example row looks like one: grey and italic
        cell.font = Font(italic=True, color="808080")
    # NIP and phone numbers must be text: Excel keeps only 15 significant digits of a number.
    for column in ("C", "H"):
        for row in range(2, 5002):
            sheet[f"{column}{row}"].number_format = "@"
    for letter, width in zip("ABCDEFGHIJKL", (32, 16, 22, 30, 22, 24, 30, 18, 14, 10, 10, 10)):
        sheet.column_dimensions[letter].width = width
    validations = [
        ('"nip,pppk,lainnya"', "B2:B5001"),
        ('"peserta,narasumber,moderator,panitia"', "I2:I5001"),
    ]
    if day_headers:
        from openpyxl.utils import get_column_letter

        first, last = get_column_letter(len(TEMPLATE_HEADERS) + 1), get_column_letter(len(headers))
        validations.append(('"luring,daring"', f"{first}2:{last}5001"))
    for formula, ref in validations:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.add(ref)
        sheet.add_data_validation(dv)
    # Every unit's code and name on a sheet of its own; the unit column offers the codes as a list
    # (a warning, not a stop, when someone types a name instead: names are accepted too).
    units = workbook.create_sheet("unit")
    exports.xlsx_append(units, [str(_("kode")), str(_("nama unit")), str(_("singkatan")), str(_("provinsi"))])
    for cell in units[1]:
        cell.font = Font(bold=True)
    count = 0
    for code, name, short, province in Unit.objects.order_by("path").values_list("code", "name", "short_name",
                                                                                 "province"):
        exports.xlsx_append(units, [code, name, short, province])
        count += 1
    for letter, width in zip("ABCD", (30, 60, 30, 24)):
        units.column_dimensions[letter].width = width
    if count:
        dv = DataValidation(type="list", formula1=f"unit!$A$2:$A${count + 1}", allow_blank=True, errorStyle="warning",
                            showErrorMessage=True, errorTitle=str(_("Unit tidak ada di daftar")),
                            error=str(_("Pilih kode dari lembar \"unit\", atau tulis nama unitnya.")))
        dv.add("F2:F5001")
        sheet.add_data_validation(dv)
    guide = workbook.create_sheet("petunjuk")
    for line in (
        _("Isi satu baris per orang di lembar \"peserta\"; baris 1 adalah judul kolom dan jangan diubah."),
        _("Kolom wajib: nama, nip (atau nomor_identitas), unit."),
        _("jenis_identitas: nip, pppk atau lainnya (tamu tanpa NIP); kosong berarti nip."),
        _("unit: kode unit dari lembar \"unit\" (pilih dari daftar), atau nama unitnya seperti biasa ditulis "
          "(mis. \"Kankemenag Kab. Bandung\")."),
        _("Baris 2 adalah contoh (namanya diawali \"CONTOH\") dan tidak pernah diimpor; boleh dibiarkan atau dihapus."),
        _("peran: peserta, narasumber, moderator atau panitia; kosong berarti peserta."),
        _("hari_1, hari_2, ...: luring (hadir di tempat) atau daring; kolom yang kosong berarti daring."),
        _("NIP dan nomor WhatsApp ditulis sebagai teks (kolom sudah diformat Teks)."),
        _("Mengimpor berkas yang sama lagi tidak membuat data ganda: data orang dengan NIP atau e-mail yang sama diperbarui."),
    ):
        exports.xlsx_append(guide, [str(line)])
    guide.column_dimensions["A"].width = 110
    return exports.xlsx_save(workbook)
