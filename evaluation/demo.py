"""Evaluation for seed_demo: ``seed_demo_evaluation(archive, demo)``, called once after every app's demo hooks.

The archive event (rakorwas-2022) gets the default questionnaire and the answers of about four in five of its
approved participants (a few hundred with the default 300 people), with plausible distributions: most
items around 4 of 5, the stream rated lower by people who followed online than the venue by those in the
hall, and a handful of open answers. The demo event (rakorwas-demo) gets the default questionnaire and no
answers, so a newcomer can fill it in from a portal and watch the results appear.

Idempotent: a questionnaire that already has answers is left alone. Answers are written as the service
writes them (a respondent row and an anonymous answer set per person), in bulk.
"""

from __future__ import annotations

import datetime as dt
import random

from attendance.models import Registration

from . import selectors, services
from .models import Answer, AnswerSet, Question, Respondent

SEED = 17_2022
RESPONSE_RATE = 0.8

# Per aspect: the weights of scores 1..5 (in person, online).
WEIGHTS = {
    Question.Aspect.SUBSTANCE: ((1, 2, 10, 48, 39), (1, 3, 14, 50, 32)),
    Question.Aspect.SPEAKER: ((1, 2, 9, 45, 43), (1, 4, 15, 47, 33)),
    Question.Aspect.ORGANISATION: ((1, 3, 12, 50, 34), (2, 5, 18, 47, 28)),
    Question.Aspect.VENUE: ((0, 2, 8, 44, 46), (4, 9, 24, 41, 22)),
}
USEFUL = [
    "Paparan tentang pengawasan berbasis risiko sangat membantu penyusunan PKPT tahun depan.",
    "Arahan Menteri tentang transformasi organisasi yang adaptif dan agile.",
    "Diskusi tindak lanjut temuan BPK dan praktik baik dari kanwil lain.",
    "Materi manajemen risiko dan pengendalian gratifikasi di satuan kerja.",
    "Kesempatan berkoordinasi langsung dengan inspektorat wilayah.",
    "Penjelasan aplikasi pelaporan hasil pengawasan yang baru.",
]
SUGGESTIONS = [
    "Bahan paparan dibagikan sebelum acara agar dapat dipelajari lebih dulu.",
    "Sesi tanya jawab diperpanjang, banyak pertanyaan dari daerah belum terjawab.",
    "Kualitas suara siaran daring pada hari pertama perlu diperbaiki.",
    "Jadwal sesi siang agak molor; mohon waktu lebih tertib.",
    "Mohon tautan Zoom dikirim lebih awal kepada peserta daring.",
    "Ruang pleno terlalu dingin.",
    "Acara sudah baik, pertahankan.",
]


def _score(rng: random.Random, aspect: str, online: bool) -> int:
    weights = WEIGHTS.get(aspect, WEIGHTS[Question.Aspect.SUBSTANCE])[1 if online else 0]
    return rng.choices((1, 2, 3, 4, 5), weights=weights)[0]


def seed_demo_evaluation(archive, demo) -> None:
    services.questionnaire_create_default(event=demo)
    questionnaire = services.questionnaire_create_default(event=archive)
    if questionnaire.answer_sets.exists():
        return
    questions = selectors.form_questions(questionnaire)
    rng = random.Random(SEED)
    registrations = list(Registration.objects.filter(event=archive, status=Registration.Status.APPROVED)
                         .order_by("pk"))
    answered_on = archive.end_date
    modes = selectors.attendance_modes([r.pk for r in registrations])
    open_questions = [q for q in questions if q.kind == Question.Kind.OPEN]
    respondents, sets, answers = [], [], []
    for registration in registrations:
        if rng.random() >= RESPONSE_RATE:
            continue
        mode = modes[registration.pk]
        online = mode == AnswerSet.Mode.ONLINE
        respondents.append(Respondent(questionnaire=questionnaire, registration=registration,
                                      answered_on=answered_on + dt.timedelta(days=rng.choice((0, 0, 0, 1, 2)))))
        answer_set = AnswerSet(questionnaire=questionnaire, mode=mode)
        sets.append(answer_set)
        for q in questions:
            if q.kind == Question.Kind.LIKERT:
                if not q.required and rng.random() < 0.1:
                    continue
                answers.append(Answer(answer_set=answer_set, question=q, score=_score(rng, q.aspect, online)))
            elif rng.random() < 0.15:
                pool = USEFUL if q == open_questions[0] else SUGGESTIONS
                answers.append(Answer(answer_set=answer_set, question=q, text=rng.choice(pool)))
    # Respondents and answer sets in unrelated orders, as they would be if people had answered one by one.
    rng.shuffle(sets)
    Respondent.objects.bulk_create(respondents, batch_size=1000)
    AnswerSet.objects.bulk_create(sets, batch_size=1000)
    Answer.objects.bulk_create(answers, batch_size=2000)
