"""Organisers' forms for the questionnaire (its settings and its items). The participants' form is plain HTML
made from the items (templates/evaluation/portal_form.html) and read by ``answers_from_post``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from agenda.models import Session

from .models import Question, Questionnaire


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class QuestionnaireSettingsForm(forms.ModelForm):
    """Read and shown in the event's time zone (the view activates it)."""

    class Meta:
        model = Questionnaire
        fields = ["required_for_certificate", "opens_at", "closes_at", "intro", "intro_en"]
        widgets = {"opens_at": LocalDateTimeInput(), "closes_at": LocalDateTimeInput(),
                   "intro": forms.Textarea(attrs={"rows": 2}), "intro_en": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Waktu ditutup harus sesudah waktu dibuka."))
        return cleaned


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["kind", "aspect", "session", "text", "text_en", "required", "position"]

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.filter(event=event).order_by("start", "pk")
        self.fields["session"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("aspect") == Question.Aspect.SPEAKER and not cleaned.get("session"):
            self.add_error("session", _("Butir narasumber menilai satu sesi: pilih sesinya."))
        if cleaned.get("aspect") != Question.Aspect.SPEAKER:
            cleaned["session"] = None
        if cleaned.get("kind") == Question.Kind.OPEN:
            cleaned["required"] = False
        return cleaned

    @property
    def structural_change(self) -> bool:
        return self.instance.pk is None or bool({"kind", "aspect", "session"} & set(self.changed_data))


def answers_from_post(questions, data) -> tuple[dict[int, int], dict[int, str], dict[int, str]]:
    """(scores, texts, errors) from the plain form: ``q<id>`` holds 1-5 or the text. Anything else is ignored."""
    scores, texts, errors = {}, {}, {}
    for q in questions:
        raw = (data.get(f"q{q.pk}") or "").strip()
        if q.kind == Question.Kind.LIKERT:
            if raw in {"1", "2", "3", "4", "5"}:
                scores[q.pk] = int(raw)
            elif q.required:
                errors[q.pk] = _("Pilih salah satu nilai 1–5.")
        elif raw:
            if len(raw) > 2000:
                errors[q.pk] = _("Paling banyak 2000 karakter.")
            texts[q.pk] = raw
    return scores, texts, errors
