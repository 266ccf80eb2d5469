"""Finding the header of a participant list as offices make them, and naming its columns.

Lists arrive from provincial offices with a title row ("DAFTAR PESERTA RAPAT KOORDINASI …"),
blank rows, merged banner cells and two-row headers ("Kontak" over "Email | No. HP"), in the
column names each office uses. This module knows those names (:data:`HEADER_ALIASES`, the one
maintained table; compared after :func:`header_key` drops case, accents, spaces and
punctuation) and finds the header row among the first :data:`HEADER_SCAN_ROWS` rows.

Pure functions over cell values: nothing here reads files or the database.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

HEADER_SCAN_ROWS = 15

# field -> the names offices write for it. Keep the list readable: written as people write them;
# header_key() makes "No. HP/WA", "no hp wa" and "NO_HP_WA" the same key.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "full_name": (
        "nama", "nama lengkap", "name", "full name", "nama peserta", "nama (beserta gelar)", "nama lengkap (beserta gelar)",
        "nama dan gelar", "nama lengkap dan gelar", "nama lengkap & gelar", "nama gelar", "nama pegawai", "nama asn",
        "nama lengkap peserta",
    ),
    "id_kind": ("jenis identitas", "id kind", "identity type"),
    "id_number": (
        "nip", "nomor identitas", "no identitas", "nip nomor", "id number", "number", "n i p", "nip/nik", "nip baru",
        "nip/ni pppk", "ni pppk", "nip/nipppk", "nip pppk", "nomor induk pegawai", "nip/nrp", "no. nip", "nomor nip",
    ),
    "position": ("jabatan", "position", "nama jabatan", "jabatan saat ini"),
    "rank": (
        "pangkat/golongan", "pangkat", "golongan", "rank", "pangkat/gol.", "pangkat/gol", "gol/ruang", "golongan/ruang",
        "pangkat/gol/ruang", "pangkat/golongan/ruang", "pangkat, golongan", "gol.", "gol",
    ),
    "unit": (
        "unit", "unit kerja", "kode unit", "unit code", "satuan kerja", "satker", "instansi", "asal instansi",
        "asal satker", "asal satuan kerja", "asal unit kerja", "nama satker", "nama satuan kerja", "unit organisasi",
        "nama instansi", "instansi asal",
    ),
    "email": (
        "email", "e-mail", "surel", "alamat email", "alamat e-mail", "alamat surel", "email aktif", "alamat email aktif",
        "email dinas", "e-mail aktif",
    ),
    "whatsapp": (
        "whatsapp", "wa", "nomor whatsapp", "no wa", "phone", "no. hp/wa", "no hp", "nomor hp", "hp/wa", "telepon",
        "no. hp", "no. wa", "nomor wa", "no hp/wa", "nomor hp/wa", "no. telepon", "nomor telepon", "telp", "no. telp",
        "telp/wa", "no. telp/wa", "hp", "handphone", "no. handphone", "nomor handphone", "no whatsapp",
        "nomor hp/whatsapp", "no. hp/whatsapp", "hp/whatsapp", "ponsel", "no. ponsel",
    ),
    "role": ("peran", "role"),
    "mode": ("mode", "cara hadir"),
}
REQUIRED_FIELDS = ("full_name", "id_number", "unit")

# Words that make an unknown column look like a phone or e-mail column (its content would be lost).
_CONTACT_WORDS = re.compile(r"(?:^|[^a-z])(hp|wa|telp|telepon|tlp|phone|ponsel|handphone|whatsapp|mail|email|surel|"
                            r"kontak|contact)(?:$|[^a-z])")
_PHONE_VALUE = re.compile(r"^\+?(?:62|0)8[\d\s.\-]{7,14}$")
_DAY_KEY = re.compile(r"^(?:hari|day)(?:ke)?(\d+)$")


def fold(text: str) -> str:
    """Lower case without accents (NFKD, combining marks dropped)."""
    text = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def header_key(text) -> str:
    """'No. HP/WA' -> 'nohpwa', 'N I P' -> 'nip': case, accents, spaces and punctuation dropped."""
    return re.sub(r"[^0-9a-z]+", "", fold(text or ""))


ALIAS_TO_FIELD: dict[str, str] = {}
for _field, _aliases in HEADER_ALIASES.items():
    for _alias in _aliases:
        ALIAS_TO_FIELD.setdefault(header_key(_alias), _field)


def field_for(text) -> str | None:
    return ALIAS_TO_FIELD.get(header_key(text))


def day_for(text) -> int | None:
    """'hari_2', 'Hari 2', 'Hari ke-2' -> 2."""
    match = _DAY_KEY.match(header_key(text))
    return int(match.group(1)) if match else None


def looks_like_contact_header(text) -> bool:
    return bool(_CONTACT_WORDS.search(fold(text or "")))


def looks_like_contact_values(values) -> bool:
    """Most of the non-empty sample cells look like a phone number or an e-mail address."""
    sample = [cell_text(v) for v in values if cell_text(v)]
    if not sample:
        return False
    hits = sum(1 for v in sample if "@" in v or _PHONE_VALUE.match(v))
    return hits * 2 > len(sample)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return str(value).strip()


@dataclass
class Header:
    """The header as found: which row (1-based), the column names as written (a two-row header
    joined "Kontak / Email"), and the field each recognised column stands for."""

    row: int  # the (lower) header row, 1-based; data starts below it
    top_row: int | None  # the banner row above it when the header has two rows
    headers: list[str]
    fields: dict[int, str] = field(default_factory=dict)  # column index -> field
    days: dict[int, int] = field(default_factory=dict)  # column index -> day number (1-based)

    @property
    def found(self) -> set:
        return set(self.fields.values())

    @property
    def missing(self) -> list[str]:
        return [f for f in REQUIRED_FIELDS if f not in self.found]


def _carry_merged(top: list[str]) -> list[str]:
    """A merged banner cell has its text only in its first column: carry it right over the empty cells."""
    carried, current = [], ""
    for text in top:
        current = text or current
        carried.append(current)
    return carried


def read_header(rows: list[list], index: int) -> Header:
    """The header at rows[index], joined with the row above when that makes it a two-row header.

    A column is named by its own cell when that is a known name, else by "top sub" (the banner
    above and the sub-header) when that is known, else by the banner alone when its own cell is
    empty (a header cell merged over two rows keeps its text in the upper row).
    """
    lower = [cell_text(v) for v in rows[index]]
    top_raw = [cell_text(v) for v in rows[index - 1]] if index > 0 else []
    top = _carry_merged(top_raw) if any(top_raw) else []
    width = max(len(lower), len(top))
    lower += [""] * (width - len(lower))
    top += [""] * (width - len(top))
    single = _name_columns(lower)
    if not any(top):
        return Header(row=index + 1, top_row=None, headers=_trim(lower), fields=single[0], days=single[1])
    joined_headers, joined_fields, joined_days = [], {}, {}
    for col, (sub, banner, own) in enumerate(zip(lower, top, top_raw + [""] * (width - len(top_raw)))):
        if sub and (field_for(sub) or day_for(sub)):
            text, key = sub, sub
        elif sub and banner and (field_for(f"{banner} {sub}") or day_for(f"{banner} {sub}")):
            text, key = f"{banner} / {sub}", f"{banner} {sub}"
        elif not sub and own:
            text, key = own, own  # a cell merged over both rows keeps its text in the upper row
        elif sub and banner and banner != sub:
            text, key = f"{banner} / {sub}", ""
        else:
            text, key = sub, sub
        joined_headers.append(text)
        if key and field_for(key):
            joined_fields[col] = field_for(key)
        elif key and day_for(key):
            joined_days[col] = day_for(key)
    if len(set(joined_fields.values())) + len(joined_days) > len(set(single[0].values())) + len(single[1]):
        return Header(row=index + 1, top_row=index, headers=_trim(joined_headers),
                      fields=joined_fields, days=joined_days)
    return Header(row=index + 1, top_row=None, headers=_trim(lower), fields=single[0], days=single[1])


def _trim(headers: list[str]) -> list[str]:
    headers = list(headers)
    while headers and not headers[-1]:
        headers.pop()
    return headers


def _name_columns(headers: list[str]) -> tuple[dict, dict]:
    fields: dict[int, str] = {}
    days: dict[int, int] = {}
    for index, text in enumerate(headers):
        if not text:
            continue
        known = field_for(text)
        if known is not None:
            fields[index] = known
            continue
        day = day_for(text)
        if day is not None:
            days[index] = day
    return fields, days


def find_header(rows: list[list], *, row: int | None = None) -> tuple[Header | None, Header | None]:
    """(the header, the best candidate) among the first rows.

    With ``row`` (1-based, the organiser's pick) that row is the header. Otherwise the first row
    within the scanned rows that names every required column; when none does, the header is None
    and the candidate is the row that named the most known columns (for the error message).
    """
    if row is not None:
        if 1 <= row <= len(rows):
            return read_header(rows, row - 1), None
        return None, None
    best = None
    for index in range(min(len(rows), HEADER_SCAN_ROWS)):
        if not any(cell_text(v) for v in rows[index]):
            continue
        header = read_header(rows, index)
        if not header.missing:
            # Cells merged down over two header rows put the whole header in the upper row: when the
            # row below names more columns with it as a banner ("Kontak" over "Email | No. HP"), take both.
            if index + 1 < len(rows):
                below = read_header(rows, index + 1)
                if below.top_row is not None and not below.missing and \
                        len(below.fields) + len(below.days) > len(header.fields) + len(header.days):
                    return below, None
            return header, None
        if best is None or len(header.found) > len(best.found):
            best = header
    return None, best
