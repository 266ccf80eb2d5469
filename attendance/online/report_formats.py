"""Reading the participant reports meeting platforms produce, as organisers receive them.

Shapes read (the header row is found by its columns, wherever it is):
- Zoom's participant report, with or without the meeting block above it (``Meeting ID,Topic,
  Start Time,…``), including its "unique users" export (one line per person with
  ``Total Duration (Minutes)`` and no join or leave times) and the ``In Waiting Room`` column
  (waiting-room lines never count);
- the same files opened and saved again by Excel: Indonesian regional settings write ``;``
  between columns and ``22/11/2022 7:58``, English ones ``,`` and ``11/22/2022 7:58``;
- Google Meet's attendance CSV (``First name, Last name, Email, Duration, Time joined, Time
  exited``; times of day only, on the session's date);
- Microsoft Teams' attendance report: UTF-16, tab-separated, a summary section first, then the
  participants (``First Join``/``Last Leave``) and, in newer reports, every join and leave
  ("In-Meeting Activities", preferred when present).

The column separator is the one under which a participant header row is found. The order of
day and month is never guessed in silence: a date whose first number is over 12 (``22/11``)
settles it for the file; otherwise the session's date does, and a line whose date could be read
either way but falls outside the session under the order taken is refused with its line number.
Every decision is returned as a note for the organiser.

Pure reading: nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _

from rakor import tabular

DELIMITERS = (",", ";", "\t")
_TRUE = {"yes", "ya", "y", "true", "1"}


class ReportFormatError(ValueError):
    """The file is not a participant report we can read (no header row found, not text)."""


@dataclass
class ReportLine:
    """One participant line of the report, as read (``problem`` set when it cannot be used)."""

    line: int
    name: str = ""
    email: str = ""
    joined_at: dt.datetime | None = None
    left_at: dt.datetime | None = None
    problem: str = ""


@dataclass
class Columns:
    kind: str  # "intervals" (a line per join), "span" (first join to last leave), "duration" (total only)
    name: int | None
    email: int | None
    join: int | None
    leave: int | None
    duration: int | None = None
    waiting: int | None = None
    last_name: int | None = None  # Google Meet splits the name in two
    headers: list = field(default_factory=list)

    @property
    def join_header(self) -> str:
        return self.headers[self.join] if self.join is not None else ""

    @property
    def leave_header(self) -> str:
        return self.headers[self.leave] if self.leave is not None else ""


@dataclass
class ParsedReport:
    lines: list[ReportLine]
    notes: list[str]
    platform: str


# ---------------------------------------------------------------- text and columns


def decode(data: bytes) -> str:
    """Text of the file: UTF-16 with a BOM (Teams), UTF-8 (with or without BOM), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportFormatError(_("Berkas tidak dapat dibaca sebagai teks (CSV)."))


def _key(cell: str) -> str:
    return " ".join(cell.strip().strip('"').strip("\ufeff").lower().split())


def _find(keys, *starts, exact=()) -> int | None:
    for i, k in enumerate(keys):
        if k in exact or any(k.startswith(s) for s in starts):
            return i
    return None


def header_columns(cells: list[str]) -> Columns | None:
    """The participant columns of a header row, or None when the row is not one."""
    keys = [_key(c) for c in cells]
    headers = [c.strip().strip('"').strip("\ufeff") for c in cells]
    first = _find(keys, "first name", exact=("nama depan",))
    last = _find(keys, "last name", exact=("nama belakang",))
    name = first if first is not None else _find(
        keys, "name", "full name", "participant name", "display name", exact=("nama", "participant", "nama peserta"))
    if name is None:
        return None
    email = _find(keys, "user email", "email", "e-mail", "participant email", exact=("alamat email",))
    waiting = _find(keys, "in waiting room")
    duration = _find(keys, "total duration", "duration", "in-meeting duration", "durasi")
    join = _find(keys, "join time", "time joined", "joined at", "first seen", "waktu bergabung", "jam masuk")
    leave = _find(keys, "leave time", "time exited", "left at", "last seen", "waktu keluar", "jam keluar")
    common = dict(name=name, email=email, duration=duration, waiting=waiting, headers=headers,
                  last_name=last if first is not None else None)
    if join is not None and leave is not None:
        return Columns(kind="intervals", join=join, leave=leave, **common)
    first_join, last_leave = _find(keys, "first join"), _find(keys, "last leave")
    if first_join is not None and last_leave is not None:
        return Columns(kind="span", join=first_join, leave=last_leave, **common)
    if duration is not None and any(k.startswith(("total duration", "duration")) for k in keys):
        return Columns(kind="duration", join=None, leave=None, **common)
    return None


