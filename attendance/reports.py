"""Rekap kehadiran: attendance per day, province, unit and session for the inspectorate's archive.

One set of numbers (``selectors.attendance_summary``) rendered three ways: an HTML
page, an XLSX workbook (one sheet per view, numbers as numbers) and a PDF
(WeasyPrint through rakor.pdf, with the same server-rendered SVG charts). A
coordinator's recap covers their unit subtree only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from rakor import exports
from rakor.charts import Series, bar_chart
from rakor.exports import xlsx_append as append
from rakor.models import Event, Unit

from . import selectors

EXPECTED_COLOR = "#c9e4d6"
PRESENT_COLOR = "#0b5d3b"
ONLINE_EXPECTED_COLOR = "#d6e0f0"
ONLINE_COLOR = "#2f5d9e"


@dataclass
class Recap:
    event: Event
    scope_unit: Unit | None
    summary: dict
    generated_at: dt.datetime

    @property
    def title(self) -> str:
        if self.scope_unit is None:
            return _("Rekap Kehadiran")
        return _("Rekap Kehadiran — %(unit)s") % {"unit": self.scope_unit.name}

    @property
    def totals(self) -> dict:
        return self.summary["totals"]

    @property
    def per_day(self) -> list[dict]:
        return [{**row, "label": formats.date_format(dt.date.fromisoformat(row["day"]), "l, j F Y")}
                for row in self.summary["per_day"]]

    @property
    def per_unit(self) -> list[dict]:
        return self.summary["per_unit"]

    @property
    def per_province(self) -> list[dict]:
        return self.summary["per_province"]

    @property
    def per_session(self) -> list[dict]:
        tz = self.event.tz
        rows = []
        for s in self.summary["per_session"]:
            start = timezone.localtime(dt.datetime.fromisoformat(s["start"]), tz)
            end = timezone.localtime(dt.datetime.fromisoformat(s["end"]), tz)
            rows.append({**s, "label": formats.date_format(start.date(), "D j M"), "mode_label": _mode_label(s["mode"]),
                         "time": f"{start:%H:%M}–{end:%H:%M}", "total": s["in_room"] + s["online"]})
        return rows

    def filename(self, ext: str) -> str:
        scope = f"-{self.scope_unit.code}" if self.scope_unit is not None else ""
        return f"rekap-kehadiran-{self.event.slug}{scope}.{ext}"

    # -- charts (SVG, escaped labels)

    def day_chart(self):
        rows = self.per_day
        labels = [formats.date_format(dt.date.fromisoformat(r["day"]), "D j M") for r in rows]
        return (
            bar_chart(labels, [Series(_("Diharapkan luring"), [r["expected_in_person"] for r in rows], EXPECTED_COLOR),
                               Series(_("Hadir luring"), [r["present_in_person"] for r in rows], PRESENT_COLOR)],
                      title=_("Kehadiran luring per hari"), label_width=140),
            bar_chart(labels, [Series(_("Terdaftar daring"), [r["expected_online"] for r in rows],
                                      ONLINE_EXPECTED_COLOR),
                               Series(_("Bergabung daring"), [r["joined_online"] for r in rows], ONLINE_COLOR)],
                      title=_("Kehadiran daring per hari"), label_width=140),
        )

    def province_chart(self):
        rows = [p for p in self.per_province if p["expected_in_person"] or p["present_in_person"]]
        return bar_chart(
            [p["province"] or _("(tanpa provinsi)") for p in rows],
            [Series(_("Diharapkan luring"), [p["expected_in_person"] for p in rows], EXPECTED_COLOR),
             Series(_("Hadir luring"), [p["present_in_person"] for p in rows], PRESENT_COLOR)],
            title=_("Kehadiran luring per provinsi (orang-hari)"), label_width=200,
        )

    def session_chart(self):
        rows = self.per_session
        return bar_chart(
            [f"{r['label']} {r['time'].split('–')[0]} · {r['title']}" for r in rows],
            [Series(_("Jumlah"), [r["total"] for r in rows], ONLINE_EXPECTED_COLOR),
             Series(_("Di ruang"), [r["in_room"] for r in rows], PRESENT_COLOR)],
            title=_("Peserta per sesi (di ruang dan daring)"), label_width=300, label_chars=48,
        )


def _mode_label(mode: str) -> str:
    return str(Session.Mode(mode).label) if mode in Session.Mode.values else mode


def build(event: Event, *, scope_unit: Unit | None = None) -> Recap:
    return Recap(event=event, scope_unit=scope_unit,
                 summary=selectors.attendance_summary_cached(event, units=scope_unit), generated_at=timezone.now())


def count_headers() -> list[str]:
    return [_("Diharapkan luring"), _("Hadir luring"), _("Terdaftar daring"), _("Bergabung daring")]


COUNT_KEYS = ("expected_in_person", "present_in_person", "expected_online", "joined_online")


def render_pdf(recap: Recap) -> bytes:
    from rakor.pdf import render_pdf as _render

    return _render("attendance/reports/recap_pdf.html", {
        "recap": recap, "event": recap.event, "count_headers": count_headers(),
        "day_charts": recap.day_chart(), "province_chart": recap.province_chart(),
        "session_chart": recap.session_chart(),
    })


def render_xlsx(recap: Recap) -> bytes:
    """Sheets: Ringkasan (per day), Per provinsi, Per unit (with each day), Per sesi. Numbers stay numbers."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = exports.new_workbook()
    event = recap.event

    def head(ws, title: str):
        append(ws, [recap.title])
        ws["A1"].font = Font(bold=True, size=14)
        append(ws, [event.name])
        append(ws, [title])
        append(ws, [_("Dibuat %(when)s") % {"when": formats.date_format(
            timezone.localtime(recap.generated_at, event.tz), "j F Y H:i")}])
        append(ws, [])

    def header_row(ws, cells):
        append(ws, cells)
        for c in ws[ws.max_row]:
            c.font = bold

    ws = wb.active
    ws.title = _("Ringkasan")[:31]
    head(ws, _("Per hari"))
    header_row(ws, [_("Hari"), *count_headers()])
    first = ws.max_row + 1
    for row in recap.per_day:
        append(ws, [row["label"], *[row[k] for k in COUNT_KEYS]])
    last = ws.max_row
    append(ws, [_("Jumlah"), *[recap.totals[k] for k in COUNT_KEYS]])
    for c in ws[ws.max_row]:
        c.font = bold
    if last >= first:
        chart = BarChart()
        chart.title = _("Kehadiran per hari")
        chart.add_data(Reference(ws, min_col=2, max_col=5, min_row=first - 1, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
        chart.width, chart.height = 18, 8
        ws.add_chart(chart, f"A{ws.max_row + 2}")
    ws.column_dimensions["A"].width = 28

    ws = wb.create_sheet(_("Per provinsi")[:31])
    head(ws, _("Per provinsi (orang-hari)"))
    header_row(ws, [_("Provinsi"), *count_headers()])
    for p in recap.per_province:
        append(ws, [p["province"] or "—", *[p[k] for k in COUNT_KEYS]])
    ws.column_dimensions["A"].width = 30

    ws = wb.create_sheet(_("Per unit")[:31])
    head(ws, _("Per unit kerja dan hari"))
    days = [dt.date.fromisoformat(d["day"]) for d in recap.summary["per_day"]]
    day_headers = []
    for d in days:
        label = formats.date_format(d, "j M")
        day_headers += [f"{label}: " + _("hadir luring"), f"{label}: " + _("bergabung daring")]
    header_row(ws, [_("Unit kerja"), _("Provinsi"), *count_headers(), *day_headers])
    for u in recap.per_unit:
        per_day = []
        for d in u["days"]:
            per_day += [d["present_in_person"], d["joined_online"]]
        append(ws, [u["unit"], u["province"] or "—", *[u[k] for k in COUNT_KEYS], *per_day])
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 22
    ws.freeze_panes = "C7"

    ws = wb.create_sheet(_("Per sesi")[:31])
    head(ws, _("Per sesi"))
    header_row(ws, [_("Hari"), _("Jam"), _("Sesi"), _("Moda"), _("Di ruang"), _("Daring"), _("Jumlah")])
    for s in recap.per_session:
        append(ws, [s["label"], s["time"], s["title"], s["mode_label"], s["in_room"], s["online"], s["total"]])
    ws.column_dimensions["C"].width = 60
    return exports.xlsx_save(wb)
