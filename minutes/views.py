"""Pages of the minutes: the list, the editor (works without JavaScript), review, revisions, PDF.

Views stay thin: who may do what comes from ``policy``; every write goes through ``services``.
"""

from __future__ import annotations

import json

from csp.constants import NONCE
from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agenda.models import Session
from rakor.access import signed_in
from rakor.models import Event
from rakor.roles import coordinator_unit, is_organiser

from . import policy, selectors, services
from .documents import minutes_pdf, moment_label, notula_context
from .forms import ItemFormSet, MinutesForm, initial_for, items_content
from .markup import render_markdown
from .models import Minutes, MinutesAutosave, MinutesRevision


def _load(request, event: str, session: int) -> tuple[Event, Session, Minutes | None]:
    event = get_object_or_404(Event, slug=event)
    session = get_object_or_404(Session.objects.select_related("event"), event=event, pk=session)
    minutes = Minutes.objects.filter(session=session).select_related("session__event").first()
    return event, session, minutes


def _viewable(request, event, session) -> tuple[Event, Session, Minutes]:
    event, session, minutes = _load(request, event, session)
    if minutes is None:
        if is_organiser(request.user):
            return event, session, None
        raise Http404(_("Notulen sesi ini belum dibuka."))
    if not policy.can_view(request.user, minutes):
        raise PermissionDenied(_("Notulen ini belum dapat Anda lihat."))
    return event, session, minutes


def _detail_url(event: Event, session: Session) -> str:
    return reverse("minutes:detail", kwargs={"event": event.slug, "session": session.pk})


# ---------------------------------------------------------------- list


@signed_in
@require_http_methods(["GET", "HEAD"])
def home(request):
    """Where a minute taker starts: the minutes assigned to them, and every event's list."""
    if not policy.can_list(request.user):
        raise PermissionDenied(_("Halaman ini untuk panitia, notulis dan koordinator unit."))

    mine = (Minutes.objects.filter(minute_takers=request.user).select_related("session__event")
            .order_by("-session__event__start_date", "session__start"))
    return render(request, "minutes/home.html", {
        "mine": list(mine), "events": Event.objects.order_by("-start_date"),
        "can_register": is_organiser(request.user) or coordinator_unit(request.user) is not None,
    })



@signed_in
@require_http_methods(["GET", "HEAD"])
def minutes_list(request, event):
    event = get_object_or_404(Event, slug=event)
    if not policy.can_list(request.user):
        raise PermissionDenied(_("Halaman ini untuk panitia, notulis dan koordinator unit."))
    rows = selectors.sessions_with_minutes(event, request.user)
    tz = event.tz
    return render(request, "minutes/list.html", {
        "event": event, "nav": "minutes",
        "rows": [{"session": s, "minutes": m, "start": s.start.astimezone(tz), "end": s.end.astimezone(tz),
                  "mine": m is not None and policy.is_assigned(request.user, m)} for s, m in rows],
        "takers": list(selectors.minute_takers_choices()) if policy.can_assign(request.user) else [],
        "can_assign": policy.can_assign(request.user),
    })


