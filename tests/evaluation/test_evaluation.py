"""The participants' evaluation: who may answer, answered once, results equal to the answers, respondents not
identifiable, the certificate download waiting for it, the XLSX export, the organisers' pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.db import models
from django.utils import timezone

from agenda.models import Session
from attendance.models import Participant, Registration
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluation import selectors, services
from evaluation.models import Answer, AnswerSet, Question, Questionnaire, Respondent
from rakor.models import AuditEntry
from tests.certificates.factories_certificates import (
    attended_everything,
    past_event,
    registration,
    templates,
)
from tests.factories import EventFactory, RegistrationFactory, organiser

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def event():
    event, _sessions = past_event(slug="rakorwas-uji", name="Rapat Koordinasi Pengawasan Uji")
    Session.objects.filter(title__in=["Pleno I", "Pleno II"]).update(guest_speakers="Dr. Narasumber Uji")
    templates(event)
    services.questionnaire_create_default(event=event)
    return event


@pytest.fixture
def org_client(client):
    client.force_login(organiser())
    return client


def likert(event) -> list[Question]:
    return [q for q in selectors.form_questions(event.evaluation_questionnaire) if q.kind == Question.Kind.LIKERT]


def submit(event, reg, scores: dict | int = 4, texts: dict | None = None):
    questionnaire = event.evaluation_questionnaire
    if isinstance(scores, int):
        scores = {q.pk: scores for q in likert(event)}
    return services.evaluation_submit(questionnaire=questionnaire, registration=reg, scores=scores, texts=texts or {})


def form_data(event, score="4", **texts) -> dict:
    data = {f"q{q.pk}": score for q in likert(event)}
    opens = [q for q in selectors.form_questions(event.evaluation_questionnaire) if q.kind == Question.Kind.OPEN]
    for q, value in zip(opens, texts.values()):
        data[f"q{q.pk}"] = value
    return data


# ---------------------------------------------------------------- the questionnaire


def test_default_questionnaire_has_every_aspect_in_both_languages_and_a_speaker_item_per_session(event):
    questions = selectors.form_questions(event.evaluation_questionnaire)
    assert [(q.aspect, q.session.title if q.session else None, q.kind) for q in questions] == [
        ("substance", None, "likert"), ("substance", None, "likert"),
        ("speaker", "Pleno I", "likert"), ("speaker", "Pleno II", "likert"),
        ("organisation", None, "likert"), ("organisation", None, "likert"), ("venue", None, "likert"),
        ("general", None, "open"), ("general", None, "open"),
    ]
    assert all(q.text and q.text_en for q in questions)
    services.questionnaire_create_default(event=event)  # idempotent
    assert event.evaluation_questionnaire.questions.count() == 9


def test_one_click_default_and_the_item_editor(org_client):
    event, _ = past_event(slug="acara-kosong")
    page = text(org_client.get("/e/acara-kosong/panitia/evaluasi/"))
    assert "Acara ini belum memiliki kuesioner evaluasi." in page
    response = org_client.post("/e/acara-kosong/panitia/evaluasi/kuesioner/bawaan/", follow=True)
    assert "Kuesioner bawaan siap: 7 butir." in text(response)  # no session here has a speaker
    response = org_client.post("/e/acara-kosong/panitia/evaluasi/kuesioner/butir/baru/", {
        "kind": "likert", "aspect": "speaker", "session": "", "text": "Narasumber jelas", "text_en": "", "position": 5,
        "required": "on"})
    assert "Butir narasumber menilai satu sesi: pilih sesinya." in text(response)
    session = Session.objects.get(event=event, title="Pleno I")
    response = org_client.post("/e/acara-kosong/panitia/evaluasi/kuesioner/butir/baru/", {
        "kind": "likert", "aspect": "speaker", "session": session.pk, "text": "Narasumber jelas",
        "text_en": "The speaker was clear", "position": 5, "required": "on"}, follow=True)
    assert "Butir evaluasi disimpan." in text(response)
    item = Question.objects.get(text="Narasumber jelas")
    assert (item.session, item.position, item.questionnaire.event) == (session, 5, event)
    assert AuditEntry.objects.filter(action="evaluation_item_save", object_id=str(item.pk)).count() == 1


def test_items_cannot_be_added_or_removed_once_answered_but_texts_can_be_corrected(org_client, event):
    submit(event, registration(event))
    q = likert(event)[0]
    response = org_client.post(f"/e/rakorwas-uji/panitia/evaluasi/kuesioner/butir/{q.pk}/hapus/", follow=True)
    assert "Sudah ada yang mengisi evaluasi" in text(response)
    assert Question.objects.filter(pk=q.pk).exists()
    response = org_client.post(f"/e/rakorwas-uji/panitia/evaluasi/kuesioner/butir/{q.pk}/", {
        "kind": "likert", "aspect": q.aspect, "session": "", "text": "Materi relevan (diperbaiki)",
        "text_en": q.text_en, "position": q.position, "required": "on"}, follow=True)
    assert "Butir evaluasi disimpan." in text(response)
    q.refresh_from_db()
    assert q.text == "Materi relevan (diperbaiki)"


def test_organiser_pages_are_for_organisers_only(client, event):
    for url in ("/e/rakorwas-uji/panitia/evaluasi/", "/e/rakorwas-uji/panitia/evaluasi/hasil.xlsx",
                "/e/rakorwas-uji/panitia/evaluasi/kuesioner/"):
        response = client.get(url)
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_the_console_links_the_evaluation(org_client, event):
    page = org_client.get("/e/rakorwas-uji/panitia/").content.decode()
    assert 'href="/e/rakorwas-uji/panitia/evaluasi/">Evaluasi</a>' in page


# ---------------------------------------------------------------- who may answer, and once


def test_a_participant_answers_once_from_the_portal(client, event):
    reg = registration(event)
    url = f"/t/{reg.portal_secret}/evaluasi/"
    page = text(client.get(url))
    assert "Evaluasi penyelenggaraan" in page and "Narasumber: Pleno I" in page
    response = client.post(url, form_data(event, "5", useful="Materi risiko", saran="Tambah waktu diskusi"),
                           follow=True)
    assert "Terima kasih, evaluasi Anda sudah tersimpan." in text(response)
    # A second submit (a double tap, the back button): nothing more is written.
    response = client.post(url, form_data(event, "1"), follow=True)
    assert "Terima kasih, Anda sudah mengisi evaluasi." in text(response)
    assert (Respondent.objects.count(), AnswerSet.objects.count()) == (1, 1)
    assert sorted(Answer.objects.exclude(score=None).values_list("score", flat=True)) == [5] * 7
    assert sorted(Answer.objects.filter(score=None).values_list("text", flat=True)) == [
        "Materi risiko", "Tambah waktu diskusi"]
    portal = text(client.get(f"/t/{reg.portal_secret}/"))
    assert "Terima kasih, Anda sudah mengisi evaluasi." in portal


def test_a_double_submit_racing_past_the_check_writes_one_answer_set(event, monkeypatch):
    """Both requests pass the "already answered?" read before either writes: the unique constraint decides."""
    reg = registration(event)
    submit(event, reg, 5)
    monkeypatch.setattr(selectors, "refusal", lambda *a, **k: None)  # the second request read before the first wrote
    with pytest.raises(services.EvaluationError) as refused:
        submit(event, reg, 1)
    assert refused.value.code == "answered"
    assert (Respondent.objects.count(), AnswerSet.objects.count(), Answer.objects.filter(score=1).count()) == (1, 1, 0)


def test_the_portals_etag_follows_the_evaluation_card(client, event):
    """The portal answers 304 to a revisit (issue 15): answering the evaluation must change its ETag,
    or the phone keeps showing "Isi evaluasi" (and the certificate still waiting)."""
    reg = registration(event)
    first = client.get(f"/t/{reg.portal_secret}/")
    assert "Isi evaluasi" in text(first)
    again = client.get(f"/t/{reg.portal_secret}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    submit(event, reg, 4)
    after = client.get(f"/t/{reg.portal_secret}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    assert "Terima kasih, Anda sudah mengisi evaluasi." in text(after)


def test_required_items_must_be_answered(client, event):
    reg = registration(event)
    data = form_data(event, "4")
    first = likert(event)[0]
    del data[f"q{first.pk}"]
    response = client.post(f"/t/{reg.portal_secret}/evaluasi/", data)
    page = text(response)
    assert "Mohon lengkapi butir yang ditandai." in page and "Pilih salah satu nilai 1–5." in page
    assert 'value="4" checked' in response.content.decode()  # what they chose is kept
    assert Respondent.objects.count() == 0


def test_another_events_registration_is_refused(event):
    other = EventFactory(start_date=event.start_date, end_date=event.end_date)
    reg = RegistrationFactory(event=other)
    with pytest.raises(services.EvaluationError, match="Evaluasi ini untuk acara lain."):
        submit(event, reg)
    assert Respondent.objects.count() == 0


def test_an_event_without_a_questionnaire_has_no_form(client):
    event, _ = past_event(slug="tanpa-evaluasi")
    reg = registration(event)
    assert client.get(f"/t/{reg.portal_secret}/evaluasi/").status_code == 404
    assert "Evaluasi" not in text(client.get(f"/t/{reg.portal_secret}/"))
    assert selectors.report_summary(event) is None


@pytest.mark.parametrize("change", ["revoked", "pending", "rejected", "cancelled"])
def test_a_revoked_ticket_or_a_registration_not_approved_is_refused(client, event, change):
    reg = registration(event)
    if change == "revoked":
        Registration.objects.filter(pk=reg.pk).update(ticket_revoked_at=timezone.now())
    else:
        Registration.objects.filter(pk=reg.pk).update(status=change)
    response = client.post(f"/t/{reg.portal_secret}/evaluasi/", form_data(event))
    assert response.status_code == 403
    assert "Evaluasi hanya untuk peserta yang pendaftarannya disetujui dan tiketnya berlaku." in text(response)
    assert (Respondent.objects.count(), AnswerSet.objects.count()) == (0, 0)


def test_an_unknown_secret_is_a_404(client, event):
    assert client.get("/t/bukan-rahasia-siapa-pun-00000000000/evaluasi/").status_code == 404


def test_the_form_opens_when_the_event_starts_or_at_the_organisers_time(client):
    start = dt.date.today() + dt.timedelta(days=3)
    event = EventFactory(slug="nanti", start_date=start, end_date=start)
    services.questionnaire_create_default(event=event)
    reg = RegistrationFactory(event=event)
    page = text(client.get(f"/t/{reg.portal_secret}/evaluasi/"))
    assert "Evaluasi dibuka setelah acara dimulai." in page and "Kirim evaluasi" not in page
    assert client.post(f"/t/{reg.portal_secret}/evaluasi/", form_data(event)).status_code == 403
    Questionnaire.objects.filter(event=event).update(opens_at=timezone.now() - dt.timedelta(minutes=1))
    assert "Kirim evaluasi" in text(client.get(f"/t/{reg.portal_secret}/evaluasi/"))
    Questionnaire.objects.filter(event=event).update(closes_at=timezone.now())
    assert "Evaluasi sudah ditutup." in text(client.get(f"/t/{reg.portal_secret}/evaluasi/"))


# ---------------------------------------------------------------- anonymity


def test_answers_cannot_be_linked_to_the_person():
    """No foreign key from answers to a registration or person, no time, random ids (docs/evaluation.md)."""
    for model in (AnswerSet, Answer):
        fields = model._meta.get_fields()
        related = {f.related_model for f in fields if f.is_relation and f.concrete}
        assert not related & {Registration, Participant, Respondent}
        assert not [f.name for f in fields if isinstance(f, (models.DateTimeField, models.DateField))]
        assert isinstance(model._meta.pk, models.UUIDField)
    assert {f.name for f in Respondent._meta.concrete_fields} == {"id", "questionnaire", "registration",
                                                                  "answered_on"}


def test_results_equal_the_answers(org_client, event):
    q = likert(event)
    answers = [5, 4, 4, 3, 5, 1]
    regs = [registration(event) for _ in answers]
    for reg, score in zip(regs, answers):
        scores = {item.pk: score for item in q}
        scores[q[1].pk] = 2  # the same on every answer set
        submit(event, reg, scores)
    data = selectors.results(event.evaluation_questionnaire)
    first = data["items"][0]
    assert (data["respondents"], first.count, first.distribution, first.mean) == (
        6, 6, {1: 1, 2: 0, 3: 1, 4: 2, 5: 2}, round(22 / 6, 2))
    assert (data["items"][1].distribution, data["items"][1].mean) == ({1: 0, 2: 6, 3: 0, 4: 0, 5: 0}, 2.0)
    page = text(org_client.get("/e/rakorwas-uji/panitia/evaluasi/"))
    assert "6 responden" in page
    assert "Rata-rata 3,67 · 6 jawaban · 1: 1, 2: 0, 3: 1, 4: 2, 5: 2" in page or \
        "Rata-rata 3.67 · 6 jawaban · 1: 1, 2: 0, 3: 1, 4: 2, 5: 2" in page
    assert "Narasumber: Pleno I" in page and "Narasumber: Pleno II" in page
    summary = selectors.report_summary(event)
    assert summary["respondents"] == 6 and summary["open_answers"] == 0
    assert summary["items"][0] == {"aspect": "Materi", "question": q[0].text, "session": None,
                                   "mean": round(22 / 6, 2), "count": 6,
                                   "distribution": {1: 1, 2: 0, 3: 1, 4: 2, 5: 2}}
    assert summary["items"][2]["session"] == "Pleno I"
    assert len(summary["items"]) == 7


def test_no_result_is_shown_below_five_respondents(org_client, event):
    for _ in range(4):
        submit(event, registration(event), 5, texts={})
    page = text(org_client.get("/e/rakorwas-uji/panitia/evaluasi/"))
    assert "Hasil tampil setelah paling sedikit 5 peserta mengisi, agar tidak ada responden yang dapat dikenali." in page
    assert "Rata-rata" not in page and "Unduh hasil (XLSX)" not in page
    summary = selectors.report_summary(event)
    assert (summary["respondents"], summary["items"], summary["open_answers"]) == (4, [], 0)


def test_the_in_person_online_breakdown_needs_five_in_every_group(org_client, event):
    online_modes = ["online"] * len(event.days)
    for _ in range(6):
        submit(event, registration(event), 5)
    for _ in range(4):
        submit(event, registration(event, modes=online_modes), 1)
    page = text(org_client.get("/e/rakorwas-uji/panitia/evaluasi/"))
    assert "10 responden" in page
    assert "Rincian luring/daring tidak ditampilkan" in page
    assert "Luring:" not in page and "Daring:" not in page
    submit(event, registration(event, modes=online_modes), 1)
    response = org_client.get("/e/rakorwas-uji/panitia/evaluasi/")
    page = text(response)
    assert "Rincian luring/daring tidak ditampilkan" not in page
    assert "Luring: 5,00 (6) · Daring: 1,00 (5)" in page or "Luring: 5.00 (6) · Daring: 1.00 (5)" in page


def test_the_attendance_mode_comes_from_attendance(event):
    in_hall = registration(event, modes=["online"] * len(event.days))
    attended_everything(in_hall)  # checked in at the door although registered online
    at_home = registration(event, modes=["online"] * len(event.days))
    planned = registration(event)
    assert selectors.attendance_modes([in_hall.pk, at_home.pk, planned.pk]) == {
        in_hall.pk: "in_person", at_home.pk: "online", planned.pk: "in_person"}


def test_open_answers_are_listed_inert_and_not_in_the_order_they_came(org_client, event):
    opens = [q for q in selectors.form_questions(event.evaluation_questionnaire) if q.kind == Question.Kind.OPEN]
    for i in range(6):
        submit(event, registration(event), 4, texts={opens[0].pk: f"Jawaban nomor {i} <script>alert(1)</script>"})
    response = org_client.get("/e/rakorwas-uji/panitia/evaluasi/")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    listed = re.findall(r"Jawaban nomor (\d)", html)
    ids = [str(pk) for pk in Answer.objects.filter(question=opens[0]).order_by("pk").values_list("pk", flat=True)]
    by_id = [Answer.objects.get(pk=pk).text.split()[2] for pk in ids]
    assert listed == by_id  # the order of random ids, not of submission


# ---------------------------------------------------------------- the certificate waits for the evaluation


def test_the_certificate_download_waits_for_a_required_evaluation(client, event):
    Questionnaire.objects.filter(event=event).update(required_for_certificate=True)
    reg = registration(event)
    attended_everything(reg)
    certificate = certificate_services.certificate_issue(registration=reg)
    assert certificate.status in (Certificate.Status.ISSUED, Certificate.Status.PENDING)
    portal = text(client.get(f"/t/{reg.portal_secret}/"))
    assert "Isi evaluasi untuk mengunduh sertifikat." in portal and "Unduh sertifikat (PDF)" not in portal
    response = client.get(f"/t/{reg.portal_secret}/sertifikat.pdf")
    assert (response.status_code, response["Location"]) == (302, f"/t/{reg.portal_secret}/evaluasi/")
    page = text(client.get(response["Location"]))
    assert "Isi evaluasi untuk mengunduh sertifikat." in page
    # Still issued and verifiable by anyone meanwhile.
    assert "Rapat Koordinasi Pengawasan Uji" in text(client.get(f"/v/{certificate.code}/"))
    client.post(f"/t/{reg.portal_secret}/evaluasi/", form_data(event))
    portal = text(client.get(f"/t/{reg.portal_secret}/"))
    assert "Isi evaluasi untuk mengunduh sertifikat." not in portal and "Unduh sertifikat (PDF)" in portal
    response = client.get(f"/t/{reg.portal_secret}/sertifikat.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_without_the_requirement_the_certificate_downloads_at_once(client, event):
    reg = registration(event)
    attended_everything(reg)
    certificate_services.certificate_issue(registration=reg)
    response = client.get(f"/t/{reg.portal_secret}/sertifikat.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


# ---------------------------------------------------------------- XLSX


def test_xlsx_export_holds_the_results_and_open_answers_as_text(org_client, event):
    from openpyxl import load_workbook

    opens = [q for q in selectors.form_questions(event.evaluation_questionnaire) if q.kind == Question.Kind.OPEN]
    for score in (5, 4, 4, 3, 5):
        submit(event, registration(event), score, texts={opens[1].pk: "=HYPERLINK(\"http://x\",\"klik\")"})
    response = org_client.get("/e/rakorwas-uji/panitia/evaluasi/hasil.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="evaluasi-rakorwas-uji.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Ringkasan", "Jawaban terbuka"]  # one group only: no breakdown sheet
    rows = list(wb["Ringkasan"].iter_rows(values_only=True))
    assert rows[1] == ("Responden", 5) + (None,) * 8
    assert rows[3] == ("Aspek", "Sesi", "Pertanyaan", "Jumlah jawaban", "Rata-rata", "1", "2", "3", "4", "5")
    q = likert(event)
    assert rows[4] == ("Materi", None, q[0].text, 5, 4.2, 0, 0, 1, 2, 2)
    assert rows[6][:3] == ("Narasumber", "Pleno I", q[2].text)
    opened = wb["Jawaban terbuka"]
    assert [c.value for c in opened[2]] == [opens[1].text, "=HYPERLINK(\"http://x\",\"klik\")"]
    assert opened["B2"].data_type == "s"


# ---------------------------------------------------------------- "my data" and erasure


def test_my_data_says_the_person_answered_and_erasure_scrubs_their_name_from_open_answers(client, event):
    from attendance.services import participant_erase

    reg = registration(event, name="Rahmat Hidayatullah Sembiring")
    opens = [q for q in selectors.form_questions(event.evaluation_questionnaire) if q.kind == Question.Kind.OPEN]
    submit(event, reg, 4, texts={opens[0].pk: "Saya Rahmat Hidayatullah Sembiring, mohon materinya dikirim."})
    page = text(client.get(f"/t/{reg.portal_secret}/data/"))
    assert "Evaluasi" in page and event.name in page
    participant_erase(participant=reg.participant, by=organiser(), note="permintaan peserta")
    assert "Rahmat Hidayatullah Sembiring" not in Answer.objects.get(question=opens[0]).text
    assert Respondent.objects.filter(registration=reg).count() == 1


def test_results_page_queries_do_not_grow_with_sessions_or_answers(org_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.certificates.factories_certificates import make_session

    counts = []
    for n in (1, 3):
        event, _ = past_event(slug=f"hitung-kueri-{n}")
        for i in range(n):
            make_session(event, f"Sesi narasumber {i}", day_index=1, start=f"{13 + i}:00")
        Session.objects.filter(event=event, title__startswith="Sesi narasumber").update(guest_speakers="Narasumber")
        services.questionnaire_create_default(event=event)
        for _ in range(5 * n):
            submit(event, registration(event), 4)
            submit(event, registration(event, modes=["online"] * len(event.days)), 3)
        url = f"/e/{event.slug}/panitia/evaluasi/"
        org_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = text(org_client.get(url))
        assert f"{10 * n} responden" in page and f"Narasumber: Sesi narasumber {n - 1}" in page
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 16
