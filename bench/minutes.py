"""Benchmark: the notula PDF with its attendance list, against the daftar hadir PDF of the same people.

    python bench/minutes.py [--in-person 500] [--online 500] [--runs 3]

Uses a throwaway SQLite database (bench/out/bench_minutes.sqlite3, rebuilt each run). Builds one
event, one session with N in-person attendees scanned into it and M online attendees, final minutes
with ten follow-ups, then measures (medians):

(a) baseline: the day's daftar hadir PDF (attendance/daftar_hadir.py) listing the same N people;
(b) the notula PDF (header, text, follow-ups, signatures, the attached list of N + M people);
(c) the attendance block alone (what the notula reads from the record) and its query count;
(d) one save of the minutes (row lock, new revision, autosave cleared), over 30 saves;
(e) the follow-up register page as an organiser, 1,000 follow-ups.

Prints a Markdown table and writes bench/out/minutes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def timed(fn, runs):
    values = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        values.append(time.perf_counter() - t)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--in-person", type=int, default=500)
    parser.add_argument("--online", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "bench_minutes.sqlite3"
    if db.exists():
        db.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rakor.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from attendance import daftar_hadir
    from attendance.models import CheckIn, Participant, Registration, RegistrationDay
    from rakor.models import Event, Unit
    from rakor.roles import NOTULIS, ORGANISER
    from minutes import selectors, services
    from minutes.documents import minutes_pdf
    from minutes.policy import FULL_ACCESS
    from agenda.models import Session
    from attendance.models import OnlineAttendance
    from minutes.models import ActionItem

    User = get_user_model()
    unit = Unit.objects.create(name="Kanwil Kemenag Provinsi Uji", code="kanwil-uji", kind="provincial")
    event = Event.objects.create(slug="bench", name="Rakorwas Bench", start_date=dt.date(2022, 11, 21),
                                 end_date=dt.date(2022, 11, 23), venue="Hotel Novotel Mangga Dua")
    day = event.start_date
    start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=event.tz)
    session = Session.objects.create(event=event, title="Pleno bench", day=day, start=start,
                                     end=start + dt.timedelta(hours=2), room="Ballroom")
    n, m = args.in_person, args.online
    people = Participant.objects.bulk_create([
        Participant(full_name=f"Peserta Bench {i:05d}", id_kind="nip", id_number=str(197001011998031000 + i), position="Kepala Bagian Tata Usaha",
                    rank="Pembina (IV/a)", unit=unit) for i in range(n + m)])
    regs = Registration.objects.bulk_create([
        Registration(event=event, participant=p, status="approved") for p in people])
    RegistrationDay.objects.bulk_create([
        RegistrationDay(registration=r, date=day, mode="in_person" if i < n else "online")
        for i, r in enumerate(regs)])
    CheckIn.objects.bulk_create(
        [CheckIn(event=event, registration=r, kind="entry", day=day, session=None, scanned_at=start,
                 nonce=uuid.uuid4(), result="ok") for r in regs[:n]]
        + [CheckIn(event=event, registration=r, kind="entry", day=day, session=session, scanned_at=start,
                   nonce=uuid.uuid4(), result="ok") for r in regs[:n]])
    OnlineAttendance.objects.bulk_create([
        OnlineAttendance(registration=r, session=session, first_joined_at=start, heartbeat_minutes=90)
        for r in regs[n:]])
    org = User.objects.create(username="panitia", is_staff=True)
    org.groups.add(Group.objects.get_or_create(name=ORGANISER)[0])
    taker = User.objects.create(username="notulis", first_name="Notulis", last_name="Bench")
    taker.groups.add(Group.objects.get_or_create(name=NOTULIS)[0])
    minutes = services.assign_minute_takers(session=session, takers=[taker], by=org)
    items = [{"what": f"Tindak lanjut nomor {i}", "unit": unit.pk, "due": "2023-03-31"} for i in range(10)]
    text = "\n\n".join(f"{i}. Paragraf pembahasan **penting** nomor {i}." for i in range(40))
    services.save_draft(minutes=minutes, by=taker, content={"discussion": text, "decisions": text[:800],
                                                            "items": items},
                        base_revision=minutes.revision_number, submit=True)
    minutes.refresh_from_db()
    services.finalise(minutes=minutes, by=org)
    minutes.refresh_from_db()

    results = {"in_person": n, "online": m}
    daftar = daftar_hadir.attendance_list(event=event, day=day)
    daftar_hadir.render_pdf(daftar)  # warm fonts
    results["daftar_hadir_pdf_s"] = timed(lambda: daftar_hadir.render_pdf(
        daftar_hadir.attendance_list(event=event, day=day)), args.runs)
    results["notula_pdf_s"] = timed(lambda: minutes_pdf(minutes, access=FULL_ACCESS), args.runs)
    results["attendance_block_s"] = timed(lambda: selectors.attendance_block(session), args.runs)
    with CaptureQueriesContext(connection) as ctx:
        block = selectors.attendance_block(session)
    results["attendance_block_queries"] = len(ctx.captured_queries)
    assert (block.in_person_count, block.online_count) == (n, m)

    services.open_correction(minutes=minutes, by=org, reason="bench")
    minutes.refresh_from_db()
    saves = []
    for i in range(30):
        t = time.perf_counter()
        services.save_draft(minutes=minutes, by=taker, content={"discussion": text + f"\n\nTambahan {i}"},
                            base_revision=minutes.revision_number)
        saves.append(time.perf_counter() - t)
        minutes.refresh_from_db()
    results["save_median_ms"] = statistics.median(saves) * 1000

    ActionItem.objects.bulk_create([
        ActionItem(event=event, minutes=minutes, key=str(uuid.uuid4()), what=f"Tindak lanjut massal {i}", unit=unit,
                   due_date=day + dt.timedelta(days=i % 200), status="open") for i in range(1000)])
    client = Client()
    client.force_login(org)
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"/e/{event.slug}/tindak-lanjut/")
    results["register_queries"] = len(ctx.captured_queries)
    results["register_page_s"] = timed(lambda: client.get(f"/e/{event.slug}/tindak-lanjut/"), args.runs)

    (OUT / "minutes.json").write_text(json.dumps(results, indent=2))
    ratio = results["notula_pdf_s"] / results["daftar_hadir_pdf_s"]
    print(f"| what ({n} in person, {m} online) | median | baseline |")
    print("|---|---|---|")
    print(f"| daftar hadir PDF of the day ({n} people) | {results['daftar_hadir_pdf_s']:.2f} s | baseline |")
    print(f"| notula PDF with its attendance list ({n + m} people) | {results['notula_pdf_s']:.2f} s | "
          f"{ratio:.2f}× the daftar hadir |")
    print(f"| attendance block ({results['attendance_block_queries']} queries) | "
          f"{results['attendance_block_s'] * 1000:.0f} ms | — |")
    print(f"| one save of the minutes (lock, revision) | {results['save_median_ms']:.1f} ms | — |")
    print(f"| follow-up register page, 1,010 follow-ups ({results['register_queries']} queries) | "
          f"{results['register_page_s']:.2f} s | — |")


if __name__ == "__main__":
    main()
