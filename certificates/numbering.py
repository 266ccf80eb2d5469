"""Certificate numbers from a template's pattern, e.g. ``{seq:04d}/ITJEN/{month_roman}/{year}`` -> 0001/ITJEN/XI/2022."""

from __future__ import annotations

import datetime as dt
import string

from django.utils.translation import gettext as _

ROMAN_MONTHS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
FIELDS = ("seq", "year", "month", "month_roman", "event", "role")


class PatternError(ValueError):
    pass


def format_number(pattern: str, *, seq: int, date: dt.date, event_slug: str, role: str) -> str:
    """The number for ``seq``; month and year come from ``date`` (the event's last day)."""
    return pattern.format(seq=seq, year=date.year, month=f"{date.month:02d}", month_roman=ROMAN_MONTHS[date.month - 1],
                          event=event_slug, role=role)


def check_pattern(pattern: str) -> None:
    """Raise PatternError (a message for the organiser) unless the pattern is usable and contains {seq}."""
    try:
        names = [name for _lit, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        raise PatternError(_("Pola nomor tidak dapat dibaca: %(error)s") % {"error": exc})
    unknown = [n for n in names if n.split(".")[0].split("[")[0] not in FIELDS]
    if unknown:
        raise PatternError(_("Pola nomor memakai kolom yang tidak dikenal: %(names)s") % {"names": ", ".join(unknown)})
    if "seq" not in names:
        raise PatternError(_("Pola nomor harus memuat {seq} agar setiap nomor berbeda."))
    try:
        format_number(pattern, seq=1, date=dt.date(2022, 11, 23), event_slug="acara", role="participant")
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise PatternError(_("Pola nomor tidak dapat dipakai: %(error)s") % {"error": exc})
