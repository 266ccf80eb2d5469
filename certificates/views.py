"""Certificate pages: organisers' issuing page, downloads, coordinators' ZIP, public verification.

Thin views: access through rakor.roles, writes through certificates.services.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import zipfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from attendance.models import Registration
from attendance.portal import portal_view
from rakor.access import organiser_only
from rakor.media import stored_file_response
from rakor.models import Event, Unit
from rakor.roles import can_manage_unit, coordinator_unit, is_organiser
from rakor.uploads import human_size, upload_limit

from . import selectors, services
from .eligibility import event_eligibility, sessions_to_come
from .models import Certificate, CertificateTemplate, IssueRun

PAGE_SIZE = 100
ZIP_IN_MEMORY_BYTES = 16 * 1024 * 1024


def _filename(certificate: Certificate) -> str:
    number = re.sub(r"[^A-Za-z0-9._-]+", "-", certificate.number).strip("-")
    return f"sertifikat-{certificate.event.slug}-{number or certificate.code}.pdf"


def _pdf_response(certificate: Certificate, *, inline: bool = False) -> HttpResponse:
    if not certificate.has_pdf:  # the recipient's data was erased on request: the PDF is gone
        raise Http404
    certificate = services.ensure_rendered(certificate)
    return stored_file_response(certificate.pdf.name, content_type="application/pdf", as_attachment=not inline,
                                filename=_filename(certificate))


# ---------------------------------------------------------------- organisers


def _run_data(run: IssueRun | None) -> dict:
    if run is None:
        return {"status": None, "done": 0, "total": 0, "percent": 0, "error": ""}
    return {"status": run.status, "status_label": str(run.get_status_display()), "done": run.done,
            "total": run.total, "percent": run.percent, "allocated": run.allocated, "error": run.error,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}


def _to_come_warning(n: int) -> str:
    return ngettext(
        "Acara masih berlangsung: %(n)d sesi belum selesai. Kelayakan dan JP sertifikat yang diterbitkan sekarang "
        "hanya menghitung sesi yang sudah berlangsung; terbitkan ulang sesudah acara bila perlu.",
        "Acara masih berlangsung: %(n)d sesi belum selesai. Kelayakan dan JP sertifikat yang diterbitkan sekarang "
        "hanya menghitung sesi yang sudah berlangsung; terbitkan ulang sesudah acara bila perlu.", n) % {"n": n}


@organiser_only
def organiser_page(request, event):
    """Every registration: eligible or not and why, JP, its certificate; the bulk button and progress."""
    event = get_object_or_404(Event, slug=event)
    registrations = list(Registration.objects.filter(event=event).select_related("participant__unit")
                         .order_by("participant__full_name", "pk"))
    results = event_eligibility(event, registrations)
    certificates = selectors.certificates_by_registration([r.pk for r in registrations])
    revoked = {}
    for c in Certificate.objects.filter(event=event, status=Certificate.Status.REVOKED).order_by("revoked_at"):
        revoked.setdefault(c.registration_id, []).append(c)
    query = (request.GET.get("q") or "").strip()
    show = request.GET.get("show", "")
    rows = []
    for r in registrations:
        e = results[r.pk]
        certificate = certificates.get(r.pk)
        if query and query.lower() not in r.participant.full_name.lower() and query not in r.participant.id_number:
            continue
        if show == "eligible" and not e.eligible or show == "not_eligible" and e.eligible:
            continue
        if show == "issued" and certificate is None or show == "not_issued" and certificate is not None:
            continue
        rows.append({"registration": r, "eligibility": e, "certificate": certificate,
                     "revoked": revoked.get(r.pk, [])})
    counts = {
        "registrations": len(registrations),
        "eligible": sum(1 for e in results.values() if e.eligible),
        "issued": len(certificates),
        "exceptions": sum(1 for e in results.values() if e.exception is not None),
    }
    counts["to_issue"] = sum(1 for r in registrations if results[r.pk].eligible and r.pk not in certificates)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    run = selectors.latest_run(event)
    to_come = sessions_to_come(event)
    return render(request, "certificates/organiser.html", {
        "event": event, "nav": "certificates", "page": page, "counts": counts, "query": query, "show": show,
        "page_query": urlencode({"q": query, "show": show}),
        "templates": list(CertificateTemplate.objects.filter(event=event)), "run": run, "run_data": _run_data(run),
        "to_come": to_come, "to_come_warning": _to_come_warning(to_come) if to_come else "",
    })


@organiser_only
def organiser_progress(request, event):
    event = get_object_or_404(Event, slug=event)
    return JsonResponse(_run_data(selectors.latest_run(event)))


@organiser_only
@require_POST
def organiser_issue_all(request, event):
    event = get_object_or_404(Event, slug=event)
    try:
        run = services.issue_run_start(event=event, by=request.user, send_email=bool(request.POST.get("send_email")))
    except services.RunBusy as exc:
        messages.warning(request, exc.message)
        return redirect("certificates:organiser", event.slug)
    from .tasks import issue_certificates_task

    transaction.on_commit(lambda: issue_certificates_task.delay(run.pk))
    messages.success(request, _("Penerbitan sertifikat dimulai."))
    to_come = sessions_to_come(event)
    if to_come:
        messages.warning(request, _to_come_warning(to_come))
    return redirect("certificates:organiser", event.slug)


@organiser_only
@require_POST
def organiser_default_templates(request, event):
    event = get_object_or_404(Event, slug=event)
    created = services.template_create_defaults(event=event, by=request.user)
    messages.success(request, _("Templat bawaan dibuat: %(n)d.") % {"n": len(created)})
    return redirect("certificates:organiser", event.slug)


def _registration(event, pk) -> Registration:
    return get_object_or_404(Registration.objects.select_related("participant__unit", "event"), event=event, pk=pk)


def _back(request, event):
    url = reverse("certificates:organiser", args=[event.slug])
    query = request.POST.get("back", "")
    return redirect(url + ("?" + query if query and "\n" not in query else ""))


@organiser_only
@require_POST
def organiser_issue_one(request, event, registration):
    event = get_object_or_404(Event, slug=event)
    registration = _registration(event, registration)
    try:
        certificate = services.certificate_issue(registration=registration, by=request.user,
                                                 send_email=bool(request.POST.get("send_email")))
    except services.CertificateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sertifikat %(number)s diterbitkan untuk %(name)s.")
                         % {"number": certificate.number, "name": certificate.recipient_name})
    return _back(request, event)


@organiser_only
@require_POST
def organiser_exception(request, event, registration):
    event = get_object_or_404(Event, slug=event)
    registration = _registration(event, registration)
    try:
        if request.POST.get("remove"):
            services.exception_remove(registration=registration, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Pengecualian untuk %(name)s dihapus.") % {"name": registration.participant})
        else:
            services.exception_grant(registration=registration, reason=request.POST.get("reason", ""), by=request.user)
            messages.success(request, _("Pengecualian untuk %(name)s dicatat.") % {"name": registration.participant})
    except services.CertificateError as exc:
        messages.error(request, exc.message)
    return _back(request, event)


def _certificate(event, code) -> Certificate:
    return get_object_or_404(Certificate.objects.select_related("event", "registration__participant__unit", "template"),
                             event=event, code=code)


@organiser_only
@require_POST
def organiser_revoke(request, event, code):
    event = get_object_or_404(Event, slug=event)
    certificate = _certificate(event, code)
    try:
        services.certificate_revoke(certificate=certificate, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, _("Sertifikat %(number)s dicabut.") % {"number": certificate.number})
    except services.CertificateError as exc:
        messages.error(request, exc.message)
    return _back(request, event)


@organiser_only
@require_POST
def organiser_reissue(request, event, code):
    event = get_object_or_404(Event, slug=event)
    certificate = _certificate(event, code)
    try:
        new = services.certificate_reissue(certificate=certificate, reason=request.POST.get("reason", ""),
                                           by=request.user)
        messages.success(request, _("Sertifikat %(old)s diganti dengan %(new)s.")
                         % {"old": certificate.number, "new": new.number})
    except services.CertificateError as exc:
        messages.error(request, exc.message)
    return _back(request, event)


@organiser_only
def organiser_pdf(request, event, code):
    event = get_object_or_404(Event, slug=event)
    certificate = _certificate(event, code)
    if not certificate.has_pdf:
        raise Http404
    return _pdf_response(certificate)


# ---------------------------------------------------------------- coordinators: a ZIP per unit


@never_cache
def unit_zip(request, event, unit_id):
    """The valid certificates of a unit (and the units under it), for its coordinator or an organiser."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    event = get_object_or_404(Event, slug=event)
    unit = get_object_or_404(Unit, pk=unit_id)
    if not (is_organiser(request.user) or coordinator_unit(request.user) is not None) \
            or not can_manage_unit(request.user, unit):
        raise PermissionDenied(_("Anda tidak mengelola unit ini."))
    certificates = list(
        Certificate.objects.filter(event=event, registration__participant__unit__path__startswith=unit.path,
                                   recipient_erased_at__isnull=True)
        .exclude(status=Certificate.Status.REVOKED)
        .select_related("event", "template", "registration__participant__unit").order_by("seq"))
    if not certificates:
        # Say so, instead of downloading an empty archive.
        messages.info(request, _("Belum ada sertifikat sah untuk %(unit)s dan unit di bawahnya; belum ada yang dapat "
                                 "diunduh.") % {"unit": unit.name})
        return redirect(reverse("attendance:unit_attendance", args=[event.slug]) + f"?unit={unit.pk}")
    pending = [c for c in certificates if c.status == Certificate.Status.PENDING]
    if pending:
        services.render_pending(pending, processes=1)
    # Built in a temporary file of this node (a unit's ZIP can be hundreds of MB), read from storage, streamed out.
    buffer = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY_BYTES)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for c in certificates:
            c = services.ensure_rendered(c)
            with default_storage.open(c.pdf.name, "rb") as fh:
                archive.writestr(_filename(c), fh.read())
    buffer.seek(0)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", unit.short_name or unit.code).strip("-")
    response = FileResponse(buffer, content_type="application/zip", as_attachment=True,
                            filename=f"sertifikat-{event.slug}-{name}.zip")
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- participants


