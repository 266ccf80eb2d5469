"""Evaluation pages: the participant's form in the portal (plain HTML, works without JavaScript), and the
organisers' questionnaire editor, results and XLSX export under the event console. Thin: access through
``rakor.access`` / ``attendance.portal``, writes through ``evaluation.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from attendance.models import Registration
from attendance.portal import portal_view
from certificates.gates import download_wait
from rakor import exports
from rakor.access import organiser_only
from rakor.charts import Series, bar_chart
from rakor.models import Event

from . import charts, selectors, services
from .exporting import results_workbook
from .forms import QuestionForm, QuestionnaireSettingsForm, answers_from_post
from .models import Question

# ---------------------------------------------------------------- participants


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def portal_form(request, registration: Registration):
    """The questionnaire on a phone: radio buttons 1-5 and text boxes, one POST; then a thank-you."""
    event = registration.event
    questionnaire = selectors.questionnaire_for(event)
    if not selectors.has_items(questionnaire):
        raise Http404
    questions = selectors.form_questions(questionnaire)
    context = {"registration": registration, "event": event, "questionnaire": questionnaire,
               "legend": charts.legend(), "errors": {}, "values": {}}
    if request.method == "POST":
        scores, texts, errors = answers_from_post(questions, request.POST)
        context["values"] = {**{k: str(v) for k, v in scores.items()}, **texts}
        if errors:
            context["errors"] = errors
            messages.error(request, _("Mohon lengkapi butir yang ditandai."))
        else:
            try:
                services.evaluation_submit(questionnaire=questionnaire, registration=registration, scores=scores,
                                           texts=texts)
            except services.EvaluationError as exc:
                if exc.code == "missing":
                    messages.error(request, exc.message)
                elif exc.code == "answered":
                    messages.info(request, exc.message)
                    return redirect("evaluation:portal_form", registration.portal_secret)
                else:
                    context["refusal"] = exc.message
                    return render(request, "evaluation/portal_form.html", context, status=403)
            else:
                messages.success(request, _("Terima kasih, evaluasi Anda sudah tersimpan."))
                return redirect("evaluation:portal_form", registration.portal_secret)
    answered = selectors.has_answered(questionnaire, registration)
    reason = selectors.refusal(questionnaire, registration, answered=answered)
    context.update({"answered": answered, "refusal": None if answered else reason,
                    "certificate_ready": answered and download_wait(registration) is None})
    if reason is None or request.method == "POST":
        context["items"] = _form_items(questions, context["values"], context["errors"])
    return render(request, "evaluation/portal_form.html", context)


def _form_items(questions, values, errors) -> list[dict]:
    items, last = [], None
    for q in questions:
        heading = None
        key = (q.aspect, q.session_id)
        if key != last:
            heading = q.get_aspect_display()
            if q.session_id:
                heading = f"{heading}: {q.session.title}"
            last = key
        items.append({"question": q, "heading": heading, "name": f"q{q.pk}", "value": values.get(q.pk, ""),
                      "error": errors.get(q.pk)})
    return items


# ---------------------------------------------------------------- organisers


def _event(slug) -> Event:
    return get_object_or_404(Event, slug=slug)


@organiser_only
def results_page(request, event):
    event = _event(event)
    questionnaire = selectors.questionnaire_for(event)
    context = {"event": event, "nav": "evaluation", "questionnaire": questionnaire}
    if questionnaire is not None:
        data = selectors.results(questionnaire)
        labels, means = [], []
        for item in data["items"]:
            item.chart = charts.distribution_bar(item.distribution, title=item.question.label)
            q = item.question
            labels.append(f"{q.get_aspect_display()}: {q.session.title if q.session_id else q.label}")
            means.append(item.mean or 0)
        if data["items"]:
            context["overview"] = bar_chart(labels, [Series(_("Rata-rata"), means)],
                                            title=_("Rata-rata per butir (1–5)"), label_width=340, label_chars=44)
        context.update({"data": data, "legend": [dict(row, swatch=charts.legend_swatch(row["color"]))
                                                 for row in charts.legend()],
                        "answered": selectors.respondent_count(questionnaire)})
    return render(request, "evaluation/results.html", context)


@organiser_only
def results_xlsx(request, event):
    event = _event(event)
    questionnaire = selectors.questionnaire_for(event)
    if questionnaire is None:
        raise Http404
    response = HttpResponse(results_workbook(selectors.results(questionnaire)), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="evaluasi-{event.slug}.xlsx"'
    return response


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def questionnaire_page(request, event):
    """The questionnaire's settings and its items; the one-click default."""
    event = _event(event)
    questionnaire = selectors.questionnaire_for(event)
    form = None
    if questionnaire is not None:
        with timezone.override(event.tz):
            form = QuestionnaireSettingsForm(request.POST or None, instance=questionnaire)
            if request.method == "POST" and form.is_valid():
                services.questionnaire_settings_save(questionnaire=form.save(commit=False), by=request.user)
                messages.success(request, _("Pengaturan evaluasi disimpan."))
                return redirect("evaluation:questionnaire", event.slug)
    return render(request, "evaluation/questionnaire.html", {
        "event": event, "nav": "evaluation", "questionnaire": questionnaire, "form": form,
        "questions": selectors.form_questions(questionnaire) if questionnaire else [],
        "has_answers": bool(questionnaire and questionnaire.answer_sets.exists()),
    })


@organiser_only
@require_POST
def questionnaire_default(request, event):
    event = _event(event)
    questionnaire = services.questionnaire_create_default(event=event, by=request.user)
    messages.success(request, _("Kuesioner bawaan siap: %(n)d butir.") % {"n": questionnaire.questions.count()})
    return redirect("evaluation:questionnaire", event.slug)


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def question_edit(request, event, question=None):
    event = _event(event)
    instance = None
    if question is not None:
        instance = get_object_or_404(Question, pk=question, questionnaire__event=event)
    form = QuestionForm(request.POST or None, instance=instance, event=event)
    if request.method == "POST" and form.is_valid():
        item = form.save(commit=False)
        item.questionnaire = services.questionnaire_ensure(event=event, by=request.user)
        if item.aspect != Question.Aspect.SPEAKER:
            item.session = None
        try:
            services.question_save(question=item, by=request.user, structural_change=form.structural_change)
        except services.EvaluationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Butir evaluasi disimpan."))
            return redirect("evaluation:questionnaire", event.slug)
    return render(request, "evaluation/question_form.html", {
        "event": event, "nav": "evaluation", "form": form, "question": instance})


@organiser_only
@require_POST
def question_delete(request, event, question):
    event = _event(event)
    item = get_object_or_404(Question, pk=question, questionnaire__event=event)
    try:
        services.question_delete(question=item, by=request.user)
    except services.EvaluationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Butir evaluasi dihapus."))
    return redirect("evaluation:questionnaire", event.slug)
