"""Forms of the minutes editor (plain POST works without JavaScript) and of the follow-up register."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rakor.models import Unit
from rakor.uploads import human_size

from .models import MODEL_FIELDS, ActionItem

TEXTAREA = {"rows": 8, "class": "md", "spellcheck": "true"}


class MinutesForm(forms.Form):
    base_revision = forms.IntegerField(widget=forms.HiddenInput)
    opened = forms.TimeField(label=_("Rapat dibuka (jam)"), required=False,
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    closed = forms.TimeField(label=_("Rapat ditutup (jam)"), required=False,
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    chair_name = forms.CharField(label=_("Nama"), max_length=200, required=False)
    chair_position = forms.CharField(label=_("Jabatan"), max_length=200, required=False)
    chair_rank = forms.CharField(label=_("Pangkat/golongan"), max_length=80, required=False)
    chair_nip = forms.CharField(label=_("NIP"), max_length=40, required=False)
    taker_name = forms.CharField(label=_("Nama"), max_length=200, required=False)
    taker_position = forms.CharField(label=_("Jabatan"), max_length=200, required=False)
    taker_rank = forms.CharField(label=_("Pangkat/golongan"), max_length=80, required=False)
    taker_nip = forms.CharField(label=_("NIP"), max_length=40, required=False)
    agenda = forms.CharField(label=_("Acara/agenda rapat"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    discussion = forms.CharField(label=_("Pembahasan"), required=False,
                                 widget=forms.Textarea(attrs={**TEXTAREA, "rows": 18}))
    questions = forms.CharField(label=_("Tanya jawab"), required=False, widget=forms.Textarea(attrs=TEXTAREA),
                                help_text=_("Pertanyaan yang dijawab dalam sesi; moderator tanya jawab menambahkannya di sini."))
    decisions = forms.CharField(label=_("Kesimpulan/keputusan"), required=False,
                                widget=forms.Textarea(attrs=TEXTAREA))

    def content(self) -> dict:
        data = self.cleaned_data
        content = {f: data.get(f) or "" for f in MODEL_FIELDS}
        content["opened"] = data["opened"].strftime("%H:%M") if data.get("opened") else ""
        content["closed"] = data["closed"].strftime("%H:%M") if data.get("closed") else ""
        return content


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        return unit.name


class ItemForm(forms.Form):
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    what = forms.CharField(label=_("Tindak lanjut"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    unit = UnitChoiceField(label=_("Unit penanggung jawab"), queryset=Unit.objects.order_by("path"), required=False)
    due = forms.DateField(label=_("Batas waktu"), required=False, widget=forms.DateInput(attrs={"type": "date"},
                                                                                         format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("what", "").strip() and not data.get("unit") and not data.get("DELETE"):
            self.add_error("unit", _("Pilih unit penanggung jawab."))
        return data


ItemFormSet = forms.formset_factory(ItemForm, extra=2, can_delete=True, max_num=200)


def items_content(formset) -> list[dict]:
    out = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not (data.get("what") or "").strip():
            continue
        out.append({"key": data.get("key") or "", "what": data["what"], "unit": data["unit"].pk,
                    "due": data["due"].isoformat() if data.get("due") else ""})
    return out


def initial_for(content: dict) -> tuple[dict, list[dict]]:
    initial = {k: v for k, v in content.items() if k != "items"}
    items = [{"key": i.get("key", ""), "what": i.get("what", ""), "unit": i.get("unit"), "due": i.get("due") or None}
             for i in content.get("items") or []]
    return initial, items


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ItemStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
    note = forms.CharField(label=_("Catatan perkembangan"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class EvidenceForm(forms.Form):
    note = forms.CharField(label=_("Keterangan"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    link = forms.URLField(label=_("Tautan bukti"), required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(label=_("Berkas bukti (PDF/gambar)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("Paling besar %(limit)s.") % {"limit": human_size(settings.EVIDENCE_MAX_BYTES)}

    def clean_file(self):
        f = self.cleaned_data.get("file")
        if f and f.size > settings.EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (maks. %(limit)s).") % {
                "limit": human_size(settings.EVIDENCE_MAX_BYTES)})
        return f
