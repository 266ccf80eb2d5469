"""checkin_perform: the rules of DESIGN.md / issue 3, decided in one place."""

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from attendance.checkin import checkin_perform
from attendance.models import CheckIn, CheckInWindow, Registration
from rakor.signing import sign_ticket
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def at(event, day_index=0, hour=8, minute=0):
    day = event.days[day_index]
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=event.tz)


def scan(registration, when=None, **kwargs):
    event = kwargs.pop("event", registration.event)
    return checkin_perform(event=event, ticket=kwargs.pop("ticket", registration.ticket), nonce=kwargs.pop("nonce", uuid.uuid4()),
                           scanned_at=when or at(event), **kwargs)


def test_first_scan_admits_and_records():
    reg = RegistrationFactory()
    outcome = scan(reg)
    assert outcome.result == "ok"
    assert outcome.first == outcome.checkin
    row = CheckIn.objects.get()
    assert (row.registration, row.day, row.kind, row.result) == (reg, reg.event.days[0], "entry", "ok")


def test_second_scan_same_day_answers_already_with_first_time():
    reg = RegistrationFactory()
    first = scan(reg, at(reg.event, 0, 8, 0))
    second = scan(reg, at(reg.event, 0, 9, 30))
    assert second.result == "already_checked_in"
    assert second.first.pk == first.checkin.pk
    assert CheckIn.objects.filter(result="ok").count() == 1
    assert CheckIn.objects.count() == 2


def test_next_day_is_a_new_entry():
    reg = RegistrationFactory()
    assert scan(reg, at(reg.event, 0)).result == "ok"
    assert scan(reg, at(reg.event, 1)).result == "ok"


def test_replayed_nonce_returns_same_answer_and_writes_nothing():
    reg = RegistrationFactory()
    nonce = uuid.uuid4()
    first = scan(reg, nonce=nonce)
    again = scan(reg, nonce=nonce, when=at(reg.event, 0, 10))
    assert (again.result, again.replayed, again.checkin.pk) == ("ok", True, first.checkin.pk)
    assert CheckIn.objects.count() == 1


def test_forged_signature_is_refused_and_logged():
    reg = RegistrationFactory()
    ticket = reg.ticket
    forged = ticket[:-3] + ("AAA" if not ticket.endswith("AAA") else "BBB")
    outcome = scan(reg, ticket=forged)
    assert outcome.result == "invalid_ticket"
    row = CheckIn.objects.get()
    assert (row.result, row.registration, row.ticket_text) == ("invalid_ticket", None, forged)


def test_ticket_signed_with_another_key_is_invalid():
    reg = RegistrationFactory()
    other = EventFactory()
    ticket = sign_ticket(event_slug=reg.event.slug, public_id=reg.public_id, signing_key=other.signing_key)
    assert scan(reg, ticket=ticket).result == "invalid_ticket"


def test_garbage_is_invalid():
    reg = RegistrationFactory()
    assert scan(reg, ticket="hello world").result == "invalid_ticket"


def test_ticket_of_another_event():
    reg = RegistrationFactory()
    other = EventFactory(start_date=reg.event.start_date)
    outcome = scan(reg, event=other, when=at(other))
    assert outcome.result == "wrong_event"
    assert CheckIn.objects.get().event == other


def test_online_registration_at_the_door():
    reg = RegistrationFactory(modes=["online", "in_person", "in_person"])
    assert scan(reg, at(reg.event, 0)).result == "not_in_person"
    assert scan(reg, at(reg.event, 1)).result == "ok"


@pytest.mark.parametrize("status", [Registration.Status.PENDING, Registration.Status.REJECTED, Registration.Status.CANCELLED])
def test_not_approved(status):
    reg = RegistrationFactory(status=status)
    assert scan(reg).result == "not_approved"


def test_revoked_ticket():
    reg = RegistrationFactory(ticket_revoked_at=timezone.now())
    assert scan(reg).result == "revoked"


def test_outside_window_and_outside_event_days():
    reg = RegistrationFactory()
    CheckInWindow.objects.create(event=reg.event, date=reg.event.days[0], opens=dt.time(7), closes=dt.time(12))
    assert scan(reg, at(reg.event, 0, 6, 59)).result == "outside_window"
    assert scan(reg, at(reg.event, 0, 12, 1)).result == "outside_window"
    day_before = at(reg.event) - dt.timedelta(days=1)
    assert scan(reg, day_before).result == "outside_window"
    assert scan(reg, at(reg.event, 0, 7, 0)).result == "ok"


def test_exit_needs_an_entry():
    reg = RegistrationFactory()
    assert scan(reg, kind="exit").result == "no_entry"
    scan(reg, at(reg.event, 0, 8))
    assert scan(reg, at(reg.event, 0, 16), kind="exit").result == "ok"