def _rows(text: str, delimiter: str):
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in tabular.bounded_rows(reader):
            yield reader.line_num, cells
    except tabular.InputRefused as exc:
        raise ReportFormatError(exc.message) from exc
    except csv.Error as exc:
        raise ReportFormatError(_("Baris %(row)d tidak dapat dibaca sebagai CSV (%(error)s).") % {
            "row": reader.line_num, "error": exc}) from exc


def _delimiter(text: str) -> str | None:
    """The separator under which a participant header row is found (the first one of the file)."""
    found = []
    for delimiter in DELIMITERS:
        for number, cells in _rows(text, delimiter):
            if len(cells) > 1 and header_columns(cells) is not None:
                found.append((number, -len(cells), delimiter))
                break
            if number > 200:
                break
    return min(found)[2] if found else None


# ---------------------------------------------------------------- dates and times

_DATE_TIME = re.compile(
    r"^(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{2,4}),?\s+"
    r"(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?$")
_TIME = re.compile(r"^(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?$")


@dataclass
class _Stamp:
    text: str
    a: int = 0  # first and second number of a dd/mm or mm/dd date (0 for ISO and time-only)
    b: int = 0
    year: int = 0
    clock: tuple = ()  # (hour, minute, second)
    iso: dt.datetime | None = None
    time_only: bool = False

    @property
    def ambiguous(self) -> bool:
        return bool(self.a) and self.a <= 12 and self.b <= 12 and self.a != self.b

    def date(self, day_first: bool) -> dt.date | None:
        day, month = (self.a, self.b) if day_first else (self.b, self.a)
        try:
            return dt.date(self.year, month, day)
        except ValueError:
            return None


def _clock(match) -> tuple | None:
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    ampm = (match["ampm"] or "").replace(".", "").replace(" ", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _stamp(text: str) -> _Stamp | None:
    text = " ".join(text.strip().split())
    if not text:
        return None
    if _ISO.match(text):
        try:
            return _Stamp(text=text, iso=dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return None
    match = _DATE_TIME.match(text)
    if match:
        clock = _clock(match)
        if clock is None:
            return None
        a, b, c = match["a"], int(match["b"]), match["c"]
        if len(a) == 4:  # 2022/11/21: a date that starts with the year is always year/month/day
            when = _iso_from(int(a), b, int(c), clock)
            return _Stamp(text=text, iso=when) if when else None
        year = int(c) + (2000 if len(c) == 2 else 0)
        return _Stamp(text=text, a=int(a), b=b, year=year, clock=clock)
    match = _TIME.match(text)
    if match:
        clock = _clock(match)
        return _Stamp(text=text, clock=clock, time_only=True) if clock else None
    return None


def parse_stamp(value: str, tz, *, day_first: bool = False) -> dt.datetime | None:
    """One time stamp read on its own (Zoom's own order is month first: ``11/21/2022 09:02:13 AM``)."""
    stamp = _stamp(value)
    return _when(stamp, day_first, tz, None) if stamp is not None else None


def _iso_from(year, month, day, clock) -> dt.datetime | None:
    try:
        return dt.datetime(year, month, day, *clock)
    except ValueError:
        return None


def _duration(text: str) -> dt.timedelta | None:
    """'45', '45.5' (minutes), '1:02:03', '2h 2m 29s', '1 hr 2 min', '62 menit' -> a timedelta."""
    text = text.strip().lower().replace(",", ".")
    if not text:
        return None
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return dt.timedelta(minutes=float(text))
    match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})", text)
    if match:
        hours = int(match.group(1) or 0)
        return dt.timedelta(hours=hours, minutes=int(match.group(2)), seconds=int(match.group(3)))
    total, found = dt.timedelta(0), False
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(jam|hours?|hrs?|h|menit|minutes?|mins?|m|detik|seconds?|secs?|s)\b",
                                   text):
        found = True
        value = float(number)
        if unit.startswith(("j", "h")):
            total += dt.timedelta(hours=value)
        elif unit.startswith(("d", "s")):
            total += dt.timedelta(seconds=value)
        else:
            total += dt.timedelta(minutes=value)
    return total if found else None


