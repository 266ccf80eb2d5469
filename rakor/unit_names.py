"""Unit names as people write them: "Kankemenag Kab. Bandung" is "Kantor Kementerian Agama Kabupaten Bandung".

:func:`unit_key` turns any spelling into one comparable key: case, accents and punctuation
dropped, the usual abbreviations written out (Kanwil, Kankemenag, Kemenag, Kab., Prov., …) and
the short province names (Jabar, DIY, …) expanded. :class:`UnitIndex` finds a unit by its code,
name, short name or stored aliases (``Unit.aliases``, one per line) under that key, and offers
the closest units when nothing or more than one fits.

:func:`normalise_unit_name` is the unit picker's form of the same rule (issue 12, item 4): word by
word, so that the browser can apply it too (``WORD_ABBREVIATIONS`` is sent to unit-picker.js by
``rakor.widgets.UnitPicker``); its table is this module's single-word entries plus the picker's
office words (Setjen, Itjen, Pendis, …), so both read "Kankemenag Kab." the same way.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict

# Abbreviations written out (after lower-casing and dropping punctuation), longest first.
ABBREVIATIONS = {
    "kankemenag": "kantor kementerian agama",
    "kanmenag": "kantor kementerian agama",
    "kandepag": "kantor kementerian agama",  # the old name (Kantor Departemen Agama)
    "kanwil": "kantor wilayah",
    "kemenag": "kementerian agama",
    "kemenagri": "kementerian agama",
    "depag": "kementerian agama",
    "departemen agama": "kementerian agama",
    "kab": "kabupaten",
    "kabupaten administrasi": "kabupaten",
    "kota administrasi": "kota",
    "prov": "provinsi",
    "propinsi": "provinsi",
    "bdk": "balai diklat keagamaan",
    "bla": "balai litbang agama",
    "ri": "",
}
REGION_ABBREVIATIONS = {
    "jabar": "jawa barat", "jateng": "jawa tengah", "jatim": "jawa timur", "diy": "daerah istimewa yogyakarta",
    "di yogyakarta": "daerah istimewa yogyakarta", "jogja": "yogyakarta", "jogjakarta": "yogyakarta",
    "dki": "dki jakarta", "sumut": "sumatera utara", "sumbar": "sumatera barat", "sumsel": "sumatera selatan",
    "kalbar": "kalimantan barat", "kalteng": "kalimantan tengah", "kalsel": "kalimantan selatan",
    "kaltim": "kalimantan timur", "kaltara": "kalimantan utara", "sulut": "sulawesi utara",
    "sulteng": "sulawesi tengah", "sulsel": "sulawesi selatan", "sultra": "sulawesi tenggara",
    "sulbar": "sulawesi barat", "ntb": "nusa tenggara barat", "ntt": "nusa tenggara timur",
    "babel": "bangka belitung", "kepri": "kepulauan riau", "pabar": "papua barat", "malut": "maluku utara",
}
# Words that carry no meaning for telling units apart once the kind is known.
_NOISE = {"provinsi"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


_TABLE = {**ABBREVIATIONS, **REGION_ABBREVIATIONS, "dki jakarta": "dki jakarta"}
# One pass, longest first, so a written-out word is never expanded again ("dki jakarta" stays as it is).
_WORDS = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(k) for k in sorted(_TABLE, key=len, reverse=True))
                    + r")(?![a-z0-9])")


def unit_key(text: str) -> str:
    """'Kanwil Kemenag Prov. Jawa Barat' and 'Kantor Wilayah Kementerian Agama Provinsi Jawa Barat' -> the same key."""
    text = re.sub(r"[^0-9a-z]+", " ", _fold(text))
    text = " ".join(text.split())
    text = _WORDS.sub(lambda m: _TABLE[m.group(1)], text)
    words = [w for w in text.split() if w not in _NOISE]
    return " ".join(words)


class UnitIndex:
    """Every unit under every key it can be written as; built once per import (no query per row)."""

    def __init__(self, units):
        self.by_code: dict[str, object] = {}
        self.by_key: dict[str, list] = defaultdict(list)
        self.units = list(units)
        for unit in self.units:
            self.by_code[unit.code.lower()] = unit
            keys = {unit_key(unit.name)}
            if getattr(unit, "short_name", ""):
                keys.add(unit_key(unit.short_name))
            for alias in (getattr(unit, "aliases", "") or "").splitlines():
                if alias.strip():
                    keys.add(unit_key(alias))
            for key in keys - {""}:
                if unit not in self.by_key[key]:
                    self.by_key[key].append(unit)
        self._keys = sorted(self.by_key)
        self._close: dict[str, list] = {}
        self._words: dict[str, set] | None = None

    def find(self, text: str) -> list:
        """The units `text` names: one when it is clear, several when ambiguous, none when unknown."""
        code = text.strip().lower()
        if code in self.by_code:
            return [self.by_code[code]]
        return list(self.by_key.get(unit_key(text), []))

    def closest(self, text: str, n: int = 3) -> list:
        """Up to n units whose name is closest to `text` (for "Maksud Anda: …").

        Scored on the words that tell units apart (the place: "Bandung", "Jawa Barat"), each matched
        loosely so a typo still finds it ("Bandng"), the whole key's likeness breaking ties; only the
        near-best are offered.
        """
        key = unit_key(text)
        if key not in self._close:
            self._close[key] = self._closest(key, n)
        return self._close[key]

    def _closest(self, key: str, n: int) -> list:
        if self._words is None:
            self._words = defaultdict(set)
            for candidate in self._keys:
                for word in _distinctive(candidate):
                    self._words[word].add(candidate)
        wanted = _distinctive(key)
        if not wanted:
            return []
        similar: dict[str, float] = {}  # query word -> {candidate word: likeness}
        hits: dict[str, float] = defaultdict(float)
        for word in wanted:
            for known in self._words:
                likeness = 1.0 if known == word else difflib.SequenceMatcher(None, word, known).ratio()
                if likeness >= 0.8:
                    for candidate in self._words[known]:
                        similar[(word, candidate)] = max(similar.get((word, candidate), 0), likeness)
        for (word, candidate), likeness in similar.items():
            hits[candidate] += likeness
        if not hits:
            return []
        scored = []
        for candidate, total in hits.items():
            score = total / max(len(wanted), len(_distinctive(candidate))) + \
                0.2 * difflib.SequenceMatcher(None, key, candidate).ratio()
            scored.append((score, candidate))
        scored.sort(key=lambda item: (-item[0], item[1]))
        best = scored[0][0]
        found = []
        for score, candidate in scored:
            if score < best - 0.1 or score < 0.6:
                break
            for unit in self.by_key[candidate]:
                if unit not in found:
                    found.append(unit)
        return found[:n]


_GENERIC = {"kantor", "wilayah", "kementerian", "agama", "kabupaten", "kota", "provinsi", "balai", "diklat",
            "keagamaan", "litbang", "di", "dan", "daerah", "istimewa"}


def _distinctive(key: str) -> set:
    return {w for w in key.split() if w not in _GENERIC}


# The picker's office words, beside the abbreviations above (one word as written -> the words it stands for).
_PICKER_WORDS: dict[str, str] = {
    "kanwil": "kantor wilayah",
    "kakanwil": "kepala kantor wilayah",
    "kankemenag": "kantor kementerian agama",
    "kakankemenag": "kepala kantor kementerian agama",
    "kemenag": "kementerian agama",
    "kab": "kabupaten",
    "kabkota": "kabupaten kota",
    "prov": "provinsi",
    "propinsi": "provinsi",
    "provinsi": "provinsi",
    "setjen": "sekretariat jenderal",
    "itjen": "inspektorat jenderal",
    "ditjen": "direktorat jenderal",
    "pendis": "pendidikan islam",
    "bimas": "bimbingan masyarakat",
    "phu": "penyelenggaraan haji dan umrah",
    "bdk": "balai pendidikan dan pelatihan keagamaan",
    "diklat": "pendidikan dan pelatihan",
    "litbang": "penelitian dan pengembangan",
    "bmbpsdm": "badan moderasi beragama dan pengembangan sumber daya manusia",
    "adm": "administrasi",
}

# One table for the word-by-word form: this module's single-word abbreviations, then the picker's words.
WORD_ABBREVIATIONS: dict[str, str] = {
    **{k: v for k, v in {**ABBREVIATIONS, **REGION_ABBREVIATIONS}.items() if " " not in k and v},
    **{k: v for k, v in _PICKER_WORDS.items() if k not in ABBREVIATIONS},
}

_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_unit_name(text: str) -> str:
    """``text`` lower-cased, without accents or punctuation, with every abbreviation spelled out.

    ``"Kankemenag Kab. Bandung"`` and ``"Kantor Kementerian Agama Kabupaten Bandung"`` both give
    ``"kantor kementerian agama kabupaten bandung"``; ``"Kanwil Kemenag Prov. Jawa Barat"`` gives
    ``"kantor wilayah kementerian agama provinsi jawa barat"``. "Kab/Kota" gives "kabupaten kota".
    Idempotent: normalising a normalised name changes nothing.
    """
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    words = _NON_WORD.sub(" ", text).split()
    return " ".join(WORD_ABBREVIATIONS.get(word, word) for word in words)


def unit_search_text(*, name: str, short_name: str = "", code: str = "", province: str = "", kind: str = "") -> str:
    """What a unit is found by: its official name, short name, code, province and kind, normalised."""
    return normalise_unit_name(" ".join(part for part in (name, short_name, code, province, kind) if part))


def unit_matches(query: str, search_text: str) -> bool:
    """Every word of the normalised ``query`` occurs in ``search_text`` (any part of a word, any order)."""
    return all(word in search_text for word in normalise_unit_name(query).split())
