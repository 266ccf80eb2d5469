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

import csv
import datetime as dt
import io
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

from rakor.models import Event, Unit

from .models import Participant, Registration, RegistrationDay, UnitQuota
from .services import ParticipantData

log = logging.getLogger("rakor.attendance")

Mode = RegistrationDay.Mode

# field -> accepted header names (normalised: lower case, spaces/dashes/slashes -> "_").
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": ("nama", "nama_lengkap", "name", "full_name"),
    "id_kind": ("jenis_identitas", "id_kind", "identity_type"),
    "id_number": ("nip", "nomor_identitas", "no_identitas", "nip_nomor", "id_number", "number"),
    "position": ("jabatan", "position"),
    "rank": ("pangkat_golongan", "pangkat", "golongan", "rank"),
    "unit": ("unit", "unit_kerja", "kode_unit", "unit_code"),
    "email": ("email", "e_mail", "surel"),
    "whatsapp": ("whatsapp", "wa", "nomor_whatsapp", "no_wa", "phone"),
    "role": ("peran", "role"),
    "mode": ("mode", "cara_hadir"),
}
REQUIRED_FIELDS = ("full_name", "id_number", "unit")
_DAY_HEADER = re.compile(r"^(?:hari|day)_?(\d+)$")

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


def _normalise_header(text) -> str:
    text = str(text or "").strip().lower()
    text = re.sub(r"[\s\-/.]+", "_", text)
    return text.strip("_")


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
    from openpyxl import load_workbook

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
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        log.info("unreadable xlsx: %r", exc)
        raise ImportFileError(_("Berkas Excel ini rusak atau tidak dapat dibaca. Simpan ulang sebagai .xlsx lalu unggah lagi."))
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        log.info("unreadable xlsx: %r", exc)
        raise ImportFileError(_("Berkas Excel ini rusak atau tidak dapat dibaca. Simpan ulang sebagai .xlsx lalu unggah lagi."))
    try:
        sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _csv_rows(source) -> Iterator[list]:
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            raw = fh.read()
    else:
        source.seek(0)
        raw = source.read()
    if isinstance(raw, str):
        text = raw.lstrip("\ufeff")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("Berkas CSV harus disimpan dengan pengodean UTF-8 (di Excel: \"CSV UTF-8\")."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_table(source, filename: str) -> tuple[Iterator[tuple], bool]:
    """(rows iterator, is_spreadsheet) for an .xlsx or .csv file; raises ImportFileError."""
    size = _file_size(source)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ImportFileError(_("Berkas terlalu besar (%(size)s); batasnya %(limit)s. Pecah menjadi beberapa berkas.") % {
            "size": _human_size(size), "limit": _human_size(limit)})
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


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(n // 1024, 1)} KB"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value).strip()


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


def _parse_header(row, event: Event, spreadsheet: bool) -> tuple[Columns, list[str]]:
    headers = [_text(v) for v in row]
    while headers and not headers[-1]:
        headers.pop()
    alias_to_field = {alias: f for f, aliases in HEADER_ALIASES.items() for alias in aliases}
    fields: dict[str, int] = {}
    days: dict[int, int] = {}
    unknown: list[str] = []
    n_days = len(event.days)
    for index, header in enumerate(headers):
        key = _normalise_header(header)
        if not key:
            continue
        if key in alias_to_field:
            fields.setdefault(alias_to_field[key], index)
            continue
        match = _DAY_HEADER.match(key)
        if match:
            number = int(match.group(1))
            if not 1 <= number <= n_days:
                raise ImportFileError(
                    _("Kolom \"%(header)s\" tidak cocok: acara ini %(n)d hari (hari_1 sampai hari_%(n)d).")
                    % {"header": header, "n": n_days})
            days.setdefault(number - 1, index)
            continue
        unknown.append(header)
    missing = [HEADER_ALIASES[f][0] for f in REQUIRED_FIELDS if f not in fields]
    if missing:
        found = ", ".join(h for h in headers if h) or _("(tidak ada)")
        raise ImportFileError(
            _("Kolom wajib tidak ditemukan: %(missing)s. Kolom yang ada di baris 1: %(found)s. "
              "Unduh templat untuk melihat nama kolom yang benar.") % {"missing": ", ".join(missing), "found": found})
    notes = []
    if unknown:
        notes.append(_("Kolom yang tidak dikenal dan diabaikan: %(cols)s.") % {"cols": ", ".join(unknown)})
    return Columns(fields=fields, days=days, headers=headers, spreadsheet=spreadsheet), notes


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
        for unit in Unit.objects.only("pk", "code", "name", "path", "province", "kind"):
            self.units_by_code[unit.code.lower()] = unit
            self.units_by_name[" ".join(unit.name.lower().split())].append(unit)
            self.units_by_pk[unit.pk] = unit
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
        self.quotas: dict[int, UnitQuota] = {q.unit_id: q for q in UnitQuota.objects.filter(event=event)}
        self._governing: dict[int, UnitQuota | None] = {}

    def unit(self, text: str) -> tuple[Unit | None, str]:
        key = text.strip().lower()
        if key in self.units_by_code:
            return self.units_by_code[key], ""
        found = self.units_by_name.get(" ".join(key.split()), [])
        if len(found) == 1:
            return found[0], ""
        if len(found) > 1:
            return None, _("Nama unit \"%(unit)s\" dipakai oleh lebih dari satu unit; isi kode unitnya.") % {"unit": text}
        return None, _("Unit \"%(unit)s\" tidak ditemukan. Isi kode unit atau nama unit persis seperti di daftar unit.") % {
            "unit": text}

    def governing_quota(self, unit_id: int) -> UnitQuota | None:
        """The quota that governs a unit: its own, else the nearest ancestor's (as services.quota_for_unit)."""
        if unit_id not in self._governing:
            unit = self.units_by_pk.get(unit_id)
            quota = None
            if unit is not None:
                for pk in reversed([int(x) for x in unit.path.strip("/").split("/") if x]):
                    if pk in self.quotas:
                        quota = self.quotas[pk]
                        break
            self._governing[unit_id] = quota
        return self._governing[unit_id]


def _in_chunk() -> int:
    return 900 if connection.vendor == "sqlite" else 5000


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


_PARTICIPANT_ERROR_FIELD = {"full_name": "full_name", "id_number": "id_number", "whatsapp": "whatsapp"}


def _validate(event: Event, source, filename: str, report: ImportReport, lock: bool) -> tuple[list[_Row], _Lookups | None]:
    rows_iter, spreadsheet = read_table(source, filename)
    try:
        header = next(rows_iter)
    except StopIteration:
        raise ImportFileError(_("Berkas kosong: tidak ada baris judul kolom maupun data."))
    if all(_is_blank(v) for v in header):
        raise ImportFileError(_("Baris 1 harus berisi judul kolom (nama, nip, unit, ...), tetapi kosong."))
    columns, notes = _parse_header(header, event, spreadsheet)
    report.notes.extend(notes)

    raw_rows: list[tuple[int, tuple]] = []
    for number, values in enumerate(rows_iter, start=2):
        if values is None or all(_is_blank(v) for v in values):
            continue
        raw_rows.append((number, values))
    report.rows = len(raw_rows)
    if not raw_rows:
        raise ImportFileError(_("Berkas hanya berisi baris judul kolom; belum ada data peserta."))

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
    if lock:
        # Coordinators may be registering at the same time: hold the quota rows (and the
        # event row when it has a capacity) as services._check_seats does.
        list(UnitQuota.objects.select_for_update().filter(event=event).values_list("pk", flat=True))
        if event.in_person_capacity is not None:
            Event.objects.select_for_update().filter(pk=event.pk).first()
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
        if isinstance(raw_id, float) and abs(raw_id) >= 1e15:
            id_reported = True
            issue(number, f["id_number"], _(
                "Nomor terbaca sebagai angka (%(shown)s) sehingga digit terakhirnya hilang. Format kolom ini sebagai "
                "Teks di Excel lalu ketik ulang nomornya.") % {"shown": f"{raw_id:.6E}"})
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

    good = _check_seats(event, good, lookups, report, columns)
    report.good = len(good)
    report.created = sum(1 for r in good if r.registration_id is None)
    report.updated = report.good - report.created
    report.issues.sort(key=lambda i: (i.row, i.letter.rjust(3) if i.letter else i.column))
    return good, lookups


def _check_seats(event: Event, rows: list[_Row], lookups: _Lookups, report: ImportReport, columns: Columns) -> list[_Row]:
    """Drop (and report) rows whose in-person days would pass a unit quota or the event capacity.

    Counts what is already registered (active, in person) plus what this file adds, in
    file order; nested quotas count apart, as services._quota_scope does.
    """
    if not lookups.quotas and event.in_person_capacity is None:
        return rows
    if not any(mode == Mode.IN_PERSON for row in rows for mode in row.days.values()):
        return rows
    used: dict[tuple, int] = defaultdict(int)  # (quota pk, date) -> seats
    total: dict[dt.date, int] = defaultdict(int)
    old_days: dict[int, list] = defaultdict(list)  # registration pk -> [(unit_id, date)]
    for reg_id, unit_id, day in RegistrationDay.objects.filter(
        registration__event=event, registration__status__in=Registration.ACTIVE_STATUSES, mode=Mode.IN_PERSON,
    ).values_list("registration_id", "registration__participant__unit_id", "date"):
        old_days[reg_id].append((unit_id, day))
        quota = lookups.governing_quota(unit_id)
        if quota is not None:
            used[(quota.pk, day)] += 1
        total[day] += 1

    def release(reg_id, sign):
        for unit_id, day in old_days.get(reg_id, ()):
            quota = lookups.governing_quota(unit_id)
            if quota is not None:
                used[(quota.pk, day)] += sign
            total[day] += sign

    # A row that updates a registration replaces its days: its old seats are freed first.
    for row in rows:
        if row.registration_id:
            release(row.registration_id, -1)
    kept = []
    for row in rows:
        status_active = True
        if row.participant_id is not None and row.participant_id in lookups.registrations:
            status_active = lookups.registrations[row.participant_id][1] in Registration.ACTIVE_STATUSES
        in_person = [d for d, m in sorted(row.days.items()) if m == Mode.IN_PERSON]
        if not status_active or not in_person:
            kept.append(row)
            continue
        quota = lookups.governing_quota(row.data.unit.pk)
        problem = None
        for day in in_person:
            if quota is not None and used[(quota.pk, day)] + 1 > quota.in_person_seats:
                problem = day, _(
                    "Kuota luring %(unit)s (%(seats)d kursi) sudah penuh untuk %(day)s: %(used)d kursi sudah terpakai "
                    "(termasuk baris sebelumnya di berkas ini). Ubah menjadi daring atau minta tambahan kuota."
                ) % {"unit": lookups.units_by_pk[quota.unit_id].name, "seats": quota.in_person_seats,
                     "day": formats.date_format(day, "l, j F Y"), "used": used[(quota.pk, day)]}
                break
            if event.in_person_capacity is not None and total[day] + 1 > event.in_person_capacity:
                problem = day, _("Kapasitas luring acara (%(cap)d kursi) sudah penuh untuk %(day)s.") % {
                    "cap": event.in_person_capacity, "day": formats.date_format(day, "l, j F Y")}
                break
        if problem is not None:
            day, message = problem
            index = row.day_columns.get(day)
            if index is None:
                report.issues.append(RowIssue(row.number, "", "", message))
            else:
                report.issues.append(RowIssue(row.number, columns.name(index), columns.letter(index), message))
            report.bad_rows.add(row.number)
            if row.registration_id:
                release(row.registration_id, +1)  # it keeps its old days
            continue
        for day in in_person:
            if quota is not None:
                used[(quota.pk, day)] += 1
            total[day] += 1
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
        objs = [Registration(event=event, participant_id=row.participant_id, role=row.role, status=status,
                             channel=Registration.Channel.IMPORT, registered_by=user) for row in batch]
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
) -> ImportReport:
    """Check (dry run) or import an .xlsx/.csv of participants for `event`.

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
        _validate(event, source, filename, report, lock=False)
    else:
        with transaction.atomic():
            rows, lookups = _validate(event, source, filename, report, lock=True)
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
    """An .xlsx with the expected headers, one example row and a short guide sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .identity import compose_nip

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "peserta"
    day_headers = [f"hari_{i + 1}" for i in range(len(event.days))]
    headers = TEMPLATE_HEADERS + day_headers
    sheet.append(headers)
    unit = Unit.objects.order_by("sort_order", "name").first()
    example = ["Dr. H. Ahmad Fauzi, M.Ag.", "nip",
               compose_nip(birth=dt.date(1975, 5, 12), appointed=dt.date(2003, 12, 1), gender="L", sequence=3),
               "Kepala Bagian Tata Usaha", "Pembina (IV/a)", unit.code if unit else "kode-unit",
               "ahmad.fauzi@kemenag.go.id", "081234567890", "peserta"] + ["luring"] + ["daring"] * (len(day_headers) - 1)
    sheet.append(example[:len(headers)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
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
    guide = workbook.create_sheet("petunjuk")
    for line in (
        _("Isi satu baris per orang di lembar \"peserta\"; baris 1 adalah judul kolom dan jangan diubah."),
        _("Kolom wajib: nama, nip (atau nomor_identitas), unit."),
        _("jenis_identitas: nip, pppk atau lainnya (tamu tanpa NIP); kosong berarti nip."),
        _("unit: kode unit atau nama unit persis seperti di daftar unit."),
        _("peran: peserta, narasumber, moderator atau panitia; kosong berarti peserta."),
        _("hari_1, hari_2, ...: luring (hadir di tempat) atau daring; kolom yang kosong berarti daring."),
        _("NIP dan nomor WhatsApp ditulis sebagai teks (kolom sudah diformat Teks)."),
        _("Mengimpor berkas yang sama lagi tidak membuat data ganda: data orang dengan NIP atau e-mail yang sama diperbarui."),
    ):
        guide.append([str(line)])
    guide.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