def _long_date(day: dt.date) -> str:
    return formats.date_format(day, "j F Y")


# ---------------------------------------------------------------- the report


@dataclass
class _Raw:
    line: int
    columns: Columns
    cells: list
    meeting_start: str = ""


def read_report(data: bytes, tz, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> ParsedReport:
    """Every participant line of a meeting platform's report, with notes on how it was read.

    `start`/`end` (the session's) settle the order of day and month when the file does not.
    Raises ReportFormatError when no participant header row is found, for more lines than
    IMPORT_MAX_ROWS (rakor.tabular), or for a line csv cannot read.
    """
    text = decode(data)
    delimiter = _delimiter(text)
    if delimiter is None:
        raise ReportFormatError(_(
            "Baris judul laporan peserta tidak ditemukan: berkas harus memuat kolom nama peserta dan jam bergabung "
            "dan keluar (\"Join Time\"/\"Leave Time\" Zoom, \"Time joined\"/\"Time exited\" Google Meet, \"First "
            "Join\"/\"Last Leave\" Microsoft Teams) atau total durasinya."))
    notes: list[str] = []
    raws: list[_Raw] = []
    columns = None
    meeting_header = None
    meeting_start = ""
    teams = False
    for number, cells in _rows(text, delimiter):
        blank = not any(c.strip() for c in cells)
        if blank:
            columns = None  # a blank line ends a table (Teams: its sections; Zoom: the meeting block)
            continue
        found = header_columns(cells)
        if found is not None:
            columns = found
            continue
        keys = [_key(c) for c in cells]
        if keys and keys[0] in ("1. summary", "1. ringkasan", "meeting title", "meeting summary"):
            teams = True
        if "meeting id" in keys and "start time" in keys:
            meeting_header = keys.index("start time")
            continue
        if meeting_header is not None and columns is None and not meeting_start:
            meeting_start = cells[meeting_header].strip() if meeting_header < len(cells) else ""
            meeting_header = None
            continue
        if columns is None:
            continue
        raws.append(_Raw(line=number, columns=columns, cells=cells))
    platform = _platform(raws, teams)
    kinds = {raw.columns.kind for raw in raws}
    if "intervals" in kinds and "span" in kinds:  # Teams: each join and leave beats first-join-to-last-leave
        raws = [raw for raw in raws if raw.columns.kind == "intervals"]
        notes.append(_("Laporan memuat ringkasan per orang dan setiap kali bergabung/keluar; yang dipakai adalah "
                       "setiap kali bergabung/keluar."))
    if delimiter != ",":
        notes.append(_("Kolom dipisahkan dengan %(sep)s.") % {
            "sep": _("titik koma (;), seperti berkas yang disimpan ulang Excel berpengaturan Indonesia")
            if delimiter == ";" else _("tab")})
    day_first = _date_order(raws, meeting_start, start, end, tz, notes)
    lines = [_line(raw, day_first, tz, start, end, meeting_start) for raw in raws]
    if any(raw.columns.kind == "duration" for raw in raws):
        notes.append(_("Laporan ini (pengguna unik) hanya memuat total durasi per orang, tanpa jam bergabung dan "
                       "keluar: menit dihitung dari durasi itu, mulai awal sesi."))
    waiting = sum(1 for item in lines if item.problem and "ruang tunggu" in item.problem)
    if waiting:
        notes.append(_("%(n)d baris di ruang tunggu (In Waiting Room = Yes) tidak dihitung sebagai kehadiran.") % {
            "n": waiting})
    notes.insert(0, _("Dibaca sebagai: %(platform)s.") % {"platform": platform})
    return ParsedReport(lines=lines, notes=notes, platform=platform)


def _platform(raws: list[_Raw], teams: bool) -> str:
    if teams or any(raw.columns.kind == "span" for raw in raws):
        return _("Laporan kehadiran Microsoft Teams")
    if any(raw.columns.last_name is not None for raw in raws):
        return _("Laporan kehadiran Google Meet")
    return _("Laporan peserta Zoom")


def _date_order(raws, meeting_start, start, end, tz, notes) -> bool | None:
    """True for day-first, False for month-first, None when no date needs the choice."""
    stamps = []
    for raw in raws:
        for index in (raw.columns.join, raw.columns.leave):
            if index is not None and index < len(raw.cells):
                stamp = _stamp(raw.cells[index])
                if stamp is not None and stamp.a:
                    stamps.append((raw.line, stamp))
    if meeting_start:
        stamp = _stamp(meeting_start)
        if stamp is not None and stamp.a:
            stamps.append((0, stamp))
    if not stamps:
        return None
    day_first_proof = next(((line, s) for line, s in stamps if s.a > 12), None)
    month_first_proof = next(((line, s) for line, s in stamps if s.b > 12), None)
    if day_first_proof and month_first_proof:
        raise ReportFormatError(_(
            "Tanggal di berkas ini bercampur: baris %(l1)d (\"%(t1)s\") hanya dapat dibaca hari/bulan, baris %(l2)d "
            "(\"%(t2)s\") hanya dapat dibaca bulan/hari. Ekspor ulang laporannya dari platform rapat tanpa diubah.") % {
            "l1": day_first_proof[0], "t1": day_first_proof[1].text, "l2": month_first_proof[0],
            "t2": month_first_proof[1].text})
    if day_first_proof or month_first_proof:
        line, stamp = day_first_proof or month_first_proof
        where = _("baris %(line)d") % {"line": line} if line else _("jam mulai rapat")
        notes.append((_("Tanggal dibaca hari/bulan/tahun: %(where)s (\"%(text)s\") hanya dapat dibaca begitu.")
                      if day_first_proof else
                      _("Tanggal dibaca bulan/hari/tahun: %(where)s (\"%(text)s\") hanya dapat dibaca begitu."))
                     % {"where": where, "text": stamp.text})
        return bool(day_first_proof)
    if not any(s.ambiguous for _line, s in stamps):
        return False  # every date reads the same either way (day = month)
    if start is None:
        notes.append(_("Urutan hari dan bulan tidak dapat dipastikan dari berkas; dibaca bulan/hari/tahun (bawaan "
                       "Zoom)."))
        return False
    days = _session_days(start, end, tz)
    fits = {order: sum(1 for _line, s in stamps if s.date(order) in days) for order in (True, False)}
    day_first = fits[True] > fits[False]
    if fits[True] == fits[False] == 0:
        day_first = False  # nothing fits either way: each ambiguous line is refused below
    notes.append((_("Tanggal dibaca hari/bulan/tahun: hanya cara itu yang jatuh pada tanggal sesi (%(day)s).")
                  if day_first else
                  _("Tanggal dibaca bulan/hari/tahun: hanya cara itu yang jatuh pada tanggal sesi (%(day)s)."))
                 % {"day": _long_date(min(days))})
    return day_first


def _session_days(start, end, tz) -> set:
    first = start.astimezone(tz).date()
    last = (end or start).astimezone(tz).date()
    days, day = set(), first
    while day <= last:
        days.add(day)
        day += dt.timedelta(days=1)
    return days


def _when(stamp: _Stamp, day_first: bool | None, tz, start) -> dt.datetime | None:
    if stamp.iso is not None:
        return stamp.iso.replace(tzinfo=tz) if stamp.iso.tzinfo is None else stamp.iso
    if stamp.time_only:
        if start is None:
            return None
        return dt.datetime.combine(start.astimezone(tz).date(), dt.time(*stamp.clock), tzinfo=tz)
    day = stamp.date(bool(day_first))
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(*stamp.clock), tzinfo=tz)