def test_offline_double_admission_is_kept_as_a_conflict():
    reg = RegistrationFactory()
    a = scan(reg, at(reg.event, 0, 8, 0), offline=True)
    b = scan(reg, at(reg.event, 0, 8, 1), offline=True)
    assert (a.result, b.result, b.checkin.conflict) == ("ok", "already_checked_in", True)
    assert CheckIn.objects.filter(registration=reg, result="ok").count() == 1
    assert CheckIn.objects.filter(registration=reg).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_gates_same_instant_make_one_entry():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI's second run); SQLite serialises writers anyway")
    reg = RegistrationFactory()
    when = at(reg.event)
    barrier = threading.Barrier(2)
    results = []

    def gate():
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=when).result)
        finally:
            conn.close()

    threads = [threading.Thread(target=gate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_checked_in", "ok"]
    assert CheckIn.objects.filter(registration=reg, result="ok").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_statement_admission_keeps_every_rule_on_postgresql(door_clock, settings):
    """Outside a transaction (as in production) PostgreSQL admits a first entry in one statement;
    everything else falls back to the full decision. Both must give the same answers.
    (Every result of the contract is asked of both paths in tests/attendance/test_admission.py.)"""
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement path is PostgreSQL's")
    # What is counted here is the admission. Sealing the check-in into the chain is a step of its
    # own, after the commit: inline where no worker runs (no Redis: ATTENDANCE_SEAL_INLINE), by the
    # beat worker otherwise (tests/attendance/test_chain.py holds it to its promises).
    settings.ATTENDANCE_SEAL_INLINE = False
    reg = RegistrationFactory()
    online = RegistrationFactory(event=reg.event, modes=["online", "online", "online"])
    revoked = RegistrationFactory(event=reg.event, ticket_revoked_at=timezone.now())
    pending = RegistrationFactory(event=reg.event, status=Registration.Status.PENDING)
    nonce = uuid.uuid4()
    from django.test.utils import CaptureQueriesContext

    from attendance.checkin import checkin_window

    checkin_window(reg.event, reg.event.days[0])  # the door hours are cached per process
    with CaptureQueriesContext(connection) as queries:
        first = scan(reg, at(reg.event, 0, 8), nonce=nonce)
    assert [q["sql"][:4] for q in queries.captured_queries] == ["WITH"], queries.captured_queries
    assert (first.result, first.first, first.registration.participant.full_name) == (
        "ok", first.checkin, reg.participant.full_name)
    assert scan(reg, at(reg.event, 0, 9), nonce=nonce).replayed is True
    second = scan(reg, at(reg.event, 0, 9))
    assert (second.result, second.first.pk) == ("already_checked_in", first.checkin.pk)
    assert [scan(r).result for r in (online, revoked, pending)] == ["not_in_person", "revoked", "not_approved"]
    assert scan(reg, at(reg.event, 0, 23, 30)).result == "outside_window"
    row = CheckIn.objects.get(pk=first.checkin.pk)
    assert (row.registration, row.day, row.result, row.ticket_text) == (reg, reg.event.days[0], "ok", reg.ticket)
    assert CheckIn.objects.filter(registration=reg, result="ok").count() == 1

    # The time rules (scan_time, issue 19) are decided before either path: a scan they refuse never
    # reaches the one statement, and a scan they accept gets the same answer on both paths.
    from django.db import transaction

    from attendance.models import ScannerDevice

    def both(device_scanned_at, device=None):
        """(answer in one statement, its query kinds, answer of the full decision in a transaction)."""
        one, full = RegistrationFactory(event=reg.event), RegistrationFactory(event=reg.event)
        kw = {"device_scanned_at": device_scanned_at, "offline": True, "device": device}
        with CaptureQueriesContext(connection) as queries:
            fast = checkin_perform(event=reg.event, ticket=one.ticket, nonce=uuid.uuid4(), **kw)
        with transaction.atomic():
            slow = checkin_perform(event=reg.event, ticket=full.ticket, nonce=uuid.uuid4(), **kw)
        kinds = [q["sql"][:4] for q in queries.captured_queries]
        return (fast.result, fast.checkin.scanned_at), kinds, (slow.result, slow.checkin.scanned_at)

    now = timezone.now()  # door_clock: noon in Jakarta on the event's first day
    hour = dt.timedelta(hours=1)
    fast, kinds, slow = both(now - hour)  # an offline scan an hour old: its own time counts
    assert fast == slow == ("ok", now - hour) and kinds == ["WITH"]
    fast, kinds, slow = both(now - 13 * hour)  # older than the event's 12 hours
    assert fast == slow == ("stale_scan", now - 13 * hour) and "WITH" not in kinds
    fast, kinds, slow = both(now + 3 * hour)  # dated ahead of the server
    assert fast == slow == ("stale_scan", now + 3 * hour) and "WITH" not in kinds
    fast, kinds, slow = both(now + dt.timedelta(seconds=60))  # within the clock skew: the time of receipt
    assert fast == slow == ("ok", now) and kinds == ["WITH"]
    ended = dt.date.today() - dt.timedelta(days=5)
    old_event = EventFactory(start_date=ended, end_date=ended)
    device = ScannerDevice.objects.create(event=old_event, name="Lama", token_hash="y" * 64, token_prefix="y")
    with CaptureQueriesContext(connection) as queries:
        expired = checkin_perform(event=reg.event, ticket=RegistrationFactory(event=reg.event).ticket,
                                  nonce=uuid.uuid4(), device=device)
    assert expired.result == "device_expired" and "WITH" not in [q["sql"][:4] for q in queries.captured_queries]
