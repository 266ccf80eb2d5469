"""The organisers' activity report pages under the event console (``/e/<event>/panitia/laporan/``).

Thin views: organisers only (``rakor.access.organiser_only``), reads through ``selectors``,
writes through ``services``; generation goes to the background job (``tasks``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rakor.access import organiser_only
from rakor.media import stored_file_response
from rakor.models import Event

from . import documents, selectors, services
from .forms import NarrativeForm
from .models import ReportVersion
from .tasks import generate_report_task

CONTENT_TYPES = {"pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@organiser_only
def report_page(request, event):
    event = get_object_or_404(Event, slug=event)
    report = selectors.report_for(event)
    services.report_deferred_start(event=event, queue=generate_report_task.delay)
    if request.method == "POST":
        form = NarrativeForm(request.POST, instance=report)
        if form.is_valid():
            services.report_save_narrative(event=event, by=request.user, **form.cleaned_data)
            messages.success(request, _("Bagian naratif laporan disimpan."))
            return redirect("reports:page", event.slug)
    else:
        form = NarrativeForm(instance=report)
    versions = selectors.versions(report)
    return render(request, "reports/page.html", {
        "event": event, "report": report, "form": form, "versions": versions, "nav": "activity_report",
        "latest_final": selectors.latest_final(report),
        "pending": any(v.status == ReportVersion.Status.PENDING for v in versions),
    })


@organiser_only
def report_preview(request, event):
    event = get_object_or_404(Event, slug=event)
    content = selectors.report_content(event)
    return render(request, "reports/preview.html", {
        **documents.context(content), "nav": "activity_report",
        "attendance_rows": sum(day.row_count for day in content.attendance_lists),
    })


@organiser_only
@require_POST
def report_generate(request, event):
    event = get_object_or_404(Event, slug=event)
    final = request.POST.get("final") == "1"
    version = services.report_generation_request(event=event, by=request.user, final=final,
                                                 queue=generate_report_task.delay)
    version.refresh_from_db()
    if version.status == ReportVersion.Status.FAILED:
        messages.error(request, _("Laporan versi %(n)d gagal dibuat: %(error)s") % {"n": version.number,
                                                                                 "error": version.error})
    elif version.status == ReportVersion.Status.READY:
        messages.success(request, (_("Versi final %(n)d dibuat dan ditandatangani.") if final else
                                   _("Draf versi %(n)d dibuat.")) % {"n": version.number})
    else:
        messages.info(request, _("Laporan versi %(n)d sedang dibuat; halaman ini diperbarui sendiri.") % {
            "n": version.number})
    return redirect("reports:page", event.slug)


@organiser_only
def report_download(request, event, number, kind):
    event = get_object_or_404(Event, slug=event)
    version = get_object_or_404(ReportVersion, report__event=event, number=number, status=ReportVersion.Status.READY)
    field = version.pdf if kind == "pdf" else version.docx
    if not field:  # erased (a personal data erasure request deleted the files)
        raise Http404
    return stored_file_response(field.name, filename=field.name.rsplit("/", 1)[-1], content_type=CONTENT_TYPES[kind])
