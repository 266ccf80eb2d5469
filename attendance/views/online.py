"""Organisers' pages for online attendance: who joined a session and for how long, and the
meeting platform's report (Zoom CSV) with its unmatched lines to resolve by hand.

Organisers only (rakor.access.organiser_only): anonymous
visitors go to the login page, other signed-in users get 403.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from agenda.models import Session
from rakor import exports
from rakor.access import organiser_only
from rakor.exports import xlsx_append as append
from rakor.models import Event
from rakor.uploads import human_size, upload_limit

from ..models import MeetingReport, MeetingReportRow, Registration
from ..online import selectors, services
from ..online.reports import name_candidates


class ReportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Laporan peserta platform rapat (CSV dari Zoom, Google Meet atau "
                                              "Microsoft Teams)"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.MEETING_REPORT_MAX_BYTES:
            raise ValidationError(_("Berkas terlalu besar (maksimal %(limit)s).") % {
                "limit": human_size(settings.MEETING_REPORT_MAX_BYTES)})
        if not f.name.lower().endswith((".csv", ".txt", ".tsv")):
            raise ValidationError(_("Unggah berkas CSV laporan peserta: Zoom (Reports → Usage → Participants), Google "
                                    "Meet (laporan kehadiran) atau Microsoft Teams (Attendance report)."))
        return f


def _session(event_slug: str, session_id: int) -> Session:
    return get_object_or_404(Session.objects.select_related("event"), pk=session_id, event__slug=event_slug)


def _local(value, tz):
    return timezone.localtime(value, tz) if value else None


def _attendance_rows(session: Session) -> list[dict]:
    tz = session.event.tz
    rows = []
    for oa in selectors.online_attendance_for_session(session):
        p = oa.registration.participant
        rows.append({"name": p.full_name, "nip": p.nip, "position": p.position, "unit": p.unit.name,
                     "first_joined_at": _local(oa.first_joined_at, tz), "heartbeat_minutes": oa.heartbeat_minutes,
                     "report_minutes": oa.report_minutes, "minutes": oa.minutes})
    return rows


@organiser_only
def session_attendance(request, event: str, session_id: int):
    """Who joined a session online and for how long (heartbeats and the platform report)."""
    session = _session(event, session_id)
    rows = _attendance_rows(session)
    return render(request, "attendance/online/attendance.html", {
        "event": session.event, "session": session, "rows": rows, "nav": "online",
        "start": _local(session.start, session.event.tz), "end": _local(session.end, session.event.tz),
        "reports": MeetingReport.objects.filter(session=session).order_by("-uploaded_at", "-pk")[:10],
        "total_minutes": sum(r["minutes"] for r in rows),
    })


@organiser_only
def session_attendance_xlsx(request, event: str, session_id: int):
    from openpyxl.styles import Font

    session = _session(event, session_id)
    wb = exports.new_workbook()
    ws = wb.active
    ws.title = _("Kehadiran daring")[:31]
    append(ws, [session.event.name])
    append(ws, [session.title, timezone.localtime(session.start, session.event.tz).strftime("%d-%m-%Y %H:%M"),
               timezone.localtime(session.end, session.event.tz).strftime("%H:%M")])
    append(ws, [])
    header = [_("No."), _("Nama"), _("NIP"), _("Jabatan"), _("Unit kerja"), _("Pertama bergabung"),
              _("Menit (detak portal)"), _("Menit (laporan platform rapat)"), _("Menit dihitung")]
    append(ws, header)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for i, r in enumerate(_attendance_rows(session), 1):
        joined = r["first_joined_at"].replace(tzinfo=None) if r["first_joined_at"] else None
        append(ws, [i, r["name"], r["nip"], r["position"], r["unit"], joined, r["heartbeat_minutes"],
                   r["report_minutes"], r["minutes"]])
        if joined:
            ws.cell(ws.max_row, 6).number_format = "dd-mm-yyyy hh:mm"
    for column, width in zip("ABCDEFGHI", (5, 36, 20, 28, 40, 18, 12, 12, 12)):
        ws.column_dimensions[column].width = width
    response = HttpResponse(exports.xlsx_save(wb), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="kehadiran-daring-{session.event.slug}-{session.pk}.xlsx"'
    return response


@organiser_only
@require_http_methods(["GET", "POST"])
@upload_limit("MEETING_REPORT_MAX_BYTES")
def report_upload(request, event: str, session_id: int):
    session = _session(event, session_id)
    form = ReportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            report = services.meeting_report_import(session=session, filename=f.name, data=f.read(), by=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, ngettext("Laporan %(file)s tersimpan: %(n)s baris.",
                                               "Laporan %(file)s tersimpan: %(n)s baris.", report.rows_total) % {
                "file": report.filename, "n": report.rows_total})
            for note in getattr(report, "notes", ()):
                messages.info(request, note)
            return redirect("sessions_join:report_detail", event=session.event.slug, report_id=report.pk)
    return render(request, "attendance/online/upload.html", {
        "event": session.event, "session": session, "form": form, "nav": "online",
        "reports": MeetingReport.objects.filter(session=session).order_by("-uploaded_at", "-pk"),
    })


def _report(event: str, report_id: int) -> MeetingReport:
    return get_object_or_404(MeetingReport.objects.select_related("session__event"), pk=report_id,
                             session__event__slug=event)


@organiser_only
def report_detail(request, event: str, report_id: int):
    report = _report(event, report_id)
    session = report.session
    tz = session.event.tz
    rows = list(report.rows.select_related("registration__participant__unit"))
    for row in rows:
        row.joined_local, row.left_local = _local(row.joined_at, tz), _local(row.left_at, tz)
    counts = {status: 0 for status in MeetingReportRow.Status.values}
    for row in rows:
        counts[row.status] += 1
    newest = MeetingReport.objects.filter(session=session).order_by("-uploaded_at", "-pk").values_list("pk", flat=True).first()
    return render(request, "attendance/online/detail.html", {
        "event": session.event, "session": session, "report": report, "nav": "online",
        "to_resolve": [r for r in rows if r.status == MeetingReportRow.Status.UNMATCHED],
        "invalid": [r for r in rows if r.status == MeetingReportRow.Status.INVALID],
        "done": [r for r in rows if r.status in (MeetingReportRow.Status.MATCHED, MeetingReportRow.Status.RESOLVED,
                                                 MeetingReportRow.Status.IGNORED)],
        "counts": counts, "is_newest": newest == report.pk,
    })


def _candidates(event: Event, q: str):
    q = " ".join(q.split())
    if len(q) < 2:
        return []
    digits = q.replace(" ", "")
    filters = Q(participant__full_name__icontains=q)
    if digits.isdigit():
        filters |= Q(participant__id_number__startswith=digits)
    return list(Registration.objects.filter(filters, event=event).select_related("participant__unit")
                .order_by("participant__full_name")[:25])


@organiser_only
@require_http_methods(["GET", "POST"])
def row_resolve(request, event: str, report_id: int, row_id: int):
    """Pick the registration an unmatched line belongs to (search by name or NIP within the event)."""
    report = _report(event, report_id)
    row = get_object_or_404(MeetingReportRow, pk=row_id, report=report)
    if request.method == "POST":
        registration = Registration.objects.filter(event=report.session.event, pk=request.POST.get("registration")).first()
        if registration is None:
            messages.error(request, _("Pilih seorang pendaftar dari hasil pencarian."))
        else:
            try:
                services.meeting_report_row_resolve(row=row, registration=registration, by=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Baris %(line)s dicocokkan dengan %(name)s.") % {
                    "line": row.line, "name": registration.participant.full_name})
                return redirect("sessions_join:report_detail", event=event, report_id=report.pk)
    q = request.GET.get("q", "").strip()
    if not q and request.method == "GET":

        readings = name_candidates(row.name)
        q = readings[0][0] if readings else ""
    return render(request, "attendance/online/resolve.html", {
        "event": report.session.event, "session": report.session, "report": report, "row": row, "q": q,
        "candidates": _candidates(report.session.event, q), "nav": "online",
    })


@organiser_only
@require_POST
def row_ignore(request, event: str, report_id: int, row_id: int):
    report = _report(event, report_id)
    row = get_object_or_404(MeetingReportRow, pk=row_id, report=report)
    services.meeting_report_row_ignore(row=row, by=request.user)
    messages.success(request, _("Baris %(line)s diabaikan.") % {"line": row.line})
    return redirect("sessions_join:report_detail", event=event, report_id=report.pk)
