"""Reading a meeting platform's participant report and matching its people to registrations.

Pure reading and matching: nothing here writes. ``attendance.online.services.meeting_report_import``
stores what these functions find. The report formats (Zoom with or without its meeting block,
its unique-users export, Excel re-saves in Indonesian or English settings, Google Meet, Microsoft
Teams) are read in :mod:`attendance.online.report_formats`; times are the meeting's local time, read
in the event's time zone.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .report_formats import (
    Columns,
    ParsedReport,
    ReportFormatError,
    ReportLine,
    parse_stamp,
    read_report,
)

__all__ = [
    "Columns",
    "Match",
    "Matcher",
    "ParsedReport",
    "ReportFormatError",
    "ReportLine",
    "clipped",
    "name_candidates",
    "normalise_name",
    "parse_report",
    "parse_time",
    "read_report",
    "union_minutes",
    "unit_words",
]


def parse_time(value: str, tz) -> dt.datetime | None:
    """One of Zoom's own time stamps (month first, ``11/21/2022 09:02:13 AM``) in `tz`."""
    return parse_stamp(value, tz)


def parse_report(data: bytes, tz, *, start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[ReportLine]:
    """Every participant line of the file (line numbers as a spreadsheet shows them); see read_report."""
    return read_report(data, tz, start=start, end=end).lines


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
    "cpa", "qia", "cfrau", "crma", "sei", "mei", "ssi", "sp", "sked", "mkes", "skm", "se.ak", "ssy", "msy",
    "sfilai", "mfilai", "sth", "mth", "mdiv", "spsi", "mpsi", "sagr", "sst", "mak", "mr", "mrs", "ms",
}
GENERIC_UNIT_WORDS = {
    "kantor", "wilayah", "kementerian", "agama", "kemenag", "kanwil", "kankemenag", "kab", "kabupaten", "kota",
    "provinsi", "prov", "ri", "balai", "diklat", "keagamaan", "di", "dan", "kemenagri",
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
    """(name, unit hint) readings of a display name.

    'Ahmad Fauzi - Kanwil Jabar' → [('Ahmad Fauzi', 'Kanwil Jabar'), ('Kanwil Jabar', 'Ahmad Fauzi')];
    'Heru Suryanto (Kulon Progo)' → the words in parentheses as a unit hint first, then as a name of
    their own (Zoom puts the original name there: 'Pak Heru (Heru Suryanto)').
    """
    readings = []
    originals = re.findall(r"\(([^)]*)\)", display_name)
    outside = re.sub(r"\([^)]*\)", " ", display_name)
    if originals and outside.strip():
        hint = " ".join(o.strip() for o in originals)
        for name, other in _split_readings(outside):
            readings.append((name, " ".join(p for p in (other, hint) if p)))
    for text in [outside, *originals]:
        readings.extend(_split_readings(text))
    unique = []
    for reading in readings:
        if reading not in unique:
            unique.append(reading)
    return unique


def _split_readings(text: str) -> list[tuple[str, str]]:
    parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
    if len(parts) <= 1:
        return [(parts[0], "")] if parts else []
    return [(part, " ".join(parts[:i] + parts[i + 1:])) for i, part in enumerate(parts)]


def _unit_words_of(unit) -> set[str]:
    """A unit's telling words: its name, short name, province and stored aliases."""
    return unit_words(" ".join([unit.name, unit.short_name, unit.province, unit.aliases.replace("\n", " ")]))


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
                    fitting = [r for r in regs if words <= _unit_words_of(r.participant.unit)]
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