@signed_in
@require_POST
def assign(request, event, session):
    event, session, minutes = _load(request, event, session)
    if not policy.can_assign(request.user):
        raise PermissionDenied(_("Hanya panitia yang menugaskan notulis."))
    ids = [int(v) for v in request.POST.getlist("takers") if v.isdigit()]
    takers = list(selectors.minute_takers_choices().filter(pk__in=ids))
    try:
        services.assign_minute_takers(session=session, takers=takers, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        names = ", ".join(u.get_full_name() or u.get_username() for u in takers) or "—"
        messages.success(request, _("Notulis “%(title)s”: %(names)s.") % {"title": session.title, "names": names})
    if request.POST.get("next") == "detail":
        return redirect(_detail_url(event, session))
    return redirect(reverse("minutes:list", kwargs={"event": event.slug}) + f"#sesi-{session.pk}")


# ---------------------------------------------------------------- view / edit


def _forms_from_content(minutes: Minutes, content: dict, base: int):
    initial, items = initial_for(content)
    initial["base_revision"] = base
    return MinutesForm(initial=initial), ItemFormSet(initial=items, prefix="items")


def _forms_from_data(data):
    return MinutesForm(data=data), ItemFormSet(data=data, prefix="items")


def _page(request, event, session, minutes, *, form=None, formset=None, conflict=None, restored=None,
          preview=None, status=200):
    user = request.user
    context = {
        "event": event, "session": session, "minutes": minutes, "nav": "minutes",
        "can_edit": policy.can_edit(user, minutes), "can_review": policy.can_review(user, minutes),
        "can_correct": policy.can_correct(user, minutes), "can_assign": policy.can_assign(user),
        "can_revisions": minutes is not None and policy.can_see_revisions(user, minutes),
        "form": form, "formset": formset, "conflict": conflict, "restored": restored, "preview": preview,
        "session_ended": services.session_has_ended(session),
    }
    if minutes is not None:
        context.update(notula_context(minutes, access=policy.attendance_access(user, minutes)))
        context["takers"] = list(minutes.minute_takers.all())
        if policy.can_see_revisions(user, minutes):
            context["attendance_note"] = _attendance_note(minutes, context["attendance"],
                                                          can_correct=context["can_correct"])
    if policy.can_assign(user):
        context["taker_choices"] = list(selectors.minute_takers_choices())
    return render(request, "minutes/detail.html", context, status=status)


def _attendance_note(minutes: Minutes, shown, *, can_correct: bool) -> list[str]:
    """For the people answerable for a final notula: attendance records that arrived (or went) after its
    list was frozen. The notula does not change; they decide whether a correction is due."""
    changes = selectors.attendance_changes(minutes, shown)
    if not changes:
        return []
    at = moment_label(minutes.session.event, shown.as_of)
    migrated = shown.taken == "migration"
    lines = []
    if changes.added:
        if migrated:
            lines.append(_("%(n)d catatan kehadiran masuk setelah daftar hadir notulen final ini direkam dan tidak "
                           "tercantum di dalamnya.") % {"n": changes.added})
        else:
            lines.append(_("%(n)d catatan kehadiran masuk setelah notulen ini difinalkan dan tidak tercantum dalam "
                           "daftar hadirnya.") % {"n": changes.added})
    if changes.removed:
        lines.append(_("%(n)d orang dalam daftar hadir notulen final tidak lagi tercantum dalam catatan "
                       "presensi.") % {"n": changes.removed})
    if changes.moved:
        lines.append(_("%(n)d orang kini tercatat hadir dengan cara lain (luring atau daring) daripada dalam daftar "
                       "hadir notulen final.") % {"n": changes.moved})
    if migrated:
        lines.append(_("Notulen final tetap memuat daftar hadir sebagaimana direkam pada %(at)s.") % {"at": at})
    else:
        lines.append(_("Notulen final tetap memuat daftar hadir sebagaimana pada saat difinalkan, %(at)s.")
                     % {"at": at})
    if can_correct:
        lines.append(_("Bila daftar hadir perlu diperbarui, buka koreksi: notulen yang difinalkan lagi memuat "
                       "daftar hadir saat itu."))
    return lines


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def detail(request, event, session):
    event, session, minutes = _viewable(request, event, session)
    user = request.user
    if minutes is None or not policy.can_edit(user, minutes):
        if request.method == "POST":
            raise PermissionDenied(_("Notulen ini tidak dapat Anda ubah sekarang."))
        return _page(request, event, session, minutes)

    if request.method != "POST":
        saved = MinutesAutosave.objects.filter(minutes=minutes, user=user).first()
        if saved is not None and MinutesRevision.objects.filter(minutes=minutes, author=user,
                                                                created_at__gt=saved.saved_at).exists():
            saved.delete()  # a late autosave request, overtaken by this editor's own save
            saved = None
        if saved is not None and saved.content:
            form, formset = _forms_from_data(saved.content)
            return _page(request, event, session, minutes, form=form, formset=formset, restored=saved)
        form, formset = _forms_from_content(minutes, services.minutes_content(minutes), minutes.revision_number)
        return _page(request, event, session, minutes, form=form, formset=formset)

    action = request.POST.get("action", "save")
    if action == "discard":
        services.discard_autosave(minutes=minutes, user=user)
        messages.info(request, _("Teks simpan otomatis dibuang."))
        return redirect(_detail_url(event, session))
    form, formset = _forms_from_data(request.POST)
    if not (form.is_valid() and formset.is_valid()):
        return _page(request, event, session, minutes, form=form, formset=formset, status=400)
    content = form.content()
    content["items"] = items_content(formset)
    if action == "preview":
        return _page(request, event, session, minutes, form=form, formset=formset,
                     preview={f: render_markdown(content[f]) for f in services.TEXT_FIELDS})
    try:
        revision = services.save_draft(minutes=minutes, by=user, content=content,
                                       base_revision=form.cleaned_data["base_revision"], submit=action == "submit")
    except services.StaleRevision as stale:
        return _conflict(request, event, session, stale, form, formset)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _page(request, event, session, minutes, form=form, formset=formset, status=400)
    if action == "submit":
        messages.success(request, _("Notulen disimpan sebagai revisi %(n)d dan diajukan kepada panitia untuk "
                                    "diperiksa.") % {"n": revision.number})
    else:
        messages.success(request, _("Tersimpan sebagai revisi %(n)d.") % {"n": revision.number})
    return redirect(_detail_url(event, session))


def _conflict(request, event, session, stale, form, formset):
    """Someone saved meanwhile: keep the editor's text, show the other's changes next to it, let them merge."""
    minutes = Minutes.objects.select_related("session__event").get(pk=stale.minutes.pk)
    current = services.minutes_content(minutes)
    base = MinutesRevision.objects.filter(minutes=minutes, number=stale.base).first()
    base_content = base.content if base is not None else {}
    latest = MinutesRevision.objects.filter(minutes=minutes, number=minutes.revision_number).first()
    mine = form.content() if form.is_valid() else {}
    if formset.is_valid():
        mine["items"] = services.clean_items(items_content(formset))
    theirs = {d.name: d for d in selectors.diff_contents(base_content, current)}
    fields = []
    for name, diff in theirs.items():
        fields.append({
            "name": name, "label": diff.label, "their_diff": diff.lines,
            "current": "\n".join(selectors.content_lines(current, name)),
            "mine_changed": selectors.content_lines(base_content, name) != selectors.content_lines(mine, name),
        })
    data = request.POST.copy()
    data["base_revision"] = str(minutes.revision_number)
    form, formset = _forms_from_data(data)
    form.is_valid()
    formset.is_valid()
    conflict = {"base": stale.base, "current": minutes.revision_number, "fields": fields,
                "by": latest.author_label if latest else "", "at": latest.created_at if latest else None}
    return _page(request, event, session, minutes, form=form, formset=formset, conflict=conflict, status=409)


@signed_in
@require_POST
def autosave(request, event, session):
    """JSON: {"base_revision": n, "fields": {...form fields...}} → keeps the editor's unsaved text."""
    event, session, minutes = _load(request, event, session)
    if minutes is None or not policy.can_edit(request.user, minutes):
        return JsonResponse({"error": _("Notulen ini tidak dapat Anda ubah sekarang.")}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        fields = body.get("fields") or {}
        if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
            raise ValueError
        fields = {k: v if isinstance(v, (str, list)) else str(v) for k, v in fields.items()
                  if k != "csrfmiddlewaretoken" and k != "action"}
        base = int(fields.get("base_revision") or body.get("base_revision") or 0)
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"error": _("Isian tidak valid.")}, status=400)
    try:
        saved = services.autosave(minutes=minutes, user=request.user, content=fields, base_revision=base)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=413)
    return JsonResponse({
        "saved_at": timezone.localtime(saved.saved_at, event.tz).strftime("%H:%M:%S"),
        "current_revision": minutes.revision_number, "base_revision": base,
    })


