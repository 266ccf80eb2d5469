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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from .models import AuditEntry, Event
from .roles import is_organiser

PER_PAGE = 50


def model_label(label: str) -> str:
    """'attendance.registration' → its verbose name ('pendaftaran'); the label itself if unknown."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def field_label(model: str, key: str) -> str:
    """A field's verbose name; nested keys ('participant.full_name', 'day.2022-11-21') keep their prefix."""
    prefix, _dot, name = key.rpartition(".")
    try:
        meta = apps.get_model(model)._meta
        if prefix == "participant":
            meta = apps.get_model("attendance.participant")._meta
        elif prefix:
            return key
        label = str(meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return key
    return f"{_('peserta')}: {label}" if prefix == "participant" else label


def action_label(action: str) -> str:
    labels = {
        "create": _("dibuat"), "update": _("diubah"), "delete": _("dihapus"), "anonymise": _("data pribadi dihapus"),
        "reissue_portal_link": _("tautan portal diganti"), "refuse": _("ditolak"), "revoke": _("dicabut"),
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


def entry_rows(entry: AuditEntry) -> list[dict]:
    return [{"field": field_label(entry.model, key), "before": _shown(old), "after": _shown(new)}
            for key, old, new in entry.changes]


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
    rows = [{"entry": e, "what": model_label(e.model), "action": action_label(e.action), "changes": entry_rows(e),
             "own_event": e.event_id == event.pk} for e in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rakor/audit.html", {
        "event": event, "form": form, "page": page, "rows": rows, "query": query.urlencode(), "nav": "audit",
    }, status=200 if form.is_valid() or not request.GET else 400)
