from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActivityReport

MARKDOWN_HELP = _("Markdown: **tebal**, *miring*, daftar dengan tanda “-” atau “1.”, tabel. Tanpa gambar dan HTML.")


class NarrativeForm(forms.ModelForm):
    class Meta:
        model = ActivityReport
        fields = ["background", "objectives", "conclusion"]
        widgets = {name: forms.Textarea(attrs={"rows": 8}) for name in fields}
        help_texts = {name: MARKDOWN_HELP for name in fields}