# ---------------------------------------------------------------- organisers: review, finalise, correction


@signed_in
@require_POST
def review(request, event, session):
    event, session, minutes = _viewable(request, event, session)
    if minutes is None:
        raise Http404
    action = request.POST.get("action")
    try:
        if action == "finalise":
            base = request.POST.get("base_revision")
            services.finalise(minutes=minutes, by=request.user, base_revision=int(base) if base else None)
            messages.success(request, _("Notulen difinalkan dan dikunci. Tindak lanjutnya masuk ke daftar tindak "
                                        "lanjut."))
        elif action == "return":
            services.return_to_draft(minutes=minutes, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Notulen dikembalikan kepada notulis dengan catatan."))
        else:
            raise ValidationError(_("Tindakan tidak dikenal."))
    except services.StaleRevision:
        messages.error(request, _("Notulen berubah sejak halaman ini dibuka; periksa lagi sebelum memfinalkan."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_detail_url(event, session))


@signed_in
@require_POST
def correction(request, event, session):
    event, session, minutes = _viewable(request, event, session)
    if minutes is None:
        raise Http404
    try:
        revision = services.open_correction(minutes=minutes, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Koreksi dibuka sebagai revisi %(n)d: notulis dapat mengubah naskah, lalu "
                                    "mengajukannya lagi.") % {"n": revision.number})
    return redirect(_detail_url(event, session))


# ---------------------------------------------------------------- revisions


@signed_in
@require_http_methods(["GET", "HEAD"])
def revisions(request, event, session):
    event, session, minutes = _viewable(request, event, session)
    if minutes is None or not policy.can_see_revisions(request.user, minutes):
        raise PermissionDenied(_("Riwayat revisi hanya untuk notulis yang ditugaskan dan panitia."))
    history = list(selectors.revisions(minutes))
    numbers = {r.number: r for r in history}
    compare = None
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    if a or b:
        if not (a.isdigit() and b.isdigit()) or int(a) not in numbers or int(b) not in numbers:
            raise Http404(_("Revisi tidak ada."))
        ra, rb = numbers[int(a)], numbers[int(b)]
        compare = {"a": ra, "b": rb, "fields": selectors.diff_contents(ra.content, rb.content)}
    shown = None
    if request.GET.get("lihat", "").isdigit() and int(request.GET["lihat"]) in numbers:
        r = numbers[int(request.GET["lihat"])]
        shown = {"revision": r, "html": {f: render_markdown(r.content.get(f, "")) for f in services.TEXT_FIELDS}}
    return render(request, "minutes/revisions.html", {
        "event": event, "session": session, "minutes": minutes, "history": history, "compare": compare,
        "shown": shown, "nav": "minutes", "can_restore": policy.can_restore(request.user, minutes),
        "latest": minutes.revision_number,
    })


@signed_in
@require_POST
def restore(request, event, session, number):
    event, session, minutes = _viewable(request, event, session)
    if minutes is None:
        raise Http404
    try:
        revision = services.restore_revision(minutes=minutes, by=request.user, number=number,
                                             reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("minutes:revisions", kwargs={"event": event.slug, "session": session.pk}))
    messages.success(request, _("Revisi %(old)d dipulihkan sebagai draf baru (revisi %(n)d).") % {
        "old": number, "n": revision.number})
    return redirect(_detail_url(event, session))


# ---------------------------------------------------------------- documents


def _document_minutes(request, event, session) -> Minutes:
    event, session, minutes = _viewable(request, event, session)
    if minutes is None:
        raise Http404(_("Notulen sesi ini belum dibuka."))
    return minutes


@signed_in
@require_http_methods(["GET", "HEAD"])
def pdf(request, event, session):
    minutes = _document_minutes(request, event, session)
    body = minutes_pdf(minutes, access=policy.attendance_access(request.user, minutes))
    response = HttpResponse(body, content_type="application/pdf")
    name = f"notulen-{minutes.session.event.slug}-sesi-{minutes.session_id}"
    if minutes.status != Minutes.Status.FINAL:
        name += "-draf"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# The notula's stylesheet is shared with its PDF (one include): here it is an inline <style> carrying
# this request's CSP nonce, the one page whose policy allows one.
@csp_update({"style-src": [NONCE]})
@signed_in
@require_http_methods(["GET", "HEAD"])
def print_view(request, event, session):
    minutes = _document_minutes(request, event, session)
    return render(request, "minutes/print.html",
                  notula_context(minutes, access=policy.attendance_access(request.user, minutes)))


def presence_user_label(user) -> str:
    return user.get_full_name() or user.get_username()

