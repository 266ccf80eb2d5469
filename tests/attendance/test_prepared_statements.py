"""Prepared statements obey DATABASE_PREPARED_STATEMENTS: off behind PgBouncer in transaction mode (issue 14, item 6)."""

import pytest
from django.db import connection

from attendance.checkin_sql import fetchone_prepared as _fetchone_prepared

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")]

PROBE = "SELECT %s::int + 40 AS rakor_prepared_probe"


def prepared_probes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%rakor_prepared_probe%%'")
        return cursor.fetchone()[0]


def test_off_behind_pgbouncer_the_statement_is_never_prepared(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert _fetchone_prepared(PROBE, [2]) == (42,)
    assert prepared_probes() == 0


def test_on_with_psycopgs_own_pool_it_is_prepared_once(settings):
    if getattr(connection, "pool", None) is None:
        pytest.skip("prepared only with psycopg's pool (DB_POOL)")
    settings.DATABASE_PREPARED_STATEMENTS = True
    assert [_fetchone_prepared(PROBE, [n]) for n in (1, 2)] == [(41,), (42,)]
    assert prepared_probes() == 1
