"""Validation of the numbers people are known by: NIP, PPPK number, WhatsApp number.

Every error names the part that is wrong, in words a civil servant recognises.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_NON_DIGITS = re.compile(r"[\s.\-]")


def clean_number(raw: str) -> str:
    """Remove the spaces, dots and dashes people type inside a NIP."""
    return _NON_DIGITS.sub("", raw or "")


MASK = "\u2022"  # •
MASK_TAIL = 4  # digits a masked number keeps at its end


def mask_id_number(number: str) -> str:
    """A number as the desk may see it: every digit but the last four hidden (``••••••••••••••0012``).

    Enough for the desk to confirm a person who tells their last four digits, and no more than the
    desk search asks for (attendance.selectors.desk_search_match). A short number is hidden whole.
    """
    number = number or ""
    if len(number) < 2 * MASK_TAIL + 2:
        return MASK * len(number)
    return MASK * (len(number) - MASK_TAIL) + number[-MASK_TAIL:]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def validate_nip(raw: str) -> str:
    """Return the 18-digit NIP or raise ValidationError naming the wrong part.

    Layout: birth date YYYYMMDD (1–8), appointment YYYYMM (9–14), gender 1/2 (15),
    sequence 001–999 (16–18).
    """
    nip = clean_number(raw)
    errors: list[str] = []
    if not nip.isdigit():
        bad = sorted({c for c in nip if not c.isdigit()})
        raise ValidationError(
            _("NIP hanya boleh berisi angka; ditemukan: %(chars)s.") % {"chars": " ".join(repr(c) for c in bad)},
            code="nip_not_digits",
        )
    if len(nip) != 18:
        raise ValidationError(
            _("NIP harus 18 digit; yang diisi %(n)d digit.") % {"n": len(nip)}, code="nip_length"
        )
    birth = _date(nip[0:8])
    if birth is None:
        errors.append(_("Tanggal lahir (digit 1–8, \"%(part)s\") bukan tanggal yang benar.") % {"part": nip[0:8]})
    elif not (1940 <= birth.year <= dt.date.today().year - 15):
        errors.append(_("Tahun lahir (digit 1–4, \"%(part)s\") tidak wajar.") % {"part": nip[0:4]})
    app_year, app_month = int(nip[8:12]), int(nip[12:14])
    appointment = None
    if not 1 <= app_month <= 12 or not 1950 <= app_year <= dt.date.today().year + 1:
        errors.append(_("Bulan/tahun pengangkatan (digit 9–14, \"%(part)s\") tidak benar.") % {"part": nip[8:14]})
    else:
        appointment = dt.date(app_year, app_month, 1)
    if birth and appointment and appointment <= birth.replace(day=1):
        errors.append(
            _("Tanggal pengangkatan (digit 9–14, \"%(app)s\") harus sesudah tanggal lahir (\"%(birth)s\").")
            % {"app": nip[8:14], "birth": nip[0:8]}
        )
    if nip[14] not in "12":
        errors.append(_("Digit jenis kelamin (digit 15, \"%(part)s\") harus 1 (laki-laki) atau 2 (perempuan).") % {"part": nip[14]})
    if nip[15:18] == "000":
        errors.append(_("Nomor urut (digit 16–18) tidak boleh 000."))
    if errors:
        raise ValidationError([ValidationError(e, code="nip_part") for e in errors])
    return nip


def gender_from_nip(nip: str) -> str:
    return {"1": "L", "2": "P"}.get(nip[14:15], "")


def validate_pppk(raw: str) -> str:
    """PPPK numbers: 18 digits that start with a real birth date; the rest is looser."""
    number = clean_number(raw)
    if not number.isdigit():
        raise ValidationError(_("Nomor PPPK hanya boleh berisi angka."), code="pppk_not_digits")
    if len(number) != 18:
        raise ValidationError(_("Nomor PPPK harus 18 digit; yang diisi %(n)d digit.") % {"n": len(number)}, code="pppk_length")
    if _date(number[0:8]) is None:
        raise ValidationError(
            _("Tanggal lahir (digit 1–8, \"%(part)s\") bukan tanggal yang benar.") % {"part": number[0:8]},
            code="pppk_birth",
        )
    return number


def normalise_whatsapp(raw: str) -> str:
    """Return an E.164 number (+62…) or raise ValidationError. Empty stays empty."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Nomor WhatsApp \"%(raw)s\" tidak dapat dibaca.") % {"raw": raw}, code="phone")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Nomor WhatsApp \"%(raw)s\" tidak valid.") % {"raw": raw}, code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wa_link(number: str, text: str = "") -> str:
    """A click-to-chat link (wa.me) for an E.164 or local number."""
    from urllib.parse import quote

    digits = clean_number(number).lstrip("+")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")


def compose_nip(*, birth: dt.date, appointed: dt.date, gender: str, sequence: int) -> str:
    """Build a NIP from its parts (used by the demo data and tests)."""
    return f"{birth:%Y%m%d}{appointed:%Y%m}{'1' if gender == 'L' else '2'}{sequence:03d}"
