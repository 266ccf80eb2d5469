"""The one place where a check-in is decided (DESIGN.md, "API"; shared/STYLE.md, pretix).

HTTP, the scanner's offline sync and online joins all call ``checkin_perform``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from rakor.broadcast import group_send_batched
from rakor.models import Event
from rakor.signing import TicketFormatError, parse_ticket, verify_ticket

from rakor.models import Unit

from .models import CheckIn, CheckInWindow, Participant, Registration, RegistrationDay

log = logging.getLogger("rakor.checkin")

Result = CheckIn.Result

DEFAULT_WINDOW = (dt.time(6, 0), dt.time(22, 0))


@dataclass
class CheckInOutcome:
    """What a scanner is told. ``first`` is the first accepted entry for the same scope."""

    result: str
    checkin: CheckIn
    registration: Registration | None = None
    first: CheckIn | None = None
    replayed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.result == Result.OK


_window_cache: dict[tuple[int, dt.date], tuple[float, tuple[dt.time, dt.time]]] = {}
WINDOW_CACHE_SECONDS = 60


def checkin_window(event: Event, day: dt.date) -> tuple[dt.time, dt.time]:
    """The door hours of a day: its CheckInWindow, else the default.

    Cached per process for a minute (windows change a few times per event and a scan
    should not pay a query for them); saving or deleting a window clears this cache.
    """
    key = (event.pk, day)
    cached = _window_cache.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    window = CheckInWindow.objects.filter(event=event, date=day).first()
    hours = (window.opens, window.closes) if window else getattr(settings, "CHECKIN_DEFAULT_WINDOW", DEFAULT_WINDOW)
    _window_cache[key] = (time.monotonic() + WINDOW_CACHE_SECONDS, hours)
    return hours


@receiver([post_save, post_delete], sender=CheckInWindow)
def _forget_windows(**kwargs):
    _window_cache.clear()


def _first_entry(registration: Registration, day: dt.date | None, session) -> CheckIn | None:
    qs = CheckIn.objects.filter(registration=registration, kind=CheckIn.Kind.ENTRY, result=Result.OK)
    qs = qs.filter(session=session) if session is not None else qs.filter(day=day, session__isnull=True)
    return qs.select_related("device").order_by("scanned_at", "pk").first()


def checkin_perform(
    *,
    event: Event,
    nonce: uuid.UUID | str,
    ticket: str = "",
    registration: Registration | None = None,
    kind: str = CheckIn.Kind.ENTRY,
    session=None,
    scanned_at: dt.datetime | None = None,
    method: str = CheckIn.Method.CAMERA,
    device=None,
    operator=None,
    offline: bool = False,
) -> CheckInOutcome:
    """Decide and record one scan. Atomic; locks the registration row.

    Guarantees:
    - Idempotent per ``nonce``: a replay returns the first answer and writes nothing.
    - Every decision, accepted or refused, is stored as a CheckIn row with its result.
    - At most one accepted entry per registration per day (or per session), also
      under concurrency (row lock plus a partial unique index).
    - An offline scan that a gate admitted after another gate already had is kept
      with ``conflict=True`` and answered ``already_checked_in``: nothing lost, nothing
      counted twice.
    ``registration`` (instead of ``ticket``) is for manual search at the desk and
    online joins, where the person is already identified.
    """
    nonce = uuid.UUID(str(nonce))
    scanned_at = scanned_at or timezone.now()
    day = timezone.localtime(scanned_at, event.tz).date()
    operator = operator if operator is not None and getattr(operator, "is_authenticated", False) else None
    refusal = None
    if registration is not None:
        ticket = ticket or registration.ticket
        refusal = None if registration.event_id == event.pk else Result.WRONG_EVENT
        lookup = {"pk": registration.pk}
    else:
        refusal, lookup, registration = _check_signature(event, ticket)
    row = {
        "event": event, "registration": None, "ticket_text": (ticket or "")[:200], "kind": kind,
        "day": day if session is None else session.day, "session": session, "method": method,
        "device": device, "operator": operator, "gate": device.name if device is not None else "",
        "scanned_at": scanned_at, "received_at": timezone.now(), "nonce": nonce, "offline": offline,
        "result": Result.OK, "conflict": False,
    }
    if (refusal is None and lookup.get("public_id") and kind == CheckIn.Kind.ENTRY and session is None
            and connection.vendor == "postgresql" and not connection.in_atomic_block and _door_open(event, day, scanned_at)):
        checkin = _admit_in_one_statement(event=event, lookup=lookup, day=day, row=row)
        if checkin is not None:
            _committed(checkin)
            return CheckInOutcome(result=Result.OK, checkin=checkin, registration=checkin.registration, first=checkin)
    # The nonce is not looked up first: a replay is rare, and the unique index on
    # CheckIn.nonce makes the insert below write nothing for it; the first row answers.
    try:
        with transaction.atomic():
            if refusal is None:
                registration = _lock(lookup, day)
                if registration is None:
                    refusal = Result.INVALID
            result, first, conflict = refusal, None, False
            if result is None:
                result, first, conflict = _decide(event, registration, kind, day, session, scanned_at, offline, method)
            row = {**row, "registration": registration, "result": result, "conflict": conflict}
            checkin = _insert(row)
            if checkin is None and result == Result.OK and kind == CheckIn.Kind.ENTRY:
                # Most scans are a first entry, so it is tried first; the partial unique
                # index (one accepted entry per day/session) says when it is not.
                first = _first_entry(registration, day, session)
                if first is not None:
                    result, conflict = Result.ALREADY, offline
                    checkin = _insert({**row, "result": result, "conflict": conflict})
            if checkin is None:
                raise _NonceUsed
    except (_NonceUsed, IntegrityError):
        replay = _replay(nonce)
        if replay is not None:
            return replay
        raise
    if result != Result.OK:
        log.info("check-in refused: %s event=%s nonce=%s device=%s", result, event.slug, nonce, getattr(device, "pk", None))
    outcome = CheckInOutcome(result=result, checkin=checkin, registration=registration,
                             first=first if first is not None else (checkin if result == Result.OK else None))
    _committed(checkin, broadcast=result == Result.OK or conflict)
    return outcome


_admit_sql: dict[str, str] = {}


def _admit_in_one_statement(*, event: Event, lookup: dict, day: dt.date, row: dict) -> CheckIn | None:
    """The common case, a first entry at the door, in one round trip (PostgreSQL, autocommit).

    One statement locks the registration row, inserts the accepted entry only if the
    registration is approved, not revoked and in person that day, and returns the row
    for the answer. The partial unique index still refuses a second entry for the day
    (ON CONFLICT DO NOTHING), and the nonce index a replay. Returns None whenever
    the entry was not inserted: the caller then decides and records in the usual way.
    The door's hours and the event day were checked by the caller.
    """
    fields = _ROW_FIELDS
    sql = _admit_sql.get("ticket")
    if sql is None:
        qn = connection.ops.quote_name
        r, p, u, d = (qn(m._meta.db_table) for m in (Registration, Participant, Unit, RegistrationDay))
        values = ", ".join("r.id" if f.attname == "registration_id" else "%s" for f in fields)
        sql = _admit_sql["ticket"] = (
            "WITH r AS (SELECT r.id, r.event_id, r.participant_id, r.public_id, r.role, r.status, "
            "r.ticket_revoked_at, p.full_name, p.position, p.unit_id, u.name, u.province, "
            f"(SELECT d.mode FROM {d} d WHERE d.registration_id = r.id AND d.date = %s) AS mode "
            f"FROM {r} r JOIN {p} p ON p.id = r.participant_id JOIN {u} u ON u.id = p.unit_id "
            "WHERE r.event_id = %s AND r.public_id = %s FOR UPDATE OF r), "
            f"ins AS (INSERT INTO {qn(CheckIn._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"SELECT {values} FROM r WHERE r.status = %s AND r.ticket_revoked_at IS NULL AND r.mode = %s "
            f"ON CONFLICT DO NOTHING RETURNING {qn(CheckIn._meta.pk.column)}) "
            "SELECT r.*, (SELECT id FROM ins) FROM r"
        )
    params = [connection.ops.adapt_datefield_value(day), event.pk, lookup["public_id"]]
    params += [f.get_db_prep_save(getattr(row[f.name], "pk", None) if f.name in _FK_NAMES else row[f.name], connection)
               for f in fields if f.attname != "registration_id"]
    params += [Registration.Status.APPROVED, RegistrationDay.Mode.IN_PERSON]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None or found[13] is None:
        return None
    registration = _registration_from_row(found)
    registration.event = event
    checkin = CheckIn(pk=found[13], **{**row, "registration": registration})
    checkin._state.adding, checkin._state.db = False, connection.alias
    return checkin


def _fetchone_prepared(sql: str, params: list):
    """Run one hand-written statement, return its first row; on PostgreSQL as a prepared statement.

    Django's psycopg cursors bind parameters on the client, so PostgreSQL parses and
    plans every statement anew: for the join's lookup (a four-table join) and its write
    (two data-modifying CTEs) planning cost more CPU than running them. Here a
    server-side binding cursor prepares the statement once per pooled connection.
    Django leaves psycopg's prepared statements off (``prepare_threshold`` None, for
    external poolers such as PgBouncer in transaction mode), so they are used only with
    psycopg's own pool (the project's default, DB_POOL) and switched on just for this
    statement; Django's own cursors never prepare. Database errors are Django's.
    """
    if connection.vendor != "postgresql" or getattr(connection, "pool", None) is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = 1 << 30  # only a statement that asks (prepare=True) is prepared
    try:
        with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchone()
    finally:
        raw.prepare_threshold = threshold


_online_sql: dict[str, str] = {}


def checkin_admit_online(*, event: Event, registration: Registration, session, nonce: uuid.UUID | str,
                         scanned_at: dt.datetime, ticket: str, method: str = CheckIn.Method.ONLINE,
                         then: tuple[str, str, list] | None = None) -> CheckInOutcome | None:
    """A first accepted online entry of a session in one statement (PostgreSQL, autocommit); else None.

    For a registration the caller has just read (``registration_by_portal_secret``: its
    status, revocation and mode that day) and a session it has checked the join rules
    for. The decision is _decide()'s, the same as checkin_perform's; no row lock is
    needed: the partial unique index ``one_entry_per_session`` keeps one accepted entry
    per registration and session (ON CONFLICT DO NOTHING), the nonce index a replay.
    ``then`` is ``(name, sql, params)``: one more data-modifying CTE in the same
    statement, reading the inserted row as ``ins`` (id, registration_id, session_id,
    scanned_at) — e.g. the OnlineAttendance upsert — so the whole join commits once.
    Returns None whenever no entry was inserted (not PostgreSQL, inside a transaction,
    refused, an earlier entry): the caller then calls checkin_perform, which decides
    and records in the usual way.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block or registration.event_id != event.pk:
        return None
    day = timezone.localtime(scanned_at, event.tz).date()
    result, _first, _conflict = _decide(event, registration, CheckIn.Kind.ENTRY, day, session, scanned_at, False, method)
    if result != Result.OK:
        return None
    row = {
        "event": event, "registration": registration, "ticket_text": (ticket or "")[:200], "kind": CheckIn.Kind.ENTRY,
        "day": session.day, "session": session, "method": method, "device": None, "operator": None, "gate": "",
        "scanned_at": scanned_at, "received_at": timezone.now(), "nonce": uuid.UUID(str(nonce)), "offline": False,
        "result": Result.OK, "conflict": False,
    }
    name, then_sql, then_params = then or ("", "", [])
    sql = _online_sql.get(then_sql)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _online_sql[then_sql] = (
            f"WITH ins AS (INSERT INTO {qn(CheckIn._meta.db_table)} ({', '.join(qn(f.column) for f in _ROW_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(_ROW_FIELDS))}) ON CONFLICT DO NOTHING "
            "RETURNING id, registration_id, session_id, scanned_at)"
            + (f", {name} AS ({then_sql})" if name else "")
            + " SELECT id FROM ins"
        )
    params = [f.get_db_prep_save(getattr(row[f.name], "pk", None) if f.name in _FK_NAMES else row[f.name], connection)
              for f in _ROW_FIELDS]
    inserted = _fetchone_prepared(sql, params + list(then_params))
    if inserted is None:
        return None
    checkin = CheckIn(pk=inserted[0], **row)
    checkin._state.adding, checkin._state.db = False, connection.alias
    _committed(checkin)
    return CheckInOutcome(result=Result.OK, checkin=checkin, registration=registration, first=checkin)


