"""Printable documents: the notula (PDF via WeasyPrint, and a print-friendly page) and the register as XLSX.

Every text a person typed reaches the document either escaped by the template or, for
the Markdown fields, through ``markup.render_markdown`` (nh3). The attendance block
comes from ``selectors.attendance_for``: the live record for a draft, the list frozen at
finalisation for a final notula (which says so in a small line); the count printed is
the list's length.

Every document is made for one reader's ``policy.AttendanceAccess`` (NIPs for organisers
only, a coordinator's own unit's people only): the page, the print view and the PDF take
it as a required argument, so none can be made without deciding whose version it is.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rakor import exports
from rakor.exports import xlsx_append as append
from rakor.pdf import render_pdf

from .markup import render_markdown
from .models import ActionItem, Minutes
from .policy import AttendanceAccess
from .selectors import AttendanceBlock, attendance_for_reader

TZ_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def moment_label(event, value) -> str:
    """A date and time in the event's zone, as the notula prints them: "21 November 2022, 15:42 WIB"."""
    local = timezone.localtime(value, event.tz)
    return f"{formats.date_format(local, 'j F Y')}, {local:%H:%M} {TZ_LABELS.get(event.time_zone, event.time_zone)}"


def attendance_as_of_label(event, block: AttendanceBlock) -> str:
    """The small line under a frozen attendance list; empty for a live one."""
    if not block.frozen:
        return ""
    at = moment_label(event, block.as_of)
    if block.taken == "migration":
        return _("Daftar hadir per %(at)s, direkam setelah notulen difinalkan.") % {"at": at}
    return _("Daftar hadir per %(at)s, saat notulen difinalkan.") % {"at": at}


def notula_context(minutes: Minutes, *, access: AttendanceAccess) -> dict:
    """What the notula templates print, with the attendance list as ``access`` allows."""
    session = minutes.session
    event = session.event
    tz = event.tz
    attendance = attendance_for_reader(minutes, access)
    items = []
    for i, data in enumerate(minutes.items or [], start=1):
        due = data.get("due") or ""
        if due:
            import datetime as dt

            due = formats.date_format(dt.date.fromisoformat(due), "j F Y")
        items.append({"number": i, "what": data.get("what", ""), "unit": data.get("unit_name", ""), "due": due,
                      "key": data.get("key")})
    published = {}
    if minutes.status == Minutes.Status.FINAL:
        published = {it.key: it for it in ActionItem.objects.filter(minutes=minutes)}
    for item in items:
        tracked = published.get(item["key"])
        item["status"] = tracked.get_status_display() if tracked else ""
    return {
        "minutes": minutes, "session": session, "event": event,
        "day_label": formats.date_format(session.day, "l, j F Y"),
        "scheduled": f"{timezone.localtime(session.start, tz):%H:%M}–{timezone.localtime(session.end, tz):%H:%M}",
        "opened": timezone.localtime(minutes.opened_at, tz).strftime("%H:%M") if minutes.opened_at else "",
        "closed": timezone.localtime(minutes.closed_at, tz).strftime("%H:%M") if minutes.closed_at else "",
        "tz_label": TZ_LABELS.get(event.time_zone, event.time_zone),
        "place": " · ".join(p for p in (session.room, event.venue) if p),
        "agenda_html": render_markdown(minutes.agenda),
        "discussion_html": render_markdown(minutes.discussion),
        "questions_html": render_markdown(minutes.questions),
        "decisions_html": render_markdown(minutes.decisions),
        "items": items,
        "attendance": attendance,
        "attendance_as_of": attendance_as_of_label(event, attendance),
        "is_final": minutes.status == Minutes.Status.FINAL,
        "finalised_label": formats.date_format(timezone.localtime(minutes.finalised_at, tz), "j F Y")
        if minutes.finalised_at else "",
        "sign_place": "Jakarta",
    }


def minutes_pdf(minutes: Minutes, *, access: AttendanceAccess) -> bytes:
    """The notula PDF for one reader's access. Made on each request; anything that keeps it must key it by
    ``access.key`` as well as the minutes' revision."""
    return render_pdf("minutes/pdf.html", notula_context(minutes, access=access))


def minutes_pdf_html(minutes: Minutes, *, access: AttendanceAccess) -> str:
    """The HTML WeasyPrint receives (tests check it is inert)."""
    from django.template.loader import render_to_string

    return render_to_string("minutes/pdf.html", notula_context(minutes, access=access))


# ---------------------------------------------------------------- follow-up register (XLSX)


def register_headers() -> list[str]:
    return [_("No."), _("Tindak lanjut"), _("Unit penanggung jawab"), _("Batas waktu"), _("Status"),
            _("Terlambat"), _("Sesi / asal"), _("Catatan perkembangan"), _("Bukti")]


def register_xlsx(event, items, *, today=None) -> bytes:
    from openpyxl.styles import Alignment, Font, PatternFill

    today = today or timezone.localdate(timezone=event.tz)
    wb = exports.new_workbook()
    ws = wb.active
    ws.title = _("Tindak lanjut")[:31]
    append(ws, [_("Daftar Tindak Lanjut — %(event)s") % {"event": event.name}])
    ws["A1"].font = Font(bold=True, size=13)
    append(ws, [_("Per %(date)s") % {"date": formats.date_format(today, "j F Y")}])
    append(ws, [])
    append(ws, register_headers())
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    late_fill = PatternFill("solid", fgColor="FDE2E1")
    for n, item in enumerate(items, start=1):
        origin = item.minutes.session.title if item.minutes_id else (
            _("Rakor sebelumnya: %(e)s") % {"e": item.carried_from.event.name} if item.carried_from_id else "")
        evidence = "; ".join(filter(None, (e.note or e.link or (e.file.name if e.file else "")
                                           for e in item.evidence.all())))
        late = item.is_overdue(today)
        append(ws, [n, item.what, item.unit.name, item.due_date, item.get_status_display(),
                   _("Ya") if late else "", origin, item.progress_note, evidence])
        ws.cell(ws.max_row, 4).number_format = "DD/MM/YYYY"
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if late:
                cell.fill = late_fill
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:I{max(ws.max_row, header_row)}"
    for col, width in zip("ABCDEFGHI", (5, 60, 36, 13, 22, 10, 40, 40, 40)):
        ws.column_dimensions[col].width = width
    return exports.xlsx_save(wb)