@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_pdf(request, registration: Registration):
    """The participant's own certificate; issued now when the template lets participants do that."""
    from .templatetags.certificates import portal_certificate_info

    info = portal_certificate_info(registration)
    if info["wait"] is not None:
        # Issued and verifiable all the same; only this download waits (e.g. for the evaluation).
        messages.info(request, info["wait"].message)
        return redirect(info["wait"].url)
    certificate = info["certificate"]
    if certificate is None and info["can_issue"]:
        try:
            certificate = services.certificate_issue(registration=registration)
        except services.CertificateError:
            certificate = None
    if certificate is None:
        from django.views.defaults import page_not_found

        return page_not_found(request, Http404())
    return _pdf_response(certificate)


# ---------------------------------------------------------------- public verification


def _check_upload(request, certificate: Certificate | None) -> dict | None:
    upload = request.FILES.get("pdf")
    if upload is None:
        return {"ok": False, "message": _("Pilih berkas PDF sertifikat yang akan diperiksa.")}
    if upload.size > settings.VERIFY_UPLOAD_MAX_BYTES:
        return {"ok": False, "message": _("Berkas terlalu besar (paling besar %(limit)s).") % {
            "limit": human_size(settings.VERIFY_UPLOAD_MAX_BYTES)}}
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    found = selectors.certificate_for_sha256(sha)
    if found is None or (certificate is not None and found.pk != certificate.pk):
        return {"ok": False, "sha256": sha, "message": _(
            "Tidak asli: berkas ini bukan sertifikat yang kami terbitkan, atau isinya sudah diubah.")}
    if found.status == Certificate.Status.REVOKED:
        return {"ok": False, "sha256": sha, "certificate": found, "message": _(
            "Berkas ini sertifikat yang kami terbitkan dan tidak diubah, tetapi sertifikat tersebut sudah dicabut.")}
    if found.recipient_erased_at is not None:
        return {"ok": True, "sha256": sha, "certificate": found, "message": _(
            "Asli: berkas ini sertifikat yang kami terbitkan dan tidak diubah sedikit pun. Sertifikat ini diterbitkan "
            "untuk orang yang datanya telah dihapus atas permintaan.")}
    return {"ok": True, "sha256": sha, "certificate": found, "message": _(
        "Asli: berkas ini sertifikat yang kami terbitkan dan tidak diubah sedikit pun.")}


def _verify_context(certificate):
    replaced_by = Certificate.objects.filter(replaces=certificate).values_list("code", flat=True).first()
    return {"certificate": certificate, "replaced_by": replaced_by}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@upload_limit("VERIFY_UPLOAD_MAX_BYTES")
def verify(request, code):
    certificate = selectors.certificate_for_code(code)
    if certificate is None:
        return render(request, "certificates/verify_unknown.html", {"code": ""}, status=404)
    context = _verify_context(certificate)
    if request.method == "POST":
        context["check"] = _check_upload(request, certificate)
    response = render(request, "certificates/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@upload_limit("VERIFY_UPLOAD_MAX_BYTES")
def verify_home(request):
    """Type a code, or upload a PDF to learn whether it is one we issued, unaltered."""
    code = (request.GET.get("code") or "").strip().upper()
    if code:
        return redirect("certificates:verify", code=re.sub(r"[^A-Z0-9]", "", code)[:20] or "X")
    context = {}
    if request.method == "POST":
        context["check"] = _check_upload(request, None)
    response = render(request, "certificates/verify_home.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
