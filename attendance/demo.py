"""Attendance for seed_demo (``seed_demo_event(event=, archive=)``).

The archive event (``archive=True``) gets attendance as it might have happened:
- in-person registrations: a door entry on most of their in-person days (some
  absences), a session check-in at the sessions held in a room that day, now and
  then a second scan refused as ``already_checked_in``;
- online registrations: on most of their online days an online join (CheckIn method
  ``online``) of most of the plenaries they may join and of one breakout, each with an
  OnlineAttendance row holding the minutes (heartbeats) that certificates count, so
  online participants earn certificates as well (or fall short, with the reason).
The demo event (``archive=False``) gets door entries "today" for part of today's
in-person guests, so the organisers' dashboard is not empty.

Idempotent: a registration that already has a check-in in the event is left alone
(a larger ``--participants`` run adds attendance for the new people only), and the
demo's "today" entries are made once per day. Rows go in with multi-row INSERTs:
300,000 check-ins take seconds, not the hours ``checkin_perform`` would need.
Random but repeatable: one fixed-seed generator per event.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import random
import uuid

from django.db import connection, transaction
from django.utils import timezone

from agenda.models import Session
from rakor.models import Event

from .models import CheckIn, OnlineAttendance, Registration, RegistrationDay

SEED = 20221121
GATES = ["Meja 1 Lobi Ballroom", "Meja 2 Lobi Ballroom", "Meja 3 Pintu Utara"]
ABSENT_IN_PERSON = 0.06   # an in-person guest misses a day
ABSENT_ONLINE = 0.12      # an online participant does not join on a day
ONLINE_MISSES = 0.1       # an online participant misses one of the day's sessions they may join
SESSION_SKIP = 0.1        # an in-person guest is not scanned at a session
DOUBLE_SCAN = 0.02        # a guest shows the ticket twice at the door

Result, Kind, Method = CheckIn.Result, CheckIn.Kind, CheckIn.Method
CHECKIN_COLUMNS = ("event", "registration", "ticket_text", "kind", "day", "session", "method", "operator", "gate",
                   "scanned_at", "received_at", "nonce", "offline", "result", "conflict")


def seed_demo_event(*, event: Event, archive: bool, now: dt.datetime | None = None) -> int:
    """Record the demo attendance of ``event``; returns how many check-ins were written."""
    now = now or timezone.now()
    with transaction.atomic():
        written = _archive(event) if archive else _today(event, now)
    seal = _seal_hook()
    if seal is not None and written:
        seal(event)
    return written


def _seal_hook():
    """attendance.chain.seal_event when the hash chain exists; else None."""
    try:
        module = importlib.import_module("attendance.chain")
    except ModuleNotFoundError as exc:
        if exc.name != "attendance.chain":
            raise
        return None
    return getattr(module, "seal_event", None)


# ---------------------------------------------------------------- the archive


def _local(day: dt.date, tz, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz) + dt.timedelta(hours=hour, minutes=minute)


def _archive(event: Event) -> int:
    tz = event.tz
    rng = random.Random(f"{SEED}:{event.slug}")
    rng_online = random.Random(f"{SEED}:{event.slug}:online")  # online draws do not shift the in-person ones
    sessions = list(Session.objects.filter(event=event).prefetch_related("allowed_units").order_by("start", "pk"))
    by_day: dict[dt.date, list] = {}
    for s in sessions:
        by_day.setdefault(s.day, []).append(s)
    done = set(CheckIn.objects.filter(event=event).values_list("registration_id", flat=True).distinct())
    regs = list(
        Registration.objects.filter(event=event, status=Registration.Status.APPROVED, ticket_revoked_at__isnull=True)
        .exclude(pk__in=done).order_by("pk").values_list("pk", "public_id", "participant__unit__path")
    )
    if not regs:
        return 0
    days: dict[int, list] = {}
    for reg_id, date, mode in (
        RegistrationDay.objects.filter(registration__event=event, registration__in=[r[0] for r in regs])
        .order_by("registration_id", "date").values_list("registration_id", "date", "mode").iterator(chunk_size=20000)
    ):
        days.setdefault(reg_id, []).append((date, mode))

    in_room = {d: [s for s in ss if s.mode != Session.Mode.ONLINE and s.kind != Session.Kind.BREAK and s.room]
               for d, ss in by_day.items()}
    joinable = {d: [s for s in ss if s.mode != Session.Mode.IN_PERSON and (s.meeting_url or s.stream_url)]
                for d, ss in by_day.items()}
    scoped_paths = {s.pk: [u.path for u in s.allowed_units.all()] for s in sessions
                    if s.join_scope == Session.JoinScope.UNITS}

    def may_join(session, path: str) -> bool:
        paths = scoped_paths.get(session.pk)
        return paths is None or any(path.startswith(p) for p in paths)

    options_memo: dict = {}

    def join_options(date, path: str) -> tuple[list, list]:
        """(sessions this unit may join that day, those of them meant for some units only); memoised per unit."""
        key = (date, path)
        if key not in options_memo:
            options = [s for s in joinable.get(date, ()) if may_join(s, path)]
            options_memo[key] = (options, [s for s in options if s.pk in scoped_paths])
        return options_memo[key]

    checkins: list[tuple] = []
    online: list[tuple] = []
    for reg_id, public_id, path in regs:
        ticket = f"demo:{public_id}"
        for date, mode in days.get(reg_id, ()):
            if mode == RegistrationDay.Mode.IN_PERSON:
                if rng.random() < ABSENT_IN_PERSON:
                    continue
                # Day 1 opens in the afternoon (registration at 13:00); later days at 07:00.
                first_start = min((s.start for s in in_room.get(date, ())), default=_local(date, tz, 8, 0))
                arrived = first_start - dt.timedelta(minutes=rng.randint(5, 100), seconds=rng.randint(0, 59))
                gate = rng.choice(GATES)
                method = Method.CAMERA if rng.random() < 0.85 else (Method.HANDHELD if rng.random() < 0.7
                                                                    else Method.MANUAL)
                checkins.append((reg_id, ticket, Kind.ENTRY, date, None, method, gate, arrived, Result.OK))
                if rng.random() < DOUBLE_SCAN:
                    again = arrived + dt.timedelta(minutes=rng.randint(1, 30))
                    checkins.append((reg_id, ticket, Kind.ENTRY, date, None, method, gate, again, Result.ALREADY))
                breakout_done = False
                for s in in_room.get(date, ()):
                    if s.start < arrived or rng.random() < SESSION_SKIP:
                        continue
                    if s.kind == Session.Kind.BREAKOUT:
                        if breakout_done or not may_join(s, path):
                            continue
                        breakout_done = True
                    at = s.start - dt.timedelta(minutes=rng.randint(0, 10), seconds=rng.randint(0, 59))
                    checkins.append((reg_id, ticket, Kind.ENTRY, date, s.pk, Method.CAMERA, s.room[:80],
                                     max(at, arrived), Result.OK))
            else:
                if rng_online.random() < ABSENT_ONLINE:
                    continue
                options, scoped = join_options(date, path)
                if not options:
                    continue
                # They follow the day's plenaries they may join, missing one now and then, and one breakout
                # (the one meant for their unit's region when there is one).
                breakouts = [s for s in options if s.kind == Session.Kind.BREAKOUT]
                chosen = [s for s in options if s.kind != Session.Kind.BREAKOUT and rng_online.random() >= ONLINE_MISSES]
                pool = scoped if scoped and rng_online.random() < 0.6 else breakouts
                if pool and rng_online.random() >= ONLINE_MISSES:
                    chosen.append(rng_online.choice(pool))
                if not chosen:
                    chosen = [rng_online.choice(options)]
                chosen.sort(key=lambda s: (s.start, s.pk))
                for s in chosen:
                    joined = s.start + dt.timedelta(minutes=rng_online.randint(-10, 20), seconds=rng_online.randint(0, 59))
                    length = max(int((s.end - s.start).total_seconds() // 60), 1)
                    minutes = max(1, min(length, int(length * rng_online.uniform(0.6, 1.0))))
                    checkins.append((reg_id, f"online:{public_id}", Kind.ENTRY, date, s.pk, Method.ONLINE, "",
                                     joined, Result.OK))
                    online.append((reg_id, s.pk, joined, joined + dt.timedelta(minutes=minutes), minutes))
    _insert_checkins(event, checkins)
    existing = set(OnlineAttendance.objects.filter(session__event=event).values_list("registration_id", "session_id"))
    _insert_online(
        [row for row in online if (row[0], row[1]) not in existing]
    )
    return len(checkins)


# ---------------------------------------------------------------- the demo: some arrivals today


def _today(event: Event, now: dt.datetime) -> int:
    tz = event.tz
    local = timezone.localtime(now, tz)
    today = local.date()
    if today not in event.days:
        return 0
    door = CheckIn.objects.filter(event=event, day=today, kind=Kind.ENTRY, session__isnull=True)
    if door.exists():
        return 0
    rng = random.Random(f"{SEED}:{event.slug}:{today.isoformat()}")
    expected = list(
        RegistrationDay.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED, date=today,
            mode=RegistrationDay.Mode.IN_PERSON, registration__ticket_revoked_at__isnull=True,
        ).order_by("registration_id").values_list("registration_id", "registration__public_id")
    )
    # About 60 % arrived over the last 90 minutes: the rest fill the room while the demo runs.
    start = max(local - dt.timedelta(minutes=90), dt.datetime.combine(today, dt.time(0, 1), tzinfo=tz))
    span = max(int((local - start).total_seconds()), 60)
    rows = []
    for reg_id, public_id in expected:
        if rng.random() >= 0.6:
            continue
        # Arrivals thicken towards the start: the later of two random moments.
        offset = max(rng.randint(0, span - 1), rng.randint(0, span - 1))
        at = start + dt.timedelta(seconds=offset)
        rows.append((reg_id, f"demo:{public_id}", Kind.ENTRY, today, None, Method.CAMERA, rng.choice(GATES), at,
                     Result.OK))
    _insert_checkins(event, rows)
    return len(rows)


# ---------------------------------------------------------------- multi-row inserts


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    width = len(columns)
    per_statement = max(1, min(1000, 30000 // width))
    head = f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) VALUES "
    one = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(head + ", ".join([one] * len(chunk)), list(itertools.chain.from_iterable(chunk)))


def _adapters():
    """(datetime, date, uuid) -> database value, without the per-value checks of Field.get_db_prep_value."""
    ops = connection.ops
    if connection.vendor == "postgresql":  # psycopg adapts these types itself
        return (lambda v: v), (lambda v: v), (lambda v: v)
    return ops.adapt_datetimefield_value, ops.adapt_datefield_value, (lambda v: v.hex)


def _insert_checkins(event: Event, rows: list[tuple]) -> None:
    """rows: (registration id, ticket text, kind, day, session id, method, gate, scanned_at, result)."""
    meta = CheckIn._meta
    columns = [meta.get_field(name).column for name in CHECKIN_COLUMNS]
    prep_dt, prep_date, prep_uuid = _adapters()
    received = prep_dt(timezone.now())
    out = []
    for reg_id, ticket, kind, day, session_id, method, gate, at, result in rows:
        out.append((event.pk, reg_id, ticket, kind, prep_date(day), session_id, method, None, gate,
                    prep_dt(at), received, prep_uuid(uuid.uuid4()), False, result, False))
    _insert(meta.db_table, columns, out)


def _insert_online(rows: list[tuple]) -> None:
    """rows: (registration id, session id, first joined, last heartbeat, minutes)."""
    from attendance.models import OnlineAttendance

    meta = OnlineAttendance._meta
    prep_dt = _adapters()[0]
    columns = [meta.get_field(n).column for n in ("registration", "session", "first_joined_at", "last_heartbeat_at",
                                                   "heartbeat_minutes", "report_minutes")]
    _insert(meta.db_table, columns, [
        (reg, session, prep_dt(first), prep_dt(last), minutes, 0)
        for reg, session, first, last, minutes in rows
    ])
