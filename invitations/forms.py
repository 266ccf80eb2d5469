from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from attendance.models import RegistrationDay
from certificates.numbering import PatternError, check_pattern
from rakor.models import Unit
from rakor.uploads import human_size

from .models import Invitation


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["letterhead", "number_pattern", "sequence_code", "letter_date", "place", "nature", "subject", "body",
                  "closing", "signatory_name", "signatory_position", "signatory_nip", "copies_to"]
        widgets = {
            "letter_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "letterhead": forms.Textarea(attrs={"rows": 4}),
            "body": forms.Textarea(attrs={"rows": 10}),
            "closing": forms.Textarea(attrs={"rows": 2}),
            "copies_to": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_number_pattern(self):
        pattern = self.cleaned_data["number_pattern"]
        try:
            check_pattern(pattern)
        except PatternError as exc:
            raise forms.ValidationError(str(exc))
        return pattern


class GroupForm(forms.Form):
    unit_kind = forms.ChoiceField(label=_("Jenis unit"), choices=Unit.Kind.choices)
    positions = forms.CharField(label=_("Jabatan yang diundang"), max_length=300)
    mode = forms.ChoiceField(label=_("Cara hadir"), choices=RegistrationDay.Mode.choices)
    seats = forms.IntegerField(label=_("Kursi per unit"), min_value=1, max_value=500, initial=1)


GroupFormSet = forms.formset_factory(GroupForm, extra=2, can_delete=True, max_num=30)


class SuratTugasForm(forms.Form):
    file = forms.FileField(label=_("Surat tugas (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, paling besar %(limit)s.") % {
            "limit": human_size(settings.SURAT_TUGAS_MAX_BYTES)}
