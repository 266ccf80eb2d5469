"""Reads that several views, the API and commands share."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from agenda.models import Session
from rakor.models import Event, Unit
from rakor.roles import managed_units

from .identity import MASK_TAIL, clean_number
from .models import CheckIn, OnlineAttendance, Registration, RegistrationDay, UnitQuota
from .personal_data import Section, holders
from .search import fold_name, name_match

DESK_SEARCH_MIN = 3  # letters of a name (or characters of a query) the desk must type


_DIGITS_ONLY = re.compile(r"^[\d.\-]+$")
_WORD = re.compile(r"[^\W\d_]")  # a letter


def desk_search_match(q: str) -> Q | None:
    """Whom the registration desk's search may find for ``q``; None: nobody (issue 19).

    - a name (at least three characters): people whose name contains it;
    - a whole identity number (NIP; spaces, dots and dashes ignored): that person;
    - a name together with the last four digits of the number (``Ahmad 0012``): people with both.

    Nothing else: part of a number alone, or a tail of another length, matches nobody. A search on
    any part of the number made it an oracle — with the masked last digits in hand, one digit more a
    query read a whole NIP in about 70 queries. A four-digit tail tells no more than the masked
    results already show (identity.mask_id_number), and a full number must be known to be found.
    """
    words = q.split()
    number_words = [w for w in words if _DIGITS_ONLY.match(w) and clean_number(w)]
    name = " ".join(w for w in words if w not in number_words and _WORD.search(w))
    number = "".join(clean_number(w) for w in number_words)
    # Names match without diacritics, titles or word order (attendance.search, issue 13 item 7).
    if len(fold_name(name)) < DESK_SEARCH_MIN:
        name = ""
    by_name = name_match(name) if name else None
    if not number:
        return by_name
    whole = Q(participant__id_digits=number)
    if by_name is None:
        return whole
    if len(number) == MASK_TAIL:
        return by_name & (Q(participant__id_digits__endswith=number) | whole)
    return by_name & whole


def registration_by_short_code(event: Event, code: str) -> Registration | None:
    """The registration of ``event`` whose short ticket code this is (as typed: any case, separators); else None."""
    from .codes import normalise

    code = normalise(code)
    if not code:
        return None
    return Registration.objects.filter(event=event, short_code=code).select_related("participant__unit").first()


def registration_for_ticket_secret(secret: str) -> Registration | None:
    """The registration whose portal secret this is, compared in constant time; else None."""
    if not secret or len(secret) > 64:
        return None
    candidate = (
        Registration.objects.select_related("event", "participant__unit").filter(portal_secret=secret).first()
    )
    # The lookup narrows by an index; the final word is a constant-time comparison.
    if candidate is None or not hmac.compare_digest(candidate.portal_secret.encode(), secret.encode()):
        return None
    return candidate


def registrations_visible_to(user, event: Event):
    """Registrations of `event` a user may see: all for organisers, their subtree for coordinators."""
    units = managed_units(user)
    return (
        Registration.objects.filter(event=event, participant__unit__in=units)
        .select_related("participant__unit")
        .prefetch_related("days")
    )


@dataclass
class QuotaUse:
    unit: Unit
    seats: int
    used_per_day: dict  # date -> count of active in-person registrations

    @property
    def max_used(self) -> int:
        return max(self.used_per_day.values(), default=0)

    @property
    def full(self) -> bool:
        return self.max_used >= self.seats


def quota_usage(event: Event, units=None) -> list[QuotaUse]:
    """Seat use per quota unit and day (nested quotas counted apart), for organisers and coordinators.

    Two queries whatever the number of quotas: each in-person day counts against the
    nearest quota on the path from the participant's unit to the root, which is what
    services._quota_scope means by "its subtree minus nested quotas' subtrees".
    ``units`` limits which quotas are listed, not how seats are attributed.
    """
    quotas = list(
        UnitQuota.objects.filter(event=event).select_related("unit").order_by("unit__sort_order", "unit__name")
    )
    by_unit = {q.unit_id: q for q in quotas}
    used: dict[int, dict] = {q.pk: {} for q in quotas}
    rows = (
        Registration.objects.filter(Registration.seat_holders_q(event), event=event,
                                    days__mode=RegistrationDay.Mode.IN_PERSON)
        .values_list("participant__unit__path", "days__date")
        .annotate(n=Count("pk", distinct=True))
    )
    for path, day, n in rows:
        for unit_id in reversed([int(pk) for pk in path.strip("/").split("/") if pk]):
            quota = by_unit.get(unit_id)
            if quota is not None:
                used[quota.pk][day] = used[quota.pk].get(day, 0) + n
                break
    if units is not None:
        listed = set(units.values_list("pk", flat=True))
        quotas = [q for q in quotas if q.unit_id in listed]
    return [QuotaUse(unit=q.unit, seats=q.in_person_seats, used_per_day={d: used[q.pk].get(d, 0) for d in event.days})
            for q in quotas]


def registration_counts(event: Event, registrations=None) -> dict:
    qs = registrations if registrations is not None else Registration.objects.filter(event=event)
    return qs.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Registration.Status.PENDING)),
        approved=Count("pk", filter=Q(status=Registration.Status.APPROVED)),
        rejected=Count("pk", filter=Q(status=Registration.Status.REJECTED)),
        cancelled=Count("pk", filter=Q(status=Registration.Status.CANCELLED)),
    )


# ---------------------------------------------------------------- live dashboard and portal check-ins


def _door_entries(event: Event, day):
    """Accepted door entries of a day: the facts that make someone 'present'."""
    from .models import CheckIn

    return CheckIn.objects.filter(
        event=event, day=day, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY, session__isnull=True
    )


def checkin_payload(checkin, tz=None) -> dict:
    """One check-in as the organisers' dashboard shows it: what attendance.checkin pushes for each
    accepted check-in and what the snapshot lists as the latest ones (one shape, built here only).

    ``scanned_at`` is written with the offset of ``tz`` (the event's zone; same instant).
    """
    from django.utils import timezone

    registration = checkin.registration
    participant = registration.participant if registration is not None else None
    return {
        "id": checkin.pk, "kind": checkin.kind, "result": checkin.result, "conflict": checkin.conflict,
        "day": checkin.day.isoformat() if checkin.day else None,
        "scanned_at": (timezone.localtime(checkin.scanned_at, tz) if tz else checkin.scanned_at).isoformat(),
        "gate": checkin.gate,
        "name": participant.full_name if participant else "",
        "unit": participant.unit.name if participant else "",
        "province": participant.unit.province if participant else "",
        "session": checkin.session_id,
    }


ONLINE_NOW_MINUTES = 3  # a portal heartbeat this recent means "watching now"
ARRIVAL_BUCKET_MINUTES = 15
ONLINE_METHODS = ("online", "import")  # a join through the portal, or a meeting platform's report


def _unit_scope(qs, units, prefix: str):
    """Limit ``qs`` to a coordinator's subtree: ``units`` is a Unit (its subtree) or None (everything)."""
    if units is None:
        return qs
    return qs.filter(**{f"{prefix}unit__path__startswith": units.path})


def _local_day(event: Event, now=None):
    from django.utils import timezone

    return timezone.localtime(now or timezone.now(), event.tz).date()


def arrivals_over_time(times, tz, *, until=None, bucket_minutes: int = ARRIVAL_BUCKET_MINUTES) -> list[dict]:
    """Door entries per quarter hour (event time zone), with the running total: the room filling up.

    ``times`` are the aware datetimes of the entries; ``until`` (aware) extends the
    series with empty buckets up to that moment (the dashboard shows "now").
    """
    import datetime as dt

    from django.utils import timezone

    counts: dict = {}
    for at in times:
        local = timezone.localtime(at, tz)
        slot = local.replace(minute=local.minute - local.minute % bucket_minutes, second=0, microsecond=0)
        counts[slot] = counts.get(slot, 0) + 1
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if until is not None:
        end = timezone.localtime(until, tz)
        end = end.replace(minute=end.minute - end.minute % bucket_minutes, second=0, microsecond=0)
        if last < end and end.date() == last.date():
            last = end
    series, total, slot = [], 0, first
    step = dt.timedelta(minutes=bucket_minutes)
    while slot <= last:
        n = counts.get(slot, 0)
        total += n
        series.append({"t": slot.strftime("%H:%M"), "n": n, "total": total})
        slot += step
    return series


def online_counts(event: Event, day, *, now=None, units=None) -> dict:
    """{"now": watching now, "joined_today": joined a session of ``day``}: distinct registrations, one query.

    Watching now is an OnlineAttendance row with a portal heartbeat in the last
    ONLINE_NOW_MINUTES, or a join of a session that is live right now.
    """
    import datetime as dt

    from django.utils import timezone


    now = now or timezone.now()
    recent = now - dt.timedelta(minutes=ONLINE_NOW_MINUTES)
    qs = _unit_scope(OnlineAttendance.objects.filter(session__event=event, session__day=day), units,
                     "registration__participant__")
    watching = Q(last_heartbeat_at__gte=recent) | Q(session__status=Session.Status.LIVE, first_joined_at__isnull=False)
    return qs.aggregate(now=Count("registration", distinct=True, filter=watching),
                        joined_today=Count("registration", distinct=True))


ONLINE_CACHE_SECONDS = 15


def online_counts_cached(event: Event, day, *, now=None, units=None) -> dict:
    """``online_counts`` shared for ONLINE_CACHE_SECONDS by every dashboard, socket and poll of the event.

    "Online now" is a 3-minute heartbeat window anyway; counting distinct people over
    a day's OnlineAttendance rows is most of a snapshot's cost on a large event.
    The key holds the 15-second slot of ``now``, so a snapshot for another moment
    never gets this one's numbers.
    """
    from django.core.cache import cache
    from django.utils import timezone

    now = now or timezone.now()
    slot = int(now.timestamp() // ONLINE_CACHE_SECONDS)
    key = f"attendance-online:{event.pk}:{day}:{units.path if units is not None else '*'}:{slot}"
    counts = cache.get(key)
    if counts is None:
        counts = online_counts(event, day, now=now, units=units)
        cache.set(key, counts, ONLINE_CACHE_SECONDS * 2)
    return counts


def dashboard_snapshot(event: Event, day=None, *, latest: int = 20, now=None, units=None) -> dict:
    """Attendance of one day (default: today in the event's time zone) for the organisers' dashboard.

    Four queries whatever the size of the event (no query per row): expected in
    person per unit, the day's door entries (present per unit and the arrivals
    over time, from one narrow list: the unique index allows one accepted entry per
    person and day), online now / joined today (shared for 15 s, see
    online_counts_cached), the latest accepted entries.
    'Expected' is approved registrations attending that day in person; 'present'
    is registrations with an accepted door entry that day. ``units`` (a Unit)
    limits everything to that unit's subtree.
    """
    import datetime as dt

    from django.utils import timezone

    now = now or timezone.now()
    if day is None:
        day = _local_day(event, now)
    unit_fields = ("registration__participant__unit", "registration__participant__unit__name",
                   "registration__participant__unit__province", "registration__participant__unit__sort_order")
    expected_rows = _unit_scope(
        RegistrationDay.objects.filter(
            registration__event=event, registration__status=Registration.Status.APPROVED, date=day,
            mode=RegistrationDay.Mode.IN_PERSON,
        ), units, "registration__participant__",
    ).values_list(*unit_fields).annotate(n=Count("pk")).order_by()
    entries = _unit_scope(_door_entries(event, day), units, "registration__participant__").values_list(
        *unit_fields, "scanned_at")
    info: dict = {}
    expected: dict = {}
    present: dict = {}
    for unit_id, name, province, order, n in expected_rows:
        info[unit_id] = (order, name, province)
        expected[unit_id] = n
    times = []
    for unit_id, name, province, order, at in entries:
        info[unit_id] = (order, name, province)
        present[unit_id] = present.get(unit_id, 0) + 1
        times.append(at)
    per_unit, per_province = [], {}
    for unit_id in sorted(info, key=lambda pk: (info[pk][0], info[pk][1], pk)):
        _order, name, province = info[unit_id]
        row = {"unit": name, "province": province, "expected": expected.get(unit_id, 0),
               "present": present.get(unit_id, 0)}
        per_unit.append(row)
        prov = per_province.setdefault(province, {"province": province, "expected": 0, "present": 0})
        prov["expected"] += row["expected"]
        prov["present"] += row["present"]
    online = online_counts_cached(event, day, now=now, units=units)
    newest = (
        _unit_scope(_door_entries(event, day), units, "registration__participant__")
        .select_related("registration__participant__unit")
        .order_by("-scanned_at", "-pk")[:latest]
    )
    today = _local_day(event, now) == day
    return {
        "type": "snapshot",
        "event": event.slug,
        "day": day.isoformat() if isinstance(day, dt.date) else str(day),
        "totals": {"expected_in_person_today": sum(expected.values()), "present_today": sum(present.values())},
        "online": {"now": online["now"], "joined_today": online["joined_today"]},
        "arrivals": arrivals_over_time(times, event.tz, until=now if today else None),
        "per_unit": per_unit,
        "per_province": sorted(per_province.values(), key=lambda p: (p["province"] == "", p["province"])),
        "latest": [checkin_payload(c, event.tz) for c in newest],
    }


# ---------------------------------------------------------------- attendance summary (API, reports, coordinators)


def _empty_counts() -> dict:
    return {"expected_in_person": 0, "present_in_person": 0, "expected_online": 0, "joined_online": 0}


SUMMARY_CACHE_SECONDS = 300


SUMMARY_VERSION_KEY = "attendance-summary-version"
SUMMARY_WATCHED = {"attendance.Registration", "attendance.RegistrationDay", "attendance.Participant",
                   "agenda.Session", "rakor.Unit"}


SUMMARY_GRACE_SECONDS = 2.0
SUMMARY_RECOUNT_SECONDS = 60  # a day that keeps changing is counted in full again at most this often


def _summary_version() -> str:
    """"<random>:<unix time of the last bump>"; set once when the cache has none."""
    from django.core.cache import cache

    version = cache.get(SUMMARY_VERSION_KEY)
    if version is None:
        import uuid

        cache.add(SUMMARY_VERSION_KEY, f"{uuid.uuid4().hex}:0", None)
        version = cache.get(SUMMARY_VERSION_KEY)
    return version


def _bump_summary_version(sender, **kwargs) -> None:
    """A registration, day, participant, session or unit saved or deleted: summaries are recomputed.

    Bumped at once, inside the writer's transaction (no on_commit: that belongs to
    the writers). A summary computed while that transaction is still open would see
    the old rows, so summaries computed within SUMMARY_GRACE_SECONDS of a bump are
    not trusted from the cache (``attendance_summary_cached``).
    """
    if getattr(getattr(sender, "_meta", None), "label", None) not in SUMMARY_WATCHED:
        return
    import time
    import uuid

    from django.core.cache import cache

    cache.set(SUMMARY_VERSION_KEY, f"{uuid.uuid4().hex}:{time.time()}", None)


def _connect_summary_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_bump_summary_version, dispatch_uid="attendance-summary-save")
    post_delete.connect(_bump_summary_version, dispatch_uid="attendance-summary-delete")


_connect_summary_signals()


def _summary_fingerprint(event: Event) -> tuple:
    """What says the summary may have changed, cheaply: the event's newest check-in and the summary version.

    Check-ins are insert-only, so the newest id moves with every one of them (an
    index-backed MAX, no count); other changes bump the version through signals
    (``_bump_summary_version``). Rows written without signals (bulk imports, seed_demo)
    show within SUMMARY_CACHE_SECONDS.
    """
    from django.db.models import Max

    from .models import CheckIn

    newest = CheckIn.objects.filter(event=event).aggregate(n=Max("pk"))["n"]
    return newest, _summary_version()


def attendance_summary_cached(event: Event, *, units=None) -> dict:
    """``attendance_summary``, kept in the cache and refreshed by day.

    While the summary version (bumped when a registration, participant, session or
    unit is saved) is unchanged, only the check-ins after the cached copy's newest
    id are counted and added (door entries add; an online join adds a person unless
    they joined that day already); a day is counted in full again at most every
    SUMMARY_RECOUNT_SECONDS, which heals a check-in committed after a higher id had
    been read. Anything else recomputes everything; rows written without signals
    (bulk imports, seed_demo) and deleted check-ins show within SUMMARY_CACHE_SECONDS.
    """
    import time

    from django.core.cache import cache

    from .models import CheckIn

    started = time.time()
    newest, version = _summary_fingerprint(event)
    bumped_at = float(version.rsplit(":", 1)[-1] or 0)
    key = f"attendance-summary:{event.pk}:{units.path if units is not None else '*'}"
    entry = cache.get(key)
    if entry is not None and (entry["version"] != version or entry["computed_at"] < bumped_at + SUMMARY_GRACE_SECONDS):
        entry = None  # another version, or counted while a writer's transaction may still have been open
    if entry is not None and entry["newest"] == newest:
        return entry["summary"]
    if entry is not None and entry["newest"] is not None and newest is not None and newest > entry["newest"]:
        since = entry["newest"]
        changed = set(CheckIn.objects.filter(event=event, pk__gt=since, day__isnull=False)
                      .values_list("day", flat=True).distinct())
        stale = sorted(d for d in changed if entry["counted"].get(d, 0) < started - SUMMARY_RECOUNT_SECONDS)
        fresh = sorted(changed - set(stale))
        if stale:  # counted again in full now and then: heals a row committed after a higher id was read
            attended, sessions = _summary_checkin_rows(event, units, days=stale)
            for day in stale:
                entry["attended"][day] = attended.get(day, [])
                entry["sessions"][day] = sessions.get(day, [])
                entry["counted"][day] = started
        if fresh:
            attended, sessions = _summary_checkin_rows(event, units, days=fresh, after=since)
            for day in fresh:
                entry["attended"][day] = _add_rows(entry["attended"].get(day, []), attended.get(day, []), 3)
                entry["sessions"][day] = _add_rows(entry["sessions"].get(day, []), sessions.get(day, []), 2)
    else:
        attended, sessions = _summary_checkin_rows(event, units)
        entry = {"version": version, "computed_at": started, "planned": _summary_planned_rows(event, units),
                 "attended": attended, "sessions": sessions, "counted": {d: started for d in event.days}}
    entry["newest"] = newest
    entry["summary"] = _summary_assemble(
        event, units, entry["planned"],
        [row for rows in entry["attended"].values() for row in rows],
        [row for rows in entry["sessions"].values() for row in rows],
    )
    cache.set(key, entry, SUMMARY_CACHE_SECONDS)
    return entry["summary"]


def _add_rows(rows: list, delta: list, width: int) -> list:
    """Rows of (key..., n) plus delta rows of the same keys (the first ``width`` fields)."""
    totals: dict = {}
    for row in [*rows, *delta]:
        totals[row[:width]] = totals.get(row[:width], 0) + row[width]
    return [(*key, n) for key, n in totals.items()]


def _summary_planned_rows(event: Event, units) -> list:
    """(unit id, date, mode, n): approved registrations attending each day, per unit."""
    prefix = "registration__participant__"
    return list(_unit_scope(
        RegistrationDay.objects.filter(registration__event=event, registration__status=Registration.Status.APPROVED),
        units, prefix,
    ).values_list(f"{prefix}unit", "date", "mode").annotate(n=Count("pk")).order_by())


def _summary_checkin_rows(event: Event, units, days=None, after=None) -> tuple[dict, dict]:
    """({day: [(unit id, day, channel, n)]}, {day: [(session id, channel, n)]}) for all days or ``days``.

    Door entries are one per person and day (unique index), so counting them is
    exact; online joins are per session, so people are counted distinct per day.
    With ``after`` (a check-in id), only what the check-ins after it add: their door
    entries and session scans, and the people whose first online join of that day
    they are (an earlier one, up to ``after``, was counted already).
    """
    from django.db.models import Case, CharField, Exists, OuterRef, Value, When

    from .models import CheckIn

    prefix = "registration__participant__"
    accepted = _unit_scope(
        CheckIn.objects.filter(event=event, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                               registration__isnull=False), units, prefix,
    )
    if days is not None:
        if not days:
            return {}, {}
        accepted = accepted.filter(day__in=days)
    counted = accepted.filter(Q(session__isnull=True) | Q(method__in=ONLINE_METHODS))
    if after is not None:
        accepted = accepted.filter(pk__gt=after)
        earlier_join = CheckIn.objects.filter(
            registration=OuterRef("registration"), day=OuterRef("day"), pk__lte=after, result=CheckIn.Result.OK,
            kind=CheckIn.Kind.ENTRY, session__isnull=False, method__in=ONLINE_METHODS,
        )
        counted = accepted.filter(Q(session__isnull=True) | (Q(method__in=ONLINE_METHODS) & ~Exists(earlier_join)))
    channel = Case(
        When(session__isnull=True, then=Value("door")),
        When(method__in=ONLINE_METHODS, then=Value("online")),
        default=Value("room"), output_field=CharField(),
    )
    attended: dict = {}
    for unit_id, day, kind, n in (
        counted.annotate(channel=channel)
        .values_list(f"{prefix}unit", "day", "channel").annotate(n=Count("registration", distinct=True)).order_by()
    ):
        attended.setdefault(day, []).append((unit_id, day, kind, n))
    sessions: dict = {}
    for session_id, day, kind, n in (
        accepted.filter(session__isnull=False).annotate(channel=channel)
        .values_list("session", "day", "channel").annotate(n=Count("pk")).order_by()
    ):
        sessions.setdefault(day, []).append((session_id, kind, n))
    for day in days or ():
        attended.setdefault(day, [])
        sessions.setdefault(day, [])
    return attended, sessions


def attendance_summary(event: Event, *, units=None) -> dict:
    """Attendance per day, unit, province and session: the recap the API and the reports show.

    Per day and unit: approved registrations expected in person / online that day,
    present in person (an accepted door entry) and joined online (an accepted
    online join of a session that day, or a meeting-report entry). Per session:
    people scanned in the room and people who joined online. ``units`` (a Unit)
    limits everything to its subtree (coordinators). Five queries whatever the size.
    """
    attended, sessions = _summary_checkin_rows(event, units)
    return _summary_assemble(event, units, _summary_planned_rows(event, units),
                             [row for rows in attended.values() for row in rows],
                             [row for rows in sessions.values() for row in rows])


def _summary_assemble(event: Event, units, planned, attended, per_session_rows) -> dict:
    from django.utils import timezone

    days = event.days
    grid: dict = {}  # unit id -> day -> counts

    def cell(unit_id, day):
        return grid.setdefault(unit_id, {}).setdefault(day, _empty_counts())

    for unit_id, day, mode, n in planned:
        key = "expected_in_person" if mode == RegistrationDay.Mode.IN_PERSON else "expected_online"
        cell(unit_id, day)[key] += n
    for unit_id, day, kind, n in attended:
        cell(unit_id, day)["present_in_person" if kind == "door" else "joined_online"] += n
    unit_info = {
        u["pk"]: u for u in Unit.objects.filter(pk__in=list(grid)).values("pk", "name", "code", "province",
                                                                          "sort_order")
    }
    per_unit, per_province, per_day = [], {}, {d: _empty_counts() for d in days}
    for unit_id in sorted(grid, key=lambda pk: (unit_info[pk]["sort_order"], unit_info[pk]["name"], pk)):
        info = unit_info[unit_id]
        total = _empty_counts()
        day_rows = []
        for d in days:
            counts = grid[unit_id].get(d, _empty_counts())
            day_rows.append({"day": d.isoformat(), **counts})
            for k, v in counts.items():
                total[k] += v
                per_day[d][k] += v
        per_unit.append({"unit_id": unit_id, "unit": info["name"], "code": info["code"],
                         "province": info["province"], **total, "days": day_rows})
        prov = per_province.setdefault(info["province"], {"province": info["province"], **_empty_counts(),
                                                          "days": {d.isoformat(): _empty_counts() for d in days}})
        for k, v in total.items():
            prov[k] += v
        for row in day_rows:
            for k in total:
                prov["days"][row["day"]][k] += row[k]
    provinces = []
    for prov in sorted(per_province.values(), key=lambda p: (p["province"] == "", p["province"])):
        prov["days"] = [{"day": d, **c} for d, c in prov["days"].items()]
        provinces.append(prov)
    by_session: dict = {}
    for session_id, kind, n in per_session_rows:
        by_session.setdefault(session_id, {"in_room": 0, "online": 0})["in_room" if kind == "room" else "online"] += n
    sessions = [
        {"id": s.pk, "title": s.title, "day": s.day.isoformat(),
         "start": timezone.localtime(s.start, event.tz).isoformat(),
         "end": timezone.localtime(s.end, event.tz).isoformat(), "mode": s.mode, "kind": s.kind,
         **by_session.get(s.pk, {"in_room": 0, "online": 0})}
        for s in Session.objects.filter(event=event).order_by("start", "title", "pk")
    ]
    grand = _empty_counts()
    for counts in per_day.values():
        for k, v in counts.items():
            grand[k] += v
    return {
        "event": event.slug,
        "scope": units.name if units is not None else None,
        "totals": grand,
        "per_day": [{"day": d.isoformat(), **c} for d, c in per_day.items()],
        "per_unit": per_unit,
        "per_province": provinces,
        "per_session": sessions,
    }


def day_started(event: Event, day, now=None) -> dict:
    """Whether one event day has started, for who can be missing yet (issue 12, item 6): ``in_person``
    once its first in-person or hybrid session began (or its door opened, if earlier; a day without
    such sessions at its midnight, event time); ``online`` once an online or hybrid session of the day
    began (never on a day whose agenda has none: there is nothing to join; a day without any session
    on record counts from its midnight for both)."""
    import datetime as dt

    from django.db.models import Min
    from django.utils import timezone

    from agenda.models import Session

    from .models import CheckInWindow

    now = now or timezone.now()
    starts = dict(Session.objects.filter(event=event, day=day).exclude(kind=Session.Kind.BREAK)
                  .values("mode").annotate(first=Min("start")).values_list("mode", "first"))
    door_candidates = [starts[m] for m in (Session.Mode.IN_PERSON, Session.Mode.HYBRID) if m in starts]
    window = CheckInWindow.objects.filter(event=event, date=day).first()
    if window is not None:
        door_candidates.append(dt.datetime.combine(day, window.opens, tzinfo=event.tz))
    door_opens = min(door_candidates) if door_candidates else dt.datetime.combine(day, dt.time(0), tzinfo=event.tz)
    online_starts = [starts[m] for m in (Session.Mode.ONLINE, Session.Mode.HYBRID) if m in starts]
    if not starts:  # no agenda for the day (yet): the day itself, from its midnight
        online_starts = [dt.datetime.combine(day, dt.time(0), tzinfo=event.tz)]
    return {"in_person": now >= door_opens, "online": bool(online_starts) and now >= min(online_starts)}


def delegation_day_counts(event: Event, day, *, units=None, started: dict | None = None) -> dict:
    """One day of a delegation, over approved registrations attending that day: one query.

    expected/present in person (an accepted door entry), expected/joined online (an
    accepted online join of a session that day), and the missing of each — counted only
    once that part of the day has started (``day_started``; before, nobody is missing yet).
    """
    from django.db.models import Exists, OuterRef

    from .models import CheckIn

    entries = CheckIn.objects.filter(registration=OuterRef("registration"), day=day, result=CheckIn.Result.OK,
                                     kind=CheckIn.Kind.ENTRY)
    rows = _unit_scope(
        RegistrationDay.objects.filter(registration__event=event, registration__status=Registration.Status.APPROVED,
                                       date=day), units, "registration__participant__",
    ).annotate(
        door=Exists(entries.filter(session__isnull=True)),
        joined=Exists(entries.filter(session__isnull=False, method__in=ONLINE_METHODS)),
    )
    in_person, online = Q(mode=RegistrationDay.Mode.IN_PERSON), Q(mode=RegistrationDay.Mode.ONLINE)
    counts = rows.aggregate(
        expected_in_person=Count("pk", filter=in_person), present_in_person=Count("pk", filter=in_person & Q(door=True)),
        expected_online=Count("pk", filter=online), joined_online=Count("pk", filter=online & Q(joined=True)),
    )
    started = started if started is not None else day_started(event, day)
    counts["missing_in_person"] = (counts["expected_in_person"] - counts["present_in_person"]
                                   if started["in_person"] else 0)
    counts["missing_online"] = counts["expected_online"] - counts["joined_online"] if started["online"] else 0
    counts["started"] = started
    return counts


def checkins_for_registration(registration: Registration) -> list:
    """A participant's own accepted check-ins (entries, exits, online joins), oldest first, for their portal.

    Refused scans are kept for the auditors but not shown here: they are not
    attendance. Each item carries ``local_time`` in the event's time zone.
    """
    from django.utils import timezone

    from .models import CheckIn

    tz = registration.event.tz
    items = list(
        CheckIn.objects.filter(registration=registration, result=CheckIn.Result.OK)
        .select_related("session")
        .order_by("scanned_at", "pk")
    )
    for item in items:
        item.local_time = timezone.localtime(item.scanned_at, tz)
    return items


# ---------------------------------------------------------------- "my data" (UU PDP)


def _registration_data(r: Registration, *, full: bool) -> dict:
    by = r.registered_by
    data = {
        "event": r.event.name, "event_slug": r.event.slug, "role": r.role, "role_display": r.get_role_display(),
        "status": r.status, "status_display": r.get_status_display(), "status_reason": r.status_reason,
        "status_changed_at": r.status_changed_at, "channel": r.channel, "channel_display": r.get_channel_display(),
        "registered_by": (by.get_full_name() or by.get_username()) if by is not None else "",
        "created_at": r.created_at, "updated_at": r.updated_at,
        "lawful_basis": r.lawful_basis,
        "lawful_basis_display": r.get_lawful_basis_display() if r.lawful_basis else "",
        "lawful_basis_at": r.lawful_basis_at, "lawful_basis_notice": r.lawful_basis_notice,
        "consent_text": r.consent_text, "consent_version": r.consent_version, "consent_at": r.consent_at,
        "ticket_revoked_at": r.ticket_revoked_at,
        "days": [{"date": d.date, "mode": d.mode, "mode_display": d.get_mode_display()} for d in r.days.all()],
    }
    if full:
        data.update({"public_id": r.public_id, "portal_url": r.portal_url})
    return data


def _checkin_section(registrations: list[Registration]) -> Section:
    rows = []
    for c in (CheckIn.objects.filter(registration__in=registrations).select_related("event", "session")
              .order_by("scanned_at", "pk")):
        rows.append({
            "event": c.event.name, "event_slug": c.event.slug, "scanned_at": c.scanned_at,
            "received_at": c.received_at, "day": c.day, "kind": c.kind, "kind_display": c.get_kind_display(),
            "session": c.session.title if c.session_id else "", "method": c.method,
            "method_display": c.get_method_display(), "gate": c.gate, "offline": c.offline, "result": c.result,
            "result_display": c.get_result_display(),
        })
    return Section(
        key="checkins", title=_("Presensi (pindai tiket dan bergabung daring)"),
        columns=[("scanned_at", _("Waktu")), ("event", _("Acara")), ("kind_display", _("Jenis")),
                 ("session", _("Sesi")), ("method_display", _("Cara")), ("gate", _("Gerbang")),
                 ("result_display", _("Hasil"))],
        rows=rows, empty=_("Belum ada presensi."))


def personal_data(registration: Registration) -> tuple[dict, list]:
    """Everything Rakor holds about the person of this registration: ``(data, sections)``.

    ``data`` is the "my data" JSON (plain values; dates and times as Python objects):
    their record, this registration (with its lawful basis), their other registrations
    (without those portal links), and one list per ``Section``: check-ins (accepted and
    refused), then what the other apps hold (online attendance, meeting-report lines,
    certificates: ``attendance.personal_data`` holders), then their data requests.
    ``sections`` are those lists with their headings and columns, for the page. Only rows
    of this participant: never another person's.
    """
    p = registration.participant
    registrations = list(p.registrations.select_related("event", "registered_by").prefetch_related("days")
                         .order_by("created_at", "pk"))
    this = next(r for r in registrations if r.pk == registration.pk)
    sections = [_checkin_section(registrations)]
    for holder in holders():
        if holder.sections is not None:
            sections.extend(holder.sections(p, registrations))
    requests = [
        {"created_at": d.created_at, "status": d.status, "status_display": d.get_status_display(),
         "reason": d.reason, "handled_at": d.handled_at}
        for d in p.data_requests.order_by("created_at", "pk")
    ]
    sections.append(Section(
        key="data_requests", title=_("Permintaan penghapusan data"),
        columns=[("created_at", _("Diajukan")), ("status_display", _("Status")), ("reason", _("Alasan"))],
        rows=requests))
    data = {
        "participant": {
            "full_name": p.full_name, "id_kind": p.id_kind, "id_kind_display": p.get_id_kind_display(),
            "id_number": p.id_number, "position": p.position, "rank": p.rank, "unit": p.unit.name,
            "email": p.email, "whatsapp": p.whatsapp, "gender": p.gender,
            "gender_display": p.get_gender_display() if p.gender else "",
            "created_at": p.created_at, "updated_at": p.updated_at,
        },
        "registration": _registration_data(this, full=True),
        "other_registrations": [_registration_data(r, full=False) for r in registrations if r.pk != this.pk],
        **{s.key: s.rows for s in sections},
    }
    return data, sections


# ---------------------------------------------------------------- organisers' event console (console app)


def checked_in_count(event: Event, day) -> int:
    """People with an accepted door entry on ``day``: one COUNT (the unique index allows one per person and day)."""
    return _door_entries(event, day).count()