def _door_open(event: Event, day: dt.date, scanned_at: dt.datetime) -> bool:
    if day not in event.days:
        return False
    opens, closes = checkin_window(event, day)
    return opens <= timezone.localtime(scanned_at, event.tz).time() <= closes


class _NonceUsed(Exception):
    """The insert wrote nothing because this nonce is already recorded."""


_insert_sql: dict[str, str] = {}


def _insert(row: dict) -> CheckIn | None:
    """Record a scan: ``INSERT … ON CONFLICT DO NOTHING RETURNING id``; None when a unique index refused it.

    Hand-written because this is the hottest statement of the system (the check-in
    benchmark in docs/benchmarks.md): no savepoint, no IntegrityError round trip, no
    ORM compilation per scan. Values are prepared by the model's own fields, so the
    SQL is right on SQLite and PostgreSQL alike.
    """
    fields = _ROW_FIELDS
    sql = _insert_sql.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _insert_sql[connection.vendor] = (
            f"INSERT INTO {qn(CheckIn._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING {qn(CheckIn._meta.pk.column)}"
        )
    params = [f.get_db_prep_save(f.to_python(row[f.name]) if f.name not in _FK_NAMES else getattr(row[f.name], "pk", None),
                                 connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = cursor.fetchone()
    if inserted is None:
        return None
    checkin = CheckIn(pk=inserted[0], **row)
    checkin._state.adding, checkin._state.db = False, connection.alias
    return checkin


# The columns a check-in writes, named: the hand-written INSERTs list exactly these, so columns
# filled later by other jobs (the tamper-evident chain's chain_seq/chain_hash) keep their defaults.
_ROW_FIELDS = [CheckIn._meta.get_field(name) for name in (
    "event", "registration", "ticket_text", "kind", "day", "session", "method", "device", "operator", "gate",
    "scanned_at", "received_at", "nonce", "offline", "result", "conflict")]
_FK_NAMES = {f.name for f in _ROW_FIELDS if f.is_relation}


def _check_signature(event: Event, ticket: str):
    """(refusal or None, lookup for the registration, registration of another event or None).

    Needs no database for a ticket of this event: the signature is checked with the
    event's public key, the registration is then found (and locked) by its public id.
    """
    try:
        parsed = parse_ticket(ticket)
    except TicketFormatError:
        return Result.INVALID, None, None
    if parsed.event_slug != event.slug:
        other = Event.objects.filter(slug=parsed.event_slug).only("public_key").first()
        if other is not None and verify_ticket(parsed, public_key=other.public_key):
            return Result.WRONG_EVENT, None, Registration.objects.filter(event=other, public_id=parsed.public_id).first()
        return Result.INVALID, None, None
    if not verify_ticket(parsed, public_key=event.public_key):
        return Result.INVALID, None, None
    return None, {"event": event, "public_id": parsed.public_id}, None


_lock_sql: dict[tuple[str, str], str] = {}


def _lock(lookup: dict, day: dt.date) -> Registration | None:
    """Find and lock the registration row in one statement, with its person, unit and mode that day.

    ``lookup`` is ``{"event": event, "public_id": ...}`` (a scanned ticket) or ``{"pk": ...}``.
    Hand-written SQL for the same reason as _insert(): it runs for every scan, and the
    ORM spent more CPU building this statement than PostgreSQL spent running it. The
    row comes back as model instances loaded with just these columns (others deferred).
    """
    by_ticket = "public_id" in lookup
    key = (connection.vendor, "ticket" if by_ticket else "pk")
    sql = _lock_sql.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        r, p, u, d = (qn(m._meta.db_table) for m in (Registration, Participant, Unit, RegistrationDay))
        where = "r.event_id = %s AND r.public_id = %s" if by_ticket else "r.id = %s"
        lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
        sql = _lock_sql[key] = (
            "SELECT r.id, r.event_id, r.participant_id, r.public_id, r.role, r.status, r.ticket_revoked_at, "
            "p.full_name, p.position, p.unit_id, u.name, u.province, "
            f"(SELECT d.mode FROM {d} d WHERE d.registration_id = r.id AND d.date = %s) "
            f"FROM {r} r JOIN {p} p ON p.id = r.participant_id JOIN {u} u ON u.id = p.unit_id "
            f"WHERE {where}{lock}"
        )
    params = [connection.ops.adapt_datefield_value(day)]
    params += [lookup["event"].pk, lookup["public_id"]] if by_ticket else [lookup["pk"]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    registration = _registration_from_row(row)
    if by_ticket:
        registration.event = lookup["event"]
    return registration


_by_secret_sql: dict[str, str] = {}


def registration_by_portal_secret(secret: str, day: dt.date) -> Registration | None:
    """The registration a portal secret names, with its event, person, unit (and path) and mode on ``day``; one read.

    The online join's lookup (sessions_app.views_join): the columns _lock() reads,
    without the lock, plus the portal secret (the caller compares it in constant time),
    the unit's path (a session open to some units only) and what a check-in needs of
    the event (slug, time zone, dates). None when unknown.
    """
    sql = _by_secret_sql.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        r, p, u, d, e = (qn(m._meta.db_table) for m in (Registration, Participant, Unit, RegistrationDay, Event))
        sql = _by_secret_sql[connection.vendor] = (
            "SELECT r.id, r.event_id, r.participant_id, r.public_id, r.role, r.status, r.ticket_revoked_at, "
            "p.full_name, p.position, p.unit_id, u.name, u.province, "
            f"(SELECT d.mode FROM {d} d WHERE d.registration_id = r.id AND d.date = %s), r.portal_secret, u.path, "
            "e.slug, e.time_zone, e.start_date, e.end_date "
            f"FROM {r} r JOIN {p} p ON p.id = r.participant_id JOIN {u} u ON u.id = p.unit_id "
            f"JOIN {e} e ON e.id = r.event_id WHERE r.portal_secret = %s"
        )
    row = _fetchone_prepared(sql, [connection.ops.adapt_datefield_value(day), secret])
    if row is None:
        return None
    registration = _registration_from_row(row)
    registration.portal_secret = row[13]
    registration.participant.unit.path = row[14]
    registration.event = _instance(Event, id=row[1], slug=row[15], time_zone=row[16],
                                   start_date=_from_db(Event, "start_date", row[17]),
                                   end_date=_from_db(Event, "end_date", row[18]))
    return registration


def _registration_from_row(row) -> Registration:
    """Registration, person and unit from the lock statement's first twelve columns, the day's mode 13th."""
    unit = _instance(Unit, id=row[9], name=row[10], province=row[11])
    participant = _instance(Participant, id=row[2], full_name=row[7], position=row[8], unit_id=row[9])
    participant.unit = unit
    registration = _instance(
        Registration, id=row[0], event_id=row[1], participant_id=row[2], public_id=row[3], role=row[4], status=row[5],
        ticket_revoked_at=_from_db(Registration, "ticket_revoked_at", row[6]),
    )
    registration.participant = participant
    registration.day_mode = row[12]
    return registration


def _instance(model, **values):
    """A model instance loaded from the database with only these fields (the rest deferred)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, fields, [values[name] for name in fields])


def _from_db(model, name: str, value):
    """A raw column value as the ORM would give it (e.g. SQLite's text datetimes, made aware)."""
    if value is None:
        return None
    field = model._meta.get_field(name)
    col = field.get_col(model._meta.db_table)
    for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection):
        value = convert(value, col, connection)
    return value


def _decide(event, registration, kind, day, session, scanned_at, offline, method=None):
    """(result, first accepted entry, conflict) for a registration locked by _lock()."""
    if registration.ticket_revoked_at is not None:
        return Result.REVOKED, None, False
    if registration.status != Registration.Status.APPROVED:
        return Result.NOT_APPROVED, None, False
    if day not in event.days:
        return Result.OUTSIDE_WINDOW, None, False
    if kind != CheckIn.Kind.ENTRY or session is None or session.mode == session.Mode.IN_PERSON:
        if registration.day_mode != RegistrationDay.Mode.IN_PERSON:
            return Result.NOT_IN_PERSON, None, False
    # The door's hours are for the door: an online join (or a meeting platform's report)
    # of a session is bounded by that session's join window, checked by the join view.
    online = session is not None and method in (CheckIn.Method.ONLINE, CheckIn.Method.IMPORT)
    opens, closes = checkin_window(event, day) if not online else (dt.time.min, dt.time.max)
    local = timezone.localtime(scanned_at, event.tz).time()
    if not (opens <= local <= closes):
        return Result.OUTSIDE_WINDOW, None, False
    if kind == CheckIn.Kind.EXIT:
        first = _first_entry(registration, day, session)
        return (Result.OK, first, False) if first is not None else (Result.NO_ENTRY, None, False)
    # An entry: checkin_perform inserts it and the unique index tells an earlier one.
    return Result.OK, None, False


def _replay(nonce: uuid.UUID) -> CheckInOutcome | None:
    checkin = CheckIn.objects.select_related("registration__participant__unit", "event", "device").filter(nonce=nonce).first()
    if checkin is None:
        return None
    first = None
    if checkin.registration is not None and checkin.result in (Result.OK, Result.ALREADY):
        first = _first_entry(checkin.registration, checkin.day, checkin.session)
    return CheckInOutcome(result=checkin.result, checkin=checkin, registration=checkin.registration, first=first,
                          replayed=True)


def _committed(checkin: CheckIn, *, broadcast: bool = True) -> None:
    """What follows a recorded check-in once it is committed: the dashboard push and, where no beat
    worker seals every few seconds (the embedded setting, ``ATTENDANCE_SEAL_INLINE``), sealing it
    into the event's hash chain at once."""
    if broadcast:
        transaction.on_commit(lambda: _broadcast(checkin))
    if getattr(settings, "ATTENDANCE_SEAL_INLINE", False):
        transaction.on_commit(lambda: _seal_now(checkin.event_id))


def _seal_now(event_id: int) -> None:
    from .chain import seal_event

    try:
        seal_event(event_id)
    except Exception:  # the check-in stands; `seal_attendance` or the next check-in seals it
        log.exception("check-in: sealing event %s failed", event_id)


def _broadcast(checkin: CheckIn) -> None:
    """Push an accepted check-in (or an offline conflict) to the organisers' dashboard (coalesced)."""
    registration = checkin.registration
    participant = registration.participant if registration else None
    group_send_batched(f"dashboard.{checkin.event.slug}", "checkin.batch", {
        "id": checkin.pk, "kind": checkin.kind, "session": checkin.session_id, "result": checkin.result,
        "conflict": checkin.conflict, "day": checkin.day.isoformat() if checkin.day else None,
        "scanned_at": checkin.scanned_at.isoformat(), "gate": checkin.gate,
        "name": participant.full_name if participant else "",
        "unit": participant.unit.name if participant else "",
        "province": participant.unit.province if participant else "",
    })
