"""Daftar hadir: the attendance list of one event day, as data, PDF (WeasyPrint) and XLSX.

The list holds the accepted door entries of that day (result ok, kind entry, no
session), one row per person, grouped by unit in the unit tree's order, with an
empty signature column. A summary per unit (expected in person / present) ends
the document. Coordinators get only their unit subtree (rakor.roles.managed_units).
Three queries whatever the size of the event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rakor import exports
from rakor.exports import xlsx_append as append
from rakor.models import Event, Unit

from .models import CheckIn, Registration, RegistrationDay


@dataclass
class AttendanceRow:
    number: int
    name: str
    nip: str
    position: str
    unit: str
    time: str  # HH:MM in the event's time zone
    gate: str


@dataclass
class UnitGroup:
    unit: Unit
    rows: list = field(default_factory=list)


@dataclass
class SummaryRow:
    unit: Unit
    expected: int
    present: int


@dataclass
class AttendanceList:
    event: Event
    day: dt.date
    scope_unit: Unit | None  # None: every unit (organisers)
    groups: list
    summary: list

    @property
    def present_total(self) -> int:
        return sum(s.present for s in self.summary)

    @property
    def expected_total(self) -> int:
        return sum(s.expected for s in self.summary)

    @property
    def row_count(self) -> int:
        return sum(len(g.rows) for g in self.groups)

    @property
    def day_label(self) -> str:
        """e.g. "Senin, 21 November 2022" in the active language."""
        return formats.date_format(self.day, "l, j F Y")

    @property
    def title(self) -> str:
        if self.scope_unit is None:
            return _("Daftar Hadir")
        return _("Daftar Hadir — %(unit)s") % {"unit": self.scope_unit.name}

    def filename(self, ext: str) -> str:
        scope = f"-{self.scope_unit.code}" if self.scope_unit is not None else ""
        return f"daftar-hadir-{self.event.slug}{scope}-{self.day.isoformat()}.{ext}"


def attendance_list(*, event: Event, day: dt.date, units=None, scope_unit: Unit | None = None) -> AttendanceList:
    """Build the list of one day; ``units`` (a Unit queryset) limits it to those units."""
    tz = event.tz
    entries = CheckIn.objects.filter(
        event=event, day=day, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY, session__isnull=True,
        registration__isnull=False,
    )
    expected_qs = RegistrationDay.objects.filter(
        registration__event=event, registration__status=Registration.Status.APPROVED, date=day,
        mode=RegistrationDay.Mode.IN_PERSON,
    )
    if units is not None:
        entries = entries.filter(registration__participant__unit__in=units)
        expected_qs = expected_qs.filter(registration__participant__unit__in=units)
    entries = entries.select_related("registration__participant__unit").order_by(
        "registration__participant__unit__sort_order", "registration__participant__unit__name",
        "registration__participant__unit_id", "registration__participant__full_name", "scanned_at", "pk",
    )
    groups: list[UnitGroup] = []
    present: dict[int, int] = {}
    seen: set[int] = set()
    number = 0
    for checkin in entries:
        # The unique index allows one accepted entry per person per day; be safe anyway.
        if checkin.registration_id in seen:
            continue
        seen.add(checkin.registration_id)
        participant = checkin.registration.participant
        unit = participant.unit
        if not groups or groups[-1].unit.pk != unit.pk:
            groups.append(UnitGroup(unit=unit))
        number += 1
        groups[-1].rows.append(AttendanceRow(
            number=number, name=participant.full_name, nip=participant.nip, position=participant.position,
            unit=unit.name, time=timezone.localtime(checkin.scanned_at, tz).strftime("%H:%M"), gate=checkin.gate,
        ))
        present[unit.pk] = present.get(unit.pk, 0) + 1
    expected = dict(
        expected_qs.values_list("registration__participant__unit").annotate(n=Count("registration", distinct=True)).order_by()
    )
    summary = [
        SummaryRow(unit=unit, expected=expected.get(unit.pk, 0), present=present.get(unit.pk, 0))
        for unit in Unit.objects.filter(pk__in=set(expected) | set(present)).order_by("sort_order", "name", "pk")
    ]
    return AttendanceList(event=event, day=day, scope_unit=scope_unit, groups=groups, summary=summary)


def headers() -> list[str]:
    return [_("No."), _("Nama"), _("NIP"), _("Jabatan"), _("Unit kerja"), _("Jam hadir"), _("Gerbang"),
            _("Tanda tangan")]


def render_pdf(data: AttendanceList) -> bytes:
    from rakor.pdf import render_pdf as _render

    return _render("pdf/daftar_hadir.html", {"list": data, "event": data.event, "headers": headers()})


def render_xlsx(data: AttendanceList) -> bytes:
    """One sheet: title block, bold header, a header row per unit, then the summary."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = exports.new_workbook()
    ws = wb.active
    ws.title = _("Daftar Hadir")[:31]
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    group_fill = PatternFill("solid", fgColor="E7F3EC")
    event = data.event
    append(ws, [data.title])
    ws["A1"].font = Font(bold=True, size=14)
    append(ws, [event.name])
    if event.theme:
        append(ws, [event.theme])
    append(ws, [f"{data.day_label} · {event.venue}".strip(" ·")])
    append(ws, [])
    header_row = ws.max_row + 1
    append(ws, headers())
    for cell in ws[header_row]:
        cell.font = bold
        cell.border = box
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for group in data.groups:
        append(ws, [group.unit.name])
        r = ws.max_row
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=8)
        ws.cell(r, 1).font = bold
        ws.cell(r, 1).fill = group_fill
        for row in group.rows:
            append(ws, [row.number, row.name, row.nip, row.position, row.unit, row.time, row.gate, ""])
            for cell in ws[ws.max_row]:
                cell.border = box
            ws.cell(ws.max_row, 3).number_format = "@"  # an 18-digit NIP must stay text
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    append(ws, [])
    append(ws, [_("Rekapitulasi per unit")])
    ws.cell(ws.max_row, 1).font = bold
    append(ws, ["", _("Unit kerja"), _("Diharapkan hadir (luring)"), _("Hadir")])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for s in data.summary:
        append(ws, ["", s.unit.name, s.expected, s.present])
    append(ws, ["", _("Jumlah"), data.expected_total, data.present_total])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for col, width in zip("ABCDEFGH", (6, 36, 22, 32, 40, 11, 18, 24)):
        ws.column_dimensions[col].width = width
    return exports.xlsx_save(wb)
