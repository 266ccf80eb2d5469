"""One admission rule, three places, the same answers (issue 16, step 3).

The rule is ``attendance.checkin.admission``. It is also held by the one-statement door entry
on PostgreSQL (``checkin_sql.ADMITS_AT_THE_DOOR``) and by the scanner's offline decision
(``decideOffline`` in static/rakor/scanner/ticket.js). Every case of ``CASES`` is asked of the
full decision (checkin_perform inside a transaction: the ORM path, every database), of the
one-statement path (checkin_perform in autocommit: PostgreSQL only) here, and of the scanner's
rule in headless Chromium in tests/e2e/test_admission_browser.py, on the same data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.checkin import checkin_perform
from attendance.models import CheckIn, CheckInWindow, ScannerDevice
from rakor.signing import sign_ticket
from tests.factories import EventFactory, RegistrationFactory

IN, ON = "in_person", "online"


@dataclass(frozen=True)
class Case:
    """One scan. ``ticket``: "own" (the registration's), "forged" (its signature changed), "garbage",
    "other_key" (this event's name signed with another event's key), "other_event" (a real ticket of
    another event). ``day``: index into the event's days, or "after" (the day after the event).
    ``offline``: what the scanner answers offline when that differs from the server by design
    (``why`` says why); None when it answers as the server."""

    name: str
    expected: str
    modes: tuple = (IN, IN, IN)
    status: str = "approved"
    revoked: bool = False
    ticket: str = "own"
    day: int | str = 0
    time: dt.time = dt.time(8)
    window: tuple | None = None  # the day's CheckInWindow (opens, closes); None: the default 06:00-22:00
    admitted_before: bool = False  # an accepted entry earlier that day
    server_only: str = ""  # why the scanner's offline rule does not apply
    offline: str | None = None
    why: str = ""
    extra: dict = field(default_factory=dict)  # checkin_perform arguments (time rules)
    zone: str = "Asia/Jakarta"  # the event's time zone


CASES = [
    Case("ok", "ok"),
    Case("ok at the second the door opens", "ok", time=dt.time(6, 0)),
    Case("ok at the second the door closes", "ok", time=dt.time(22, 0)),
    Case("ok on a later day", "ok", day=2),
    Case("already_checked_in", "already_checked_in", admitted_before=True),
    Case("invalid_ticket: forged signature", "invalid_ticket", ticket="forged"),
    Case("invalid_ticket: signed with another event's key", "invalid_ticket", ticket="other_key"),
    Case("invalid_ticket: not a ticket", "invalid_ticket", ticket="garbage"),
    Case("wrong_event", "wrong_event", ticket="other_event"),
    Case("invalid_ticket: another event's name, forged", "invalid_ticket", ticket="other_event_forged",
         offline="wrong_event", why="a scanner holds its own event's key only, so it cannot tell a forged ticket "
                                    "of another event from a real one; both answers refuse the ticket"),
    Case("invalid_ticket: an event that does not exist", "invalid_ticket", ticket="no_event",
         offline="wrong_event", why="a scanner does not know which other events exist; both answers refuse"),
    Case("not_in_person: online that day", "not_in_person", modes=(ON, IN, IN)),
    Case("not_in_person: online every day", "not_in_person", modes=(ON, ON, ON), offline="unknown_offline",
         why="the scanner's bundle lists in-person registrations only (it stays small for events with thousands "
             "online): a real ticket missing from it is unknown offline, and the server decides when the scan syncs"),
    Case("not_approved: pending", "not_approved", status="pending"),
    Case("not_approved: rejected", "not_approved", status="rejected"),
    Case("not_approved: cancelled", "not_approved", status="cancelled"),
    Case("revoked", "revoked", revoked=True),
    Case("revoked before not approved", "revoked", revoked=True, status="cancelled"),
    Case("not_approved before outside_window", "not_approved", status="pending", day="after"),
    Case("outside_window: after hours", "outside_window", time=dt.time(23, 30)),
    Case("outside_window: before hours", "outside_window", time=dt.time(5, 59, 59)),
    Case("outside_window: half a second after closing", "outside_window", time=dt.time(22, 0, 0, 500000)),
    Case("outside_window: the day's own hours", "outside_window", time=dt.time(12, 1),
         window=(dt.time(7), dt.time(12))),
    Case("outside_window: not an event day", "outside_window", day="after"),
    Case("ok by the event's own clock (WIT)", "ok", time=dt.time(21, 30), zone="Asia/Jayapura"),
    Case("outside_window by the event's own clock (WIT)", "outside_window", time=dt.time(22, 30),
         zone="Asia/Jayapura"),
    Case("not_in_person before the door's hours", "not_in_person", modes=(ON, IN, IN), time=dt.time(23)),
    Case("stale_scan: queued offline too long ago", "stale_scan", extra={"offline": True, "stale": True},
         server_only="the server's clock judges a scanner's own time when the scan arrives (scan_time)"),
    Case("device_expired", "device_expired", extra={"expired_device": True},
         server_only="the server judges the device's token when the scan arrives (scan_time)"),
]
IDS = [c.name for c in CASES]


def _at(event, case: Case) -> dt.datetime:
    day = event.end_date + dt.timedelta(days=1) if case.day == "after" else event.days[case.day]
    return dt.datetime.combine(day, case.time, tzinfo=event.tz)


def build(case: Case) -> dict:
    """The data of one case: its event, registration and ticket, and when the scan is made."""
    event = EventFactory(time_zone=case.zone)
    registration = RegistrationFactory(event=event, modes=list(case.modes), status=case.status,
                                       ticket_revoked_at=timezone.now() if case.revoked else None)
    when = _at(event, case)
    if case.window is not None:
        CheckInWindow.objects.create(event=event, date=when.date(), opens=case.window[0], closes=case.window[1])
    ticket = registration.ticket
    if case.ticket == "forged":
        ticket = ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB")
    elif case.ticket == "garbage":
        ticket = "hello world"
    elif case.ticket == "other_key":
        ticket = sign_ticket(event_slug=event.slug, public_id=registration.public_id,
                             signing_key=EventFactory().signing_key)
    elif case.ticket in ("other_event", "other_event_forged"):
        ticket = RegistrationFactory(event=EventFactory(start_date=event.start_date)).ticket
        if case.ticket == "other_event_forged":
            ticket = ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB")
    elif case.ticket == "no_event":
        ticket = sign_ticket(event_slug="rakor-yang-tidak-ada", public_id=registration.public_id,
                             signing_key=event.signing_key)
    first = None
    if case.admitted_before:
        first = checkin_perform(event=event, ticket=ticket, nonce=uuid.uuid4(),
                                scanned_at=when - dt.timedelta(minutes=30)).checkin
        assert first.result == "ok"
    return {"event": event, "registration": registration, "ticket": ticket, "when": when, "first": first}


def _scan(case: Case, data: dict) -> CheckIn:
    event, when = data["event"], data["when"]
    kwargs = {"event": event, "ticket": data["ticket"], "nonce": uuid.uuid4()}
    if case.extra.get("stale"):
        kwargs.update(offline=True, device_scanned_at=timezone.now() - dt.timedelta(hours=event.offline_hours + 1))
    elif case.extra.get("expired_device"):
        ended = event.start_date - dt.timedelta(days=10)
        old = EventFactory(start_date=ended, end_date=ended)
        kwargs["device"] = ScannerDevice.objects.create(event=old, name="Lama", token_hash=uuid.uuid4().hex * 2,
                                                        token_prefix="lama")
    else:
        kwargs["scanned_at"] = when
    return checkin_perform(**kwargs)


@pytest.fixture
def server_clock():
    """The server's clock at 09:00 in Jakarta on today's date (the factories' first event day)."""
    import zoneinfo

    nine = dt.datetime.combine(dt.date.today(), dt.time(9), tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(nine, tick=False):
        yield


def _full_decision(case: Case, data: dict) -> CheckIn:
    """checkin_perform inside a transaction, rolled back: the full decision (the one statement is
    never tried in a transaction), leaving the data as it was for the other path."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            outcome = _scan(case, data)
        transaction.set_rollback(True)
    assert not any(q["sql"].startswith("WITH") for q in queries.captured_queries)
    return outcome


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_full_decision(case, server_clock):
    assert _full_decision(case, build(case)).result == case.expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_one_statement_answers_as_the_full_decision(case, server_clock):
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's (CI runs the suite again on PostgreSQL)")
    data = build(case)
    full = _full_decision(case, data)
    # Autocommit, as in production: a first entry at an open door is the one statement.
    with CaptureQueriesContext(connection) as queries:
        one = _scan(case, data)
    assert (one.result, full.result) == (case.expected, case.expected)
    if case.expected == "ok":
        assert queries.captured_queries[0]["sql"].startswith("WITH r AS")
    assert CheckIn.objects.get(pk=one.checkin.pk).result == case.expected
    if data["first"] is not None:
        assert one.first.pk == data["first"].pk


def test_every_result_of_the_contract_has_a_case():
    """DESIGN.md's results of POST /api/v1/checkins/, and the time rules of issue 19."""
    assert {c.expected for c in CASES} == {
        "ok", "already_checked_in", "invalid_ticket", "wrong_event", "not_in_person", "not_approved", "revoked",
        "outside_window", "stale_scan", "device_expired"}
