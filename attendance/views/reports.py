"""Rekap kehadiran pages: HTML, XLSX and PDF of attendance per day, province, unit and session.

Organisers get every unit; a unit coordinator gets their subtree only (the numbers
are computed over their people, never filtered after the fact). Anonymous
visitors go to the login page; other signed-in users get 403.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from rakor.access import organiser_or_coordinator
from rakor.models import Event
from rakor.roles import coordinator_unit, is_organiser

from .. import reports
from .organiser import _download

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _recap(request, event: str) -> reports.Recap:
    event = get_object_or_404(Event, slug=event)
    scope = None if is_organiser(request.user) else coordinator_unit(request.user)
    return reports.build(event, scope_unit=scope)


@organiser_or_coordinator
def report(request, event):
    recap = _recap(request, event)
    organiser = is_organiser(request.user)
    day_attendance, day_online = recap.day_chart()
    return render(request, "attendance/reports/recap.html", {
        "recap": recap, "event": recap.event, "count_headers": reports.count_headers(),
        "day_charts": (day_attendance, day_online), "province_chart": recap.province_chart(),
        "session_chart": recap.session_chart(), "nav": "report", "is_organiser": organiser,
        "own_unit": None if organiser else recap.scope_unit,
        "base_template": "organiser/base.html" if organiser else "attendance/coordinator/base.html",
    })


@organiser_or_coordinator
def report_xlsx(request, event):
    recap = _recap(request, event)
    return _download(reports.render_xlsx(recap), XLSX, recap.filename("xlsx"))


@organiser_or_coordinator
def report_pdf(request, event):
    recap = _recap(request, event)
    return _download(reports.render_pdf(recap), "application/pdf", recap.filename("pdf"))
