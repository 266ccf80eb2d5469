"""/e/<event>/audit/: the organisers' view of the audit trail (who, what, when, before → after).

Shows the event's entries and the entries tied to no event (units, people, accounts);
filters by kind of data, person, action and dates (event time zone); 50 per page.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from .models import AuditEntry, Event
from .roles import is_organiser

PER_PAGE = 50


# Entries written before sessions_app's models moved (issue 16) name them by their old label; the
# trail is append-only, so they keep it and are read through this map.
MOVED_MODELS = {
    "sessions_app.session": "agenda.session",
    **{f"sessions_app.{m}": f"attendance.{m}" for m in ("onlineattendance", "meetingreport", "meetingreportrow")},
    **{f"sessions_app.{m}": f"minutes.{m}"
       for m in ("minutes", "minutesrevision", "minutesautosave", "actionitem", "actionitemevidence")},
}


def _model(label: str):
    return apps.get_model(MOVED_MODELS.get(label, label))


def model_label(label: str) -> str:
    """'attendance.registration' → its verbose name ('pendaftaran'); the label itself if unknown."""
    try:
        return str(_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _verbose_name(field) -> str:
    """A field's label; a reverse relation (``evidence`` of a follow-up) is named by its model."""
    if field.auto_created and not field.concrete:
        return str(field.related_model._meta.verbose_name)
    return str(field.verbose_name)


def _related_field(meta, name: str):
    """``name`` as a field of a model this one has (follow-up → its evidence: ``note``, ``link``, ``file``)."""
    for relation in meta.related_objects:
        try:
            return relation.related_model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    raise FieldDoesNotExist(name)


