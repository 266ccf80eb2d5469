"""Participant lists (daftar peserta) of an event as .xlsx or .csv.

Rows are read with ``iterator(chunk_size=...)`` plus select_related/prefetch of the
days, so a list of tens of thousands of registrations is written without holding
every row in memory and without a query per row.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from rakor import exports
from rakor.models import Event

from .models import Registration, RegistrationDay

CHUNK_SIZE = 2000


def _registrations(event: Event | None, registrations: QuerySet | None) -> QuerySet:
    qs = registrations if registrations is not None else Registration.objects.filter(event=event)
    return (
        qs.select_related("participant__unit", "event")
        .prefetch_related(None)
        .prefetch_related(Prefetch("days", queryset=RegistrationDay.objects.order_by("date")))
        .order_by("participant__unit__sort_order", "participant__unit__name", "participant__full_name", "pk")
    )


def _day_count(event: Event | None, registrations: QuerySet | None) -> tuple[list, Event | None]:
    """The event days for the mode columns; for a selection spanning events, the longest event."""
    if event is not None:
        return event.days, event
    event_ids = list(registrations.order_by().values_list("event_id", flat=True).distinct())
    events = list(Event.objects.filter(pk__in=event_ids))
    if len(events) == 1:
        return events[0].days, events[0]
    longest = max((len(e.days) for e in events), default=0)
    return [None] * longest, None


def headers(days: list, single_event: Event | None) -> list[str]:
    day_headers = []
    for i, day in enumerate(days):
        if day is not None:
            day_headers.append(_("Hari %(n)d (%(date)s)") % {"n": i + 1, "date": formats.date_format(day, "j M Y")})
        else:
            day_headers.append(_("Hari %(n)d") % {"n": i + 1})
    return [
        _("Nama"), _("NIP/Nomor"), _("Jabatan"), _("Pangkat/golongan"), _("Unit kerja"), _("Provinsi"), _("E-mail"),
        _("WhatsApp"), _("Peran"), _("Status"), _("Alasan status"), *day_headers, _("Cara mendaftar"),
        _("Tanggal daftar"),
    ]


def rows(event: Event | None = None, registrations: QuerySet | None = None) -> Iterator[list]:
    """The header row, then one row per registration: what the organiser sees in the file.

    ``Tanggal daftar`` is a naive datetime in the event's time zone (spreadsheets have no zones).
    """
    days, single = _day_count(event, registrations)
    yield headers(days, single)
    short = {RegistrationDay.Mode.IN_PERSON: _("Luring"), RegistrationDay.Mode.ONLINE: _("Daring")}
    role_labels = dict(Registration.Role.choices)
    status_labels = dict(Registration.Status.choices)
    channel_labels = dict(Registration.Channel.choices)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for reg in _registrations(event, registrations).iterator(chunk_size=CHUNK_SIZE):
        p = reg.participant
        reg_days = list(reg.days.all())
        if single is not None:
            by_date = {d.date: d.mode for d in reg_days}
            modes = [str(short.get(by_date.get(day), "")) for day in days]
        else:
            modes = [str(short.get(d.mode, "")) for d in reg_days] + [""] * (len(days) - len(reg_days))
        tz = zones.setdefault(reg.event.time_zone, reg.event.tz)
        yield [
            p.full_name, p.id_number, p.position, p.rank, p.unit.name, p.unit.province, p.email, p.whatsapp,
            str(role_labels.get(reg.role, reg.role)), str(status_labels.get(reg.status, reg.status)), reg.status_reason,
            *modes[: len(days)], str(channel_labels.get(reg.channel, reg.channel)),
            reg.created_at.astimezone(tz).replace(tzinfo=None, microsecond=0),
        ]


def export_xlsx(event: Event | None = None, registrations: QuerySet | None = None, fileobj=None):
    """Write the list as .xlsx (openpyxl write-only mode) to `fileobj`, or return the bytes.

    Text is data: a name like ``=HYPERLINK(…)`` stays text (rakor.exports).
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = exports.new_workbook(write_only=True)
    sheet = workbook.create_sheet(_("Peserta"))
    iterator = rows(event, registrations)
    header = next(iterator)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["E"].width = 40
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    exports.xlsx_append(sheet, header_cells)
    for row in iterator:
        *rest, created = row
        cell = WriteOnlyCell(sheet, value=created)
        cell.number_format = "yyyy-mm-dd hh:mm"
        # NIPs stay text: they are 18 digits, more than a spreadsheet number keeps.
        exports.xlsx_append(sheet, [*rest, cell])
    return exports.xlsx_save(workbook, fileobj)


def csv_lines(event: Event | None = None, registrations: QuerySet | None = None) -> Iterator[str]:
    """The list as CSV text, line by line, starting with a BOM so Excel reads it as UTF-8.

    A value like ``=HYPERLINK(…)`` or ``+62…`` is written as text (``'=HYPERLINK(…)``, rakor.exports).
    """
    def dated(row):
        if isinstance(row[-1], dt.datetime):
            return [*row[:-1], row[-1].strftime("%Y-%m-%d %H:%M")]
        return row

    return exports.csv_lines(dated(row) for row in rows(event, registrations))


def export_csv(event: Event | None = None, registrations: QuerySet | None = None) -> bytes:
    return "".join(csv_lines(event, registrations)).encode("utf-8")


def export_filename(event: Event | None, ext: str) -> str:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    return f"peserta-{event.slug if event else 'pilihan'}-{stamp}.{ext}"