def _line(raw: _Raw, day_first, tz, start, end, meeting_start) -> ReportLine:
    c, cells, number = raw.columns, raw.cells, raw.line
    item = ReportLine(line=number)

    def cell(index):
        return cells[index].strip() if index is not None and index < len(cells) else ""

    name = cell(c.name)
    if c.last_name is not None:
        name = f"{name} {cell(c.last_name)}"
    item.name = " ".join(name.split())[:200]
    item.email = cell(c.email)[:200]
    if not item.name and not item.email:
        item.problem = _("Baris %(line)s: nama dan e-mail kosong") % {"line": number}
        return item
    if c.waiting is not None and cell(c.waiting).lower() in _TRUE:
        item.problem = _("Baris %(line)s: di ruang tunggu (%(column)s = %(value)s), tidak dihitung sebagai "
                         "kehadiran") % {"line": number, "column": c.headers[c.waiting], "value": cell(c.waiting)}
        return item
    if c.kind == "duration":
        length = _duration(cell(c.duration))
        if length is None:
            item.problem = _('Baris %(line)s: durasi "%(value)s" tidak dapat dibaca (kolom "%(column)s")') % {
                "line": number, "value": cell(c.duration), "column": c.headers[c.duration]}
            return item
        anchor = None
        stamp = _stamp(meeting_start) if meeting_start else None
        if stamp is not None:
            anchor = _when(stamp, day_first, tz, start)
        if start is not None and (anchor is None or anchor < start):
            anchor = start
        if anchor is None:
            item.problem = _("Baris %(line)s: laporan tanpa jam bergabung; unggah laporan per sesi") % {"line": number}
            return item
        item.joined_at, item.left_at = anchor, anchor + length
        return item
    for attribute, index, label in (("joined_at", c.join, _("waktu bergabung")), ("left_at", c.leave, _("waktu keluar"))):
        text = cell(index)
        stamp = _stamp(text)
        when = _when(stamp, day_first, tz, start) if stamp is not None else None
        if when is None:
            item.problem = _('Baris %(line)s: %(what)s "%(value)s" tidak dapat dibaca (kolom "%(column)s")') % {
                "line": number, "what": label, "value": text, "column": c.headers[index]}
            return item
        if stamp.ambiguous and start is not None and when.date() not in _session_days(start, end, tz):
            other = stamp.date(not day_first)
            item.problem = _(
                'Baris %(line)s: tanggal "%(value)s" (kolom "%(column)s") dapat dibaca %(first)s atau %(second)s, dan '
                "yang dipakai untuk berkas ini (%(first)s) di luar tanggal sesi (%(session)s). Periksa apakah laporan "
                "ini untuk sesi ini.") % {
                "line": number, "value": text, "column": c.headers[index], "first": _long_date(when.date()),
                "second": _long_date(other) if other else "-", "session": _long_date(start.astimezone(tz).date())}
            return item
        setattr(item, attribute, when)
    if item.left_at < item.joined_at:
        item.problem = _("Baris %(line)s: waktu keluar lebih awal daripada waktu bergabung") % {"line": number}
    return item
