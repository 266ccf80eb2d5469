"""Reading a meeting platform's participant report (Zoom's CSV) and matching its people to registrations.

Pure reading and matching: nothing here writes. ``sessions_app.services.meeting_report_import``
stores what these functions find.

Zoom writes several shapes of the same report:
- ``Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,Recording Consent``
- the older quoted ``"Name (Original Name)","User Email","Join Time","Leave Time","Duration (Minutes)"``
- the "Participants" export: a meeting block (``Meeting ID,Topic,Start Time,...``) and a
  blank line above the participant table.
The header row is found by its columns, wherever it is. Times are the meeting's local
time (``11/21/2022 09:02:13 AM``), read in the event's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S",
)


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
    name: int
    email: int | None
    join: int
    leave: int
    headers: list = field(default_factory=list)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        return text
    raise ReportFormatError(_("Berkas tidak dapat dibaca sebagai teks (CSV)."))


def _header_columns(cells: list[str]) -> Columns | None:
    keys = [c.strip().strip('"').lower() for c in cells]
    name = next((i for i, k in enumerate(keys) if k.startswith("name") or k in ("nama", "participant")), None)
    join = next((i for i, k in enumerate(keys) if k.startswith("join time") or k == "waktu bergabung"), None)
    leave = next((i for i, k in enumerate(keys) if k.startswith("leave time") or k == "waktu keluar"), None)
    email = next((i for i, k in enumerate(keys) if "email" in k or "e-mail" in k), None)
    if name is None or join is None or leave is None:
        return None
    return Columns(name=name, email=email, join=join, leave=leave, headers=[c.strip() for c in cells])


def parse_time(value: str, tz) -> dt.datetime | None:
    value = " ".join(value.strip().split())
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def parse_report(data: bytes, tz) -> list[ReportLine]:
    """Every participant line of the file (line numbers as a spreadsheet shows them).

    Raises ReportFormatError when no participant header row is found.
    """
    text = _decode(data)
    reader = csv.reader(io.StringIO(text))
    columns = None
    lines: list[ReportLine] = []
    for cells in reader:
        number = reader.line_num
        if columns is None:
            columns = _header_columns(cells)
            continue
        if not any(c.strip() for c in cells):
            continue
        if _header_columns(cells) is not None:
            # Some exports repeat the header (one table per meeting instance).
            continue
        item = ReportLine(line=number)

        def cell(index):
            return cells[index].strip() if index is not None and index < len(cells) else ""

        item.name = " ".join(cell(columns.name).split())[:200]
        item.email = cell(columns.email)[:200]
        join_text, leave_text = cell(columns.join), cell(columns.leave)
        item.joined_at = parse_time(join_text, tz)
        item.left_at = parse_time(leave_text, tz)
        if not item.name and not item.email:
            item.problem = _("Baris %(line)s: nama dan e-mail kosong") % {"line": number}
        elif item.joined_at is None:
            item.problem = _('Baris %(line)s: waktu bergabung "%(value)s" tidak dapat dibaca (kolom "%(column)s")') % {
                "line": number, "value": join_text, "column": columns.headers[columns.join]}
        elif item.left_at is None:
            item.problem = _('Baris %(line)s: waktu keluar "%(value)s" tidak dapat dibaca (kolom "%(column)s")') % {
                "line": number, "value": leave_text, "column": columns.headers[columns.leave]}
        elif item.left_at < item.joined_at:
            item.problem = _("Baris %(line)s: waktu keluar lebih awal daripada waktu bergabung") % {"line": number}
        lines.append(item)
    if columns is None:
        raise ReportFormatError(_(
            'Baris judul laporan peserta tidak ditemukan: berkas harus memuat kolom "Name (Original Name)", '
            '"Join Time" dan "Leave Time" (laporan peserta Zoom).'))
    return lines


# ---------------------------------------------------------------- minutes


def clipped(start: dt.datetime, end: dt.datetime, lo: dt.datetime, hi: dt.datetime) -> tuple | None:
    a, b = max(start, lo), min(end, hi)
    return (a, b) if b > a else None


def union_minutes(intervals) -> int:
    """Minutes covered by the intervals (overlaps, e.g. a phone and a laptop, count once), rounded."""
    total, current = dt.timedelta(0), None
    for a, b in sorted(i for i in intervals if i is not None):
        if current is None or a > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = [a, b]
        else:
            current[1] = max(current[1], b)
    if current is not None:
        total += current[1] - current[0]
    return int((total.total_seconds() + 30) // 60)


# ---------------------------------------------------------------- matching people

# Academic and religious titles written around Indonesian names; compared without dots.
TITLES = {
    "dr", "drs", "dra", "h", "hj", "ir", "prof", "kh", "ust", "ustadz", "ny", "tn", "sdr", "bpk", "bapak", "ibu",
    "sag", "mag", "mpdi", "spdi", "sh", "mh", "se", "mm", "msi", "phd", "spd", "mpd", "skom", "mkom", "ssos",
    "msos", "lc", "ma", "mhi", "shi", "sthi", "mthi", "st", "mt", "sip", "msc", "mba", "mhum", "shum", "ak", "ca",
    "cpa", "qia", "cfrau", "crma", "sei", "mei", "sthi", "ssi", "sp", "sked", "mkes", "skm", "se.ak", "ssy", "msy",
    "sfilai", "mfilai", "sth", "mth", "mdiv", "spsi", "mpsi", "sagr", "sst", "mak", "mr", "mrs", "ms",
}
GENERIC_UNIT_WORDS = {
    "kantor", "wilayah", "kementerian", "agama", "kemenag", "kanwil", "kankemenag", "kab", "kabupaten", "kota",
    "provinsi", "prov", "kemenag", "ri", "balai", "diklat", "keagamaan", "di", "dan", "kemenagri",
}
REGION_ABBREVIATIONS = {
    "jabar": "jawa barat", "jateng": "jawa tengah", "jatim": "jawa timur", "diy": "yogyakarta",
    "jogja": "yogyakarta", "jogjakarta": "yogyakarta", "dki": "jakarta", "sumut": "sumatera utara",
    "sumbar": "sumatera barat", "sumsel": "sumatera selatan", "kalbar": "kalimantan barat",
    "kalteng": "kalimantan tengah", "kalsel": "kalimantan selatan", "kaltim": "kalimantan timur",
    "kaltara": "kalimantan utara", "sulut": "sulawesi utara", "sulteng": "sulawesi tengah",
    "sulsel": "sulawesi selatan", "sultra": "sulawesi tenggara", "sulbar": "sulawesi barat",
    "ntb": "nusa tenggara barat", "ntt": "nusa tenggara timur", "babel": "bangka belitung",
    "kepri": "kepulauan riau", "pabar": "papua barat", "malut": "maluku utara",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def normalise_name(name: str) -> str:
    """'Dr. H. Ahmad Fauzi, S.Ag., M.Pd.I.' → 'ahmad fauzi': titles, commas and case dropped."""
    name = re.sub(r"\([^)]*\)", " ", name)
    words = []
    for token in re.split(r"[\s,]+", _fold(name)):
        bare = token.replace(".", "").replace("'", "")
        if not bare or bare in TITLES:
            continue
        words.append(re.sub(r"[^\w-]", "", token.rstrip(".")))
    return " ".join(w for w in words if w)


def unit_words(text: str) -> set[str]:
    """The words of a unit name that tell it apart (region, city), abbreviations expanded."""
    words = set()
    for token in re.split(r"[^\w]+", _fold(text)):
        if not token:
            continue
        expanded = REGION_ABBREVIATIONS.get(token, token)
        for word in expanded.split():
            if word not in GENERIC_UNIT_WORDS:
                words.add(word)
    return words


_SEPARATORS = re.compile(r"\s+-\s+|\s*[_|/]\s*|\s+–\s+")


def name_candidates(display_name: str) -> list[tuple[str, str]]:
    """(name, unit hint) readings of a Zoom display name.

    'Ahmad Fauzi - Kanwil Jabar' → [('Ahmad Fauzi', 'Kanwil Jabar'), ('Kanwil Jabar', 'Ahmad Fauzi')];
    a name in parentheses (Zoom's original name) is read too.
    """
    readings = []
    originals = re.findall(r"\(([^)]*)\)", display_name)
    for text in [re.sub(r"\([^)]*\)", " ", display_name), *originals]:
        parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
        if not parts:
            continue
        if len(parts) == 1:
            readings.append((parts[0], ""))
            continue
        for i, part in enumerate(parts):
            readings.append((part, " ".join(parts[:i] + parts[i + 1:])))
    return readings


@dataclass
class Match:
    registration: object | None
    problem: str = ""


class Matcher:
    """Matches report lines to the registrations of one event: by e-mail, else by name (and unit hint).

    Never guesses: a name (with its hint) that fits several registrations stays unmatched.
    Loads the event's registrations once (one query).
    """

    def __init__(self, event):
        from attendance.models import Registration

        regs = (Registration.objects.filter(event=event).exclude(status__in=(Registration.Status.REJECTED,
                                                                              Registration.Status.CANCELLED))
                .select_related("participant__unit"))
        self.by_email: dict[str, list] = {}
        self.by_name: dict[str, list] = {}
        for reg in regs:
            p = reg.participant
            if p.email:
                self.by_email.setdefault(p.email.strip().casefold(), []).append(reg)
            key = normalise_name(p.full_name)
            if key:
                self.by_name.setdefault(key, []).append(reg)

    def match(self, name: str, email: str) -> Match:
        if email:
            found = self.by_email.get(email.strip().casefold(), [])
            if len(found) == 1:
                return Match(found[0])
        ambiguous = 0
        for candidate, hint in name_candidates(name):
            regs = self.by_name.get(normalise_name(candidate), [])
            if not regs:
                continue
            if hint:
                words = unit_words(hint)
                if words:
                    fitting = [r for r in regs if words <= unit_words(f"{r.participant.unit.name} {r.participant.unit.short_name}")]
                    if len(fitting) == 1:
                        return Match(fitting[0])
                    if len(fitting) > 1:
                        ambiguous = max(ambiguous, len(fitting))
                        continue
            if len(regs) == 1:
                return Match(regs[0])
            ambiguous = max(ambiguous, len(regs))
        if ambiguous:
            return Match(None, _("Nama ini cocok dengan %(n)s pendaftar; pilih orangnya secara manual.") % {"n": ambiguous})
        return Match(None, _("Tidak ada pendaftar dengan e-mail atau nama ini."))
