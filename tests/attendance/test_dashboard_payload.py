"""The dashboard's check-in payload is built once (selectors.checkin_payload): what the socket pushes
for an accepted check-in equals what the snapshot (the page, its poll, the socket's first message)
lists for it, on every path a check-in is recorded by."""

import datetime as dt
import uuid
from unittest import mock

import pytest
from django.db import connection, transaction

from attendance.checkin import checkin_perform
from attendance.selectors import dashboard_snapshot
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["full decision", "one statement"])
def test_the_pushed_checkin_equals_the_snapshots_latest(path):
    if path == "one statement" and connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    registration = RegistrationFactory(participant__full_name="Dr. Hj. Siti Aminah, M.Pd.",
                                       participant__unit__name="Kanwil Kemenag Provinsi Aceh",
                                       participant__unit__province="Aceh")
    event = registration.event
    when = dt.datetime.combine(event.days[0], dt.time(7, 45), tzinfo=dt.timezone.utc)  # not the event's zone
    pushed = []
    with mock.patch("attendance.checkin.group_send_batched",
                    side_effect=lambda group, kind, item: pushed.append((group, kind, item))):
        if path == "full decision":
            with transaction.atomic():  # the one statement is never tried in a transaction
                outcome = checkin_perform(event=event, ticket=registration.ticket, nonce=uuid.uuid4(), scanned_at=when)
        else:
            outcome = checkin_perform(event=event, ticket=registration.ticket, nonce=uuid.uuid4(), scanned_at=when)
    assert outcome.result == "ok"
    ((group, kind, item),) = pushed
    assert (group, kind) == (f"dashboard.{event.slug}", "checkin.batch")
    snapshot = dashboard_snapshot(event, event.days[0], now=when)
    assert snapshot["latest"] == [item]
    assert item == {
        "id": outcome.checkin.pk, "kind": "entry", "result": "ok", "conflict": False,
        "day": event.days[0].isoformat(), "scanned_at": when.astimezone(event.tz).isoformat(), "gate": "",
        "name": "Dr. Hj. Siti Aminah, M.Pd.", "unit": "Kanwil Kemenag Provinsi Aceh", "province": "Aceh",
        "session": None,
    }
