"""The portal's registration days and accepted check-ins in one statement (issue 15: a portal view's reads).

The portal page shows the person's days (``registration.days.all()``) and their accepted check-ins
(``selectors.checkins_for_registration``: the rule of what the portal lists, and in which order).
Read apart they are two statements whose ORM work costs more than the database's; here one
``UNION ALL`` reads both. tests/attendance/test_portal_sql.py proves it gives the same answer as
those two, on SQLite and PostgreSQL.

The days come back whole; a check-in with the columns the portal shows (kind, method, gate,
session and its title, the time) and the others deferred, as ``checkin_sql`` loads its rows.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from agenda.models import Session

from .models import CheckIn, Registration, RegistrationDay

DAY_FIELDS = ["id", "registration_id", "date", "mode"]
# Model.from_db takes the loaded values in the model's field order: these are in it (checked on import).
CHECKIN_FIELDS = [f.attname for f in CheckIn._meta.concrete_fields if f.attname in {
    "id", "registration_id", "kind", "session_id", "method", "gate", "scanned_at", "result"}]
assert CHECKIN_FIELDS == ["id", "registration_id", "kind", "session_id", "method", "gate", "scanned_at", "result"]
assert [f.attname for f in RegistrationDay._meta.concrete_fields] == DAY_FIELDS

_sql: dict[str, str] = {}


def _statement() -> str:
    sql = _sql.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        day, checkin, session = (qn(m._meta.db_table) for m in (RegistrationDay, CheckIn, Session))
        # Columns: 0 which (0 a day, 1 a check-in), 1 id, 2 date, 3 mode, 4 kind, 5 method, 6 gate,
        # 7 session_id, 8 scanned_at, 9 session title, 10 result.
        sql = _sql[connection.vendor] = (
            f"SELECT 0, d.id, d.date, d.mode, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM {day} d "
            f"WHERE d.registration_id = %s "
            f"UNION ALL SELECT 1, c.id, NULL, NULL, c.kind, c.method, c.gate, c.session_id, c.scanned_at, s.title, "
            f"c.result FROM {checkin} c LEFT JOIN {session} s ON s.id = c.session_id "
            f"WHERE c.registration_id = %s AND c.result = %s "
            f"ORDER BY 1, 3, 9, 2")  # days by date; check-ins by scanned_at, then id (as the ORM's)
    return sql


def _converter(model, name: str):
    """The backend's and the field's converters of a column (what the ORM applies to a value read)."""
    field = model._meta.get_field(name)
    expression = field.get_col(model._meta.db_table)
    converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)

    def convert(value):
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    return convert


def portal_days_and_checkins(registration: Registration) -> tuple[list[RegistrationDay], list[CheckIn]]:
    """(``list(registration.days.all())``, ``checkins_for_registration(registration)``) in one statement.

    Each check-in carries ``local_time`` in the event's time zone and its session (id and title
    loaded) when it has one, as ``checkins_for_registration``'s.
    """
    with connection.cursor() as cursor:
        cursor.execute(_statement(), [registration.pk, registration.pk, CheckIn.Result.OK])
        rows = cursor.fetchall()
    db = connection.alias
    to_date, to_time = _converter(RegistrationDay, "date"), _converter(CheckIn, "scanned_at")
    tz = registration.event.tz
    days, checkins = [], []
    for which, pk, date, mode, kind, method, gate, session_id, scanned_at, title, result in rows:
        if which == 0:
            days.append(RegistrationDay.from_db(db, DAY_FIELDS, [pk, registration.pk, to_date(date), mode]))
            continue
        scanned_at = to_time(scanned_at)
        item = CheckIn.from_db(db, CHECKIN_FIELDS, [pk, registration.pk, kind, session_id, method, gate, scanned_at,
                                                    result])
        item.session = None if session_id is None else Session.from_db(db, ["id", "title"], [session_id, title])
        item.local_time = timezone.localtime(scanned_at, tz)
        checkins.append(item)
    return days, checkins
