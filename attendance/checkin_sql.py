"""The hand-written statements of a check-in, built from one registration column list.

Every scan runs one of these (the check-in benchmark in docs/benchmarks.md): the ORM spent
more CPU building them than the database spent running them. They read one registration
row (``REGISTRATION_COLUMNS``: the registration, its person and unit, and its mode on the
scan's day) and write one CheckIn row (``ROW_FIELDS``). Nothing here decides anything:
``attendance.checkin.admission`` is the rule, and ``ADMITS_AT_THE_DOOR`` is the part of it
that the one-statement door entry checks in SQL (tests/attendance/test_admission.py proves
both give the same answers, with the scanner's offline rule).

Values are prepared by the model's own fields, so the SQL is right on SQLite and
PostgreSQL alike; the one-statement paths are PostgreSQL's.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

from rakor.models import Event, Unit

from .models import CheckIn, Participant, Registration, RegistrationDay

# ---------------------------------------------------------------- what is read and written

# The registration row every statement reads: (SQL expression, name in the row). Its
# person and unit come along for the answer the scanner shows; ``mode`` is the
# registration's mode on the scan's day (None when it has none), read by a subquery
# whose one parameter is that day.
REGISTRATION_COLUMNS = (
    ("r.id", "id"), ("r.event_id", "event_id"), ("r.participant_id", "participant_id"), ("r.public_id", "public_id"),
    ("r.role", "role"), ("r.status", "status"), ("r.ticket_revoked_at", "ticket_revoked_at"),
    ("p.full_name", "full_name"), ("p.position", "position"), ("p.unit_id", "unit_id"),
    ("u.name", "unit_name"), ("u.province", "province"),
    ("(SELECT d.mode FROM {day} d WHERE d.registration_id = r.id AND d.date = %s)", "mode"),
)
_NAMES = [name for _sql, name in REGISTRATION_COLUMNS]
WIDTH = len(REGISTRATION_COLUMNS)

# The columns a check-in writes, named: the INSERTs list exactly these, so columns filled
# later by other jobs (the tamper-evident chain's chain_seq/chain_hash) keep their defaults.
ROW_FIELDS = [CheckIn._meta.get_field(name) for name in (
    "event", "registration", "ticket_text", "kind", "day", "session", "method", "device", "operator", "gate",
    "scanned_at", "received_at", "nonce", "offline", "result", "conflict")]
FK_NAMES = {f.name for f in ROW_FIELDS if f.is_relation}

# What the one-statement door entry requires of the registration row (as ``admission``:
# ticket not revoked, registration approved, in person that day). The door's hours and the
# event day are checked before the statement, with the rules of the scan's time.
ADMITS_AT_THE_DOOR = (
    ("r.ticket_revoked_at IS NULL", []),
    ("r.status = %s", [Registration.Status.APPROVED]),
    ("r.mode = %s", [RegistrationDay.Mode.IN_PERSON]),
)


def _tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {name: qn(model._meta.db_table) for name, model in (
        ("registration", Registration), ("participant", Participant), ("unit", Unit), ("day", RegistrationDay),
        ("event", Event), ("checkin", CheckIn))}


def _select_registration(extra: str = "", *, aliases: bool = False) -> str:
    """``SELECT <the registration columns>[, extra] FROM registration r JOIN person p JOIN unit u``."""
    t = _tables()
    columns = ", ".join(f"{sql.format(**t)} AS {name}" if aliases else sql.format(**t)
                        for sql, name in REGISTRATION_COLUMNS)
    return (f"SELECT {columns}{extra} FROM {t['registration']} r JOIN {t['participant']} p ON p.id = r.participant_id "
            f"JOIN {t['unit']} u ON u.id = p.unit_id")


def _insert_into() -> str:
    qn = connection.ops.quote_name
    return f"INSERT INTO {_tables()['checkin']} ({', '.join(qn(f.column) for f in ROW_FIELDS)})"


def _row_params(row: dict, *, skip_registration: bool = False, coerce: bool = False) -> list:
    """A check-in row's values, prepared by the model's fields, in ROW_FIELDS order (``coerce``:
    through ``to_python`` first, for rows whose values may come as text, e.g. a replayed batch)."""
    return [f.get_db_prep_save(getattr(row[f.name], "pk", None) if f.name in FK_NAMES
                               else f.to_python(row[f.name]) if coerce else row[f.name], connection)
            for f in ROW_FIELDS if not (skip_registration and f.attname == "registration_id")]


def _day(day: dt.date):
    return connection.ops.adapt_datefield_value(day)


# ---------------------------------------------------------------- the statements

_cache: dict[tuple, str] = {}


def _sql(key: tuple, build) -> str:
    sql = _cache.get(key)
    if sql is None:
        sql = _cache[key] = build()
    return sql


def lock_registration(lookup: dict, day: dt.date) -> Registration | None:
    """Find and lock the registration row in one statement, with its person, unit and mode that day.

    ``lookup`` is ``{"event": event, "public_id": ...}`` (a scanned ticket) or ``{"pk": ...}``.
    The row comes back as model instances loaded with just these columns (others deferred).
    """
    by_ticket = "public_id" in lookup

    def build():
        where = "r.event_id = %s AND r.public_id = %s" if by_ticket else "r.id = %s"
        lock = " FOR UPDATE OF r" if connection.features.has_select_for_update_of else ""
        return f"{_select_registration()} WHERE {where}{lock}"

    sql = _sql(("lock", connection.vendor, by_ticket), build)
    params = [_day(day)] + ([lookup["event"].pk, lookup["public_id"]] if by_ticket else [lookup["pk"]])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    registration = registration_from_row(row)
    if by_ticket:
        registration.event = lookup["event"]
    return registration


def admit_door_entry(*, event: Event, public_id: str, day: dt.date, row: dict) -> CheckIn | None:
    """A first entry at the door in one statement (PostgreSQL, autocommit); None when nothing was inserted.

    One statement locks the registration row, inserts the accepted entry only if the row
    meets ``ADMITS_AT_THE_DOOR``, and returns the row for the answer. The partial unique
    index still refuses a second entry for the day (ON CONFLICT DO NOTHING), and the nonce
    index a replay.
    """
    def build():
        values = ", ".join("r.id" if f.attname == "registration_id" else "%s" for f in ROW_FIELDS)
        admits = " AND ".join(sql for sql, _params in ADMITS_AT_THE_DOOR)
        return (
            f"WITH r AS ({_select_registration(aliases=True)} WHERE r.event_id = %s AND r.public_id = %s "
            f"FOR UPDATE OF r), ins AS ({_insert_into()} SELECT {values} FROM r WHERE {admits} "
            f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(CheckIn._meta.pk.column)}) "
            "SELECT r.*, (SELECT id FROM ins) FROM r"
        )

    sql = _sql(("admit", connection.vendor), build)
    params = [_day(day), event.pk, public_id, *_row_params(row, skip_registration=True)]
    params += [p for _sql_text, extra in ADMITS_AT_THE_DOOR for p in extra]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None or found[WIDTH] is None:
        return None
    registration = registration_from_row(found)
    registration.event = event
    return _loaded(CheckIn(pk=found[WIDTH], **{**row, "registration": registration}))


def insert_checkin(row: dict) -> CheckIn | None:
    """Record a scan: ``INSERT … ON CONFLICT DO NOTHING RETURNING id``; None when a unique index refused it.

    No savepoint, no IntegrityError round trip, no ORM compilation per scan.
    """
    sql = _sql(("insert", connection.vendor), lambda: (
        f"{_insert_into()} VALUES ({', '.join(['%s'] * len(ROW_FIELDS))}) "
        f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(CheckIn._meta.pk.column)}"))
    with connection.cursor() as cursor:
        cursor.execute(sql, _row_params(row, coerce=True))
        inserted = cursor.fetchone()
    return None if inserted is None else _loaded(CheckIn(pk=inserted[0], **row))


def insert_online_entry(row: dict, then: tuple[str, str, list] | None = None) -> CheckIn | None:
    """An accepted online entry, and ``then`` in the same statement (PostgreSQL); None when nothing was inserted.

    ``then`` is ``(name, sql, params)``: one more data-modifying CTE reading the inserted row
    as ``ins`` (id, registration_id, session_id, scanned_at), e.g. the OnlineAttendance upsert.
    """
    name, then_sql, then_params = then or ("", "", [])
    sql = _sql(("online", then_sql), lambda: (
        f"WITH ins AS ({_insert_into()} VALUES ({', '.join(['%s'] * len(ROW_FIELDS))}) ON CONFLICT DO NOTHING "
        "RETURNING id, registration_id, session_id, scanned_at)"
        + (f", {name} AS ({then_sql})" if name else "")
        + " SELECT id FROM ins"))
    inserted = fetchone_prepared(sql, _row_params(row) + list(then_params))
    return None if inserted is None else _loaded(CheckIn(pk=inserted[0], **row))


def registration_by_portal_secret(secret: str, day: dt.date) -> Registration | None:
    """The registration a portal secret names, with its event, person, unit (and path) and mode on ``day``; one read.

    The online join's lookup: the columns lock_registration() reads, without the lock, plus
    the portal secret (the caller compares it in constant time), the unit's path (a session
    open to some units only) and what a check-in needs of the event (slug, time zone, dates).
    None when unknown.
    """
    sql = _sql(("by_secret", connection.vendor), lambda: (
        _select_registration(", r.portal_secret, u.path, e.slug, e.time_zone, e.start_date, e.end_date")
        + f" JOIN {_tables()['event']} e ON e.id = r.event_id WHERE r.portal_secret = %s"))
    row = fetchone_prepared(sql, [_day(day), secret])
    if row is None:
        return None
    registration = registration_from_row(row)
    secret_, path, slug, time_zone, start, end = row[WIDTH:WIDTH + 6]
    registration.portal_secret = secret_
    registration.participant.unit.path = path
    registration.event = _instance(Event, id=registration.event_id, slug=slug, time_zone=time_zone,
                                   start_date=_from_db(Event, "start_date", start),
                                   end_date=_from_db(Event, "end_date", end))
    return registration


def fetchone_prepared(sql: str, params: list):
    """Run one hand-written statement, return its first row; on PostgreSQL as a prepared statement.

    Django's psycopg cursors bind parameters on the client, so PostgreSQL parses and
    plans every statement anew: for the join's lookup (a four-table join) and its write
    (two data-modifying CTEs) planning cost more CPU than running them. Here a
    server-side binding cursor prepares the statement once per pooled connection.
    Django leaves psycopg's prepared statements off (``prepare_threshold`` None, for
    external poolers such as PgBouncer in transaction mode), so they are used only with
    psycopg's own pool (the project's default, DB_POOL) and switched on just for this
    statement; Django's own cursors never prepare. Not through PgBouncer in transaction
    mode (``settings.DATABASE_PREPARED_STATEMENTS`` off): the next transaction may run on
    another server connection that never saw the statement. Database errors are Django's.
    """
    if (connection.vendor != "postgresql" or getattr(connection, "pool", None) is None
            or not settings.DATABASE_PREPARED_STATEMENTS):
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


# ---------------------------------------------------------------- rows to instances


def registration_from_row(row) -> Registration:
    """Registration, person and unit from the first WIDTH columns of a row (REGISTRATION_COLUMNS);
    the day's mode is ``registration.day_mode``."""
    v = dict(zip(_NAMES, row[:WIDTH]))
    unit = _instance(Unit, id=v["unit_id"], name=v["unit_name"], province=v["province"])
    participant = _instance(Participant, id=v["participant_id"], full_name=v["full_name"], position=v["position"],
                            unit_id=v["unit_id"])
    participant.unit = unit
    registration = _instance(
        Registration, id=v["id"], event_id=v["event_id"], participant_id=v["participant_id"], public_id=v["public_id"],
        role=v["role"], status=v["status"], ticket_revoked_at=_from_db(Registration, "ticket_revoked_at",
                                                                      v["ticket_revoked_at"]),
    )
    registration.participant = participant
    registration.day_mode = v["mode"]
    return registration


def _loaded(checkin: CheckIn) -> CheckIn:
    checkin._state.adding, checkin._state.db = False, connection.alias
    return checkin


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