def field_label(model: str, key: str) -> str:
    """A field's verbose name; nested keys ('participant.full_name', 'day.2022-11-21') keep their prefix."""
    prefix, _dot, name = key.rpartition(".")
    try:
        meta = _model(model)._meta
        if prefix == "participant":
            meta = apps.get_model("attendance.participant")._meta
        elif prefix == "day":  # a registration's mode on one day ("day.2026-12-03")
            return _("cara hadir %(day)s") % {"day": name}
        elif prefix:
            return key
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            field = _related_field(meta, name)
        label = _verbose_name(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        return key
    return f"{_('peserta')}: {label}" if prefix == "participant" else label


def action_label(action: str) -> str:
    labels = {
        "create": _("dibuat"), "update": _("diubah"), "delete": _("dihapus"), "anonymise": _("data pribadi dihapus"),
        "reissue_portal_link": _("tautan portal diganti"), "refuse": _("ditolak"), "revoke": _("dicabut"),
        "signin_lock": _("masuk dikunci"), "signin_unlock": _("kunci masuk dibuka"),
        "action_item_status": _("status tindak lanjut diubah"), "action_item_evidence": _("bukti ditambahkan"),
        "action_items_carry": _("tindak lanjut acara sebelumnya dibawa"),
        "signing_key_reseal": _("kunci tiket disegel ulang"),
        "admit_in_person": _("diterima luring di meja registrasi (semula daring)"),
    }
    if action.startswith("status:"):
        status = action.split(":", 1)[1]
        try:  # the registration status's own label ("Ditolak"), else the code
            status = str(dict(apps.get_model("attendance.registration").Status.choices).get(status, status))
        except LookupError:
            pass
        return _("status → %(status)s") % {"status": status}
    return labels.get(action, action)


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Jenis data"), required=False)
    actor = forms.ChoiceField(label=gettext_lazy("Oleh"), required=False)
    action = forms.ChoiceField(label=gettext_lazy("Tindakan"), required=False)
    date_from = forms.DateField(label=gettext_lazy("Dari tanggal"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("Sampai tanggal"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("Semua"))]
        models = entries.order_by("model").values_list("model", flat=True).distinct()
        self.fields["model"].choices = everything + [(m, model_label(m)) for m in models]
        actors = entries.exclude(actor_label="").order_by("actor_label").values_list("actor_label", flat=True).distinct()
        self.fields["actor"].choices = everything + [(a, a) for a in actors]
        actions = entries.order_by("action").values_list("action", flat=True).distinct()
        self.fields["action"].choices = everything + [(a, action_label(a)) for a in actions]


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("ya") if value else _("tidak")
    return str(value)


def _field(model: str, key: str):
    prefix, _dot, name = key.rpartition(".")
    try:
        meta = apps.get_model("attendance.participant" if prefix == "participant" else model)._meta
        return None if prefix and prefix != "participant" else meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _named(model: str, key: str, value, names: dict) -> str:
    """A value as people know it: a choice's label ("Ditolak", not "rejected"), a related row's name (not its id).

    ``names`` caches the related rows already looked up for this page.
    """
    field = _field(model, key)
    if field is not None and value not in (None, ""):
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if field.many_to_one and isinstance(value, (int, str)):
            return names.get((field.related_model._meta.label_lower, str(value)), str(value))
    return _value(key, value)


def related_names(entries) -> dict:
    """{(model label, pk): name} of every row the entries' changes point to: one query per kind of row."""
    wanted: dict = {}
    for entry in entries:
        for key, old, new in entry.changes:
            field = _field(entry.model, key)
            if field is not None and field.many_to_one:
                for value in (old, new):
                    if isinstance(value, (int, str)) and value != "":
                        wanted.setdefault(field.related_model, set()).add(value)
    names = {}
    for model, pks in wanted.items():
        try:
            rows = model._default_manager.filter(pk__in=pks)
            names.update({(model._meta.label_lower, str(row.pk)): str(row) for row in rows})
        except (ValueError, TypeError):
            continue
    return names


def entry_rows(entry: AuditEntry, names: dict | None = None) -> list[dict]:
    """What changed, in words; a value that reads the same before and after (None → "") is no change."""
    names = {} if names is None else names
    rows = []
    for key, old, new in entry.changes:
        before, after = _named(entry.model, key, old, names), _named(entry.model, key, new, names)
        if before != after:
            rows.append({"field": field_label(entry.model, key), "before": before, "after": after})
    return rows


def _verb(action: str) -> str:
    """The action as a verb in a sentence ("Siti menolak pendaftaran …")."""
    verbs = {
        "create": _("membuat"), "update": _("mengubah"), "delete": _("menghapus"),
        "anonymise": _("menghapus data pribadi"), "reissue_portal_link": _("mengganti tautan portal"),
        "refuse": _("menolak"), "revoke": _("mencabut"), "signin_lock": _("memasang"),
        "signin_unlock": _("membuka"), "action_item_status": _("mengubah status"),
        "action_item_evidence": _("menambahkan bukti pada"),
        "action_items_carry": _("membawa tindak lanjut acara sebelumnya ke"),
        "signing_key_reseal": _("menyegel ulang kunci tiket"),
        "status:approved": _("menyetujui"), "status:rejected": _("menolak"), "status:cancelled": _("membatalkan"),
        "status:pending": _("mengembalikan ke status menunggu"),
    }
    if action in verbs:
        return verbs[action]
    if action.startswith("status:"):
        return _("mengubah status menjadi %(status)s:") % {"status": action_label(action).split("→")[-1].strip()}
    return action_label(action)


def entry_sentence(entry: AuditEntry, when: str) -> str:
    """Who did what to whom and when, as one sentence in the page's language."""
    who = entry.actor_label or _("Sistem (atau peserta sendiri)")
    return _("%(who)s %(verb)s %(what)s %(name)s pada %(when)s.") % {
        "who": who, "verb": _verb(entry.action), "what": model_label(entry.model),
        "name": entry.object_repr or "", "when": when}


def _value(key: str, value) -> str:
    """A value as shown; a day's mode by its label ("Luring (hadir di tempat)"), not its code."""
    if key.startswith("day.") and isinstance(value, str):
        try:
            return str(dict(apps.get_model("attendance.registrationday").Mode.choices).get(value, value))
        except LookupError:
            pass
    return _shown(value)


@never_cache
def audit(request, event):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_organiser(request.user):
        raise PermissionDenied(_("Halaman ini hanya untuk panitia."))
    event = get_object_or_404(Event, slug=event)
    entries = AuditEntry.objects.filter(Q(event=event) | Q(event__isnull=True))
    form = AuditFilterForm(request.GET or None, entries=entries)
    shown = entries
    if form.is_valid():
        data = form.cleaned_data
        if data["model"]:
            shown = shown.filter(model=data["model"])
        if data["actor"]:
            shown = shown.filter(actor_label=data["actor"])
        if data["action"]:
            shown = shown.filter(action=data["action"])
        if data["date_from"]:
            shown = shown.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=event.tz))
        if data["date_to"]:
            shown = shown.filter(at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min,
                                                            tzinfo=event.tz))
    page = Paginator(shown.order_by("-at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    names = related_names(page.object_list)
    rows = []
    for e in page.object_list:
        local = e.at.astimezone(event.tz)
        when = _("%(day)s pukul %(time)s %(zone)s") % {
            "day": date_format(local, "l, j F Y"), "time": date_format(local, "H.i"), "zone": local.tzname()}
        rows.append({"entry": e, "what": model_label(e.model), "action": action_label(e.action),
                     "changes": entry_rows(e, names), "sentence": entry_sentence(e, when),
                     "own_event": e.event_id == event.pk})
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rakor/audit.html", {
        "event": event, "form": form, "page": page, "rows": rows, "query": query.urlencode(), "nav": "audit",
    }, status=200 if form.is_valid() or not request.GET else 400)
