"""seed_demo's part for questions: answered questions in the archive, a live session with questions waiting.

Idempotent: an event that already has questions is left as it is (an organiser's moderation survives).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from agenda.models import Session
from agenda.services import session_set_status
from attendance.models import Registration
from minutes.models import Minutes, MinutesRevision
from rakor.models import Event

from .models import Question, Vote
from .services import minutes_entry

ARCHIVE_QUESTIONS = [
    ("Bagaimana mekanisme pemutakhiran data tindak lanjut hasil pengawasan di tingkat Kankemenag?",
     "Pemutakhiran dilakukan tiap triwulan melalui aplikasi tindak lanjut; Kabag TU Kanwil memverifikasi."),
    ("Apakah audit kinerja madrasah tahun depan mencakup dana BOS dan BOP RA?",
     "Ya, keduanya masuk ruang lingkup; pedoman teknis dibagikan Januari."),
    ("Kapan pendampingan zona integritas untuk satker yang baru mengusulkan WBK?",
     "Pendampingan dimulai Februari, dijadwalkan per wilayah oleh Inspektorat Wilayah."),
]
DEMO_QUESTIONS = [
    ("Apakah hasil reviu RKA-K/L tahun ini menjadi dasar penilaian SAKIP satker?", "approved", 14),
    ("Mohon penjelasan batas waktu unggah laporan tindak lanjut bagi Kankemenag kabupaten/kota.", "approved", 9),
    ("Bagaimana koordinasi APIP dengan BPKP untuk pengawasan dana haji?", "approved", 5),
    ("Apakah ada pelatihan manajemen risiko bagi operator di Kankemenag kabupaten?", "approved", 3),
    ("Kami di daerah 3T sering terkendala jaringan; bisakah laporan dikirim luring?", "pending", 0),
    ("Apakah materi paparan hari ini akan dibagikan kepada peserta daring?", "pending", 0),
]


def _askers(event: Event, online_first: bool):
    regs = (Registration.objects.filter(event=event, status=Registration.Status.APPROVED, ticket_revoked_at__isnull=True)
            .select_related("participant__unit").order_by("pk"))
    online = list(regs.filter(days__mode="online").distinct()[:40])
    others = list(regs.exclude(pk__in=[r.pk for r in online])[:40])
    return (online + others) if online_first else (others + online)


def _archive(event: Event, askers: list[Registration]) -> None:
    sessions = [m.session for m in Minutes.objects.filter(session__event=event, status=Minutes.Status.FINAL)
                .select_related("session").order_by("session__start")[:3]]
    n = 0
    for session in sessions:
        entries = []
        for text, note in ARCHIVE_QUESTIONS:
            asker = askers[n % len(askers)]
            n += 1
            q = Question.objects.create(session=session, registration=asker, text=text, status=Question.Status.ANSWERED,
                                        answer_note=note, moderated_at=session.end, answered_at=session.end)
            Question.objects.filter(pk=q.pk).update(created_at=session.start)
            Vote.objects.bulk_create([Vote(question=q, registration=r) for r in askers[n:n + 4] if r.pk != asker.pk],
                                     ignore_conflicts=True)
            entries.append(minutes_entry(q))
        # The archive's minutes were finalised back then with the questions in them: demo data, written in place
        # (as the minutes' demo back-dates its revisions), into the record and its last revision alike.
        minutes = Minutes.objects.get(session=session)
        if not minutes.questions:
            text = "\n\n".join(entries)
            Minutes.objects.filter(pk=minutes.pk).update(questions=text)
            last = MinutesRevision.objects.filter(minutes=minutes).order_by("-number").first()
            if last is not None:
                last.content = {**last.content, "questions": text}
                last.save(update_fields=["content"])


def _live(event: Event, askers: list[Registration]) -> None:
    first_day = event.days[0]
    session = (Session.objects.filter(event=event, day=first_day)
               .filter(Q(mode=Session.Mode.HYBRID) | Q(mode=Session.Mode.ONLINE))
               .exclude(kind=Session.Kind.BREAK)
               # Its answers must be able to reach the minutes: not a session whose minutes are in review or final.
               .exclude(minutes__status__in=[Minutes.Status.REVIEW, Minutes.Status.FINAL]).order_by("start").first())
    if session is None:
        return
    if session.status != Session.Status.LIVE:
        session_set_status(session=session, status=Session.Status.LIVE)
    voters = askers[len(DEMO_QUESTIONS):]
    for i, (text, status, votes) in enumerate(DEMO_QUESTIONS):
        q = Question.objects.create(session=session, registration=askers[i % len(askers)], text=text, status=status)
        Vote.objects.bulk_create([Vote(question=q, registration=r) for r in voters[:votes]], ignore_conflicts=True)


def seed_demo_finish(*, event: Event, archive: bool) -> None:
    """seed_demo's hook (after the minutes and attendance): questions for ``event``, once."""
    if Question.objects.filter(session__event=event).exists():
        return
    askers = _askers(event, online_first=not archive)
    if not askers:
        return
    with transaction.atomic():
        (_archive if archive else _live)(event, askers)
