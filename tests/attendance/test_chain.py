"""The tamper-evident attendance chain: seal, verify, and what tampering looks like."""

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from attendance.chain import GENESIS, seal_active_events, seal_event, verify_event
from attendance.checkin import checkin_perform
from attendance.models import CheckIn, CheckInSeal
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

PG = connection.vendor == "postgresql"


def at(event, day_index=0, hour=8, minute=0):
    return dt.datetime.combine(event.days[day_index], dt.time(hour, minute), tzinfo=event.tz)


def scans(event, n):
    """n check-ins at the door: n people, first entries, one minute apart."""
    rows = []
    for i in range(n):
        reg = RegistrationFactory(event=event)
        outcome = checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=at(event, 0, 8, i))
        assert outcome.result == "ok"
        rows.append(outcome.checkin)
    return rows


def raw(sql, params=()):
    """Tamper as someone with database access would: the append-only triggers switched off first."""
    with connection.cursor() as cursor:
        if PG:  # a superuser can switch triggers off (for this transaction only: the test's)
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def verify(slug):
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_attendance", slug, stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue() + err.getvalue() + str(exc)
    return True, out.getvalue() + err.getvalue()


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-uji")


def test_seal_numbers_the_event_checkins_in_id_order_and_chains_them(event):
    rows = scans(event, 3)
    other = EventFactory()
    scans(other, 1)

    assert seal_event(event) == 3

    seals = list(CheckInSeal.objects.filter(event=event).order_by("chain_seq"))
    assert [(s.chain_seq, s.checkin_id) for s in seals] == [(1, rows[0].pk), (2, rows[1].pk), (3, rows[2].pk)]
    assert len({s.chain_hash for s in seals}) == 3 and GENESIS not in {s.chain_hash for s in seals}
    assert CheckInSeal.objects.filter(event=other).count() == 0  # another event's rows wait for their own seal


def test_sealing_again_continues_the_chain_and_seals_nothing_twice(event):
    scans(event, 2)
    seal_event(event)
    assert seal_event(event) == 0
    later = scans(event, 1)[0]

    assert seal_event(event) == 1

    assert CheckInSeal.objects.get(checkin=later).chain_seq == 3
    report = verify_event(event)
    assert (report.ok, report.sealed_ok, report.unsealed, report.head_seq) == (True, 3, 0, 3)


def test_sealing_in_small_batches_gives_the_same_chain(event):
    scans(event, 5)
    seal_event(event, batch_size=2)
    small = list(CheckInSeal.objects.filter(event=event).order_by("chain_seq").values_list("chain_seq", "chain_hash"))
    raw("DELETE FROM attendance_checkinseal WHERE event_id = %s", [event.pk])

    seal_event(event)

    assert list(CheckInSeal.objects.filter(event=event).order_by("chain_seq")
                .values_list("chain_seq", "chain_hash")) == small


def test_verify_command_reports_an_intact_chain_and_the_unsealed_rows(event):
    scans(event, 3)
    seal_event(event)
    scans(event, 2)  # written after the last seal

    ok, output = verify("rakorwas-uji")

    head = CheckInSeal.objects.filter(event=event).order_by("-chain_seq").first()
    assert ok
    assert output.splitlines() == [
        f"rakorwas-uji: rantai utuh, 3 baris presensi tersegel; ujung rantai #3 {head.chain_hash}",
        "rakorwas-uji: 2 baris presensi belum disegel (tidak diperiksa).",
    ]
    assert CheckInSeal.objects.filter(event=event).count() == 3  # verifying sealed nothing


def test_an_edited_checkin_row_breaks_the_chain_at_that_row(event):
    rows = scans(event, 3)
    seal_event(event)

    raw("UPDATE attendance_checkin SET result = %s WHERE id = %s", ["revoked", rows[1].pk])

    report = verify_event(event)
    assert (report.broken.seq, report.broken.checkin_id, report.broken.reason, report.sealed_ok) == (
        2, rows[1].pk, "hash_mismatch", 1)
    ok, output = verify("rakorwas-uji")
    assert not ok
    assert (f"rakorwas-uji: RANTAI RUSAK pada mata rantai #2, presensi id {rows[1].pk}: isi baris presensi tidak "
            f"cocok dengan segelnya (baris diubah). 1 mata rantai sebelumnya utuh.") in output
    assert "Rantai presensi rusak: rakorwas-uji" in output


def test_an_edited_scan_time_is_caught_too(event):
    rows = scans(event, 3)
    seal_event(event)

    raw("UPDATE attendance_checkin SET scanned_at = %s WHERE id = %s",
        [connection.ops.adapt_datetimefield_value(at(event, 0, 7, 0)), rows[2].pk])

    broken = verify_event(event).broken
    assert (broken.seq, broken.checkin_id, broken.reason) == (3, rows[2].pk, "hash_mismatch")


def test_a_deleted_row_with_its_seal_shows_as_a_gap(event):
    rows = scans(event, 4)
    seal_event(event)

    raw("DELETE FROM attendance_checkinseal WHERE checkin_id = %s", [rows[1].pk])
    raw("DELETE FROM attendance_checkin WHERE id = %s", [rows[1].pk])

    broken = verify_event(event).broken
    assert (broken.seq, broken.checkin_id, broken.reason) == (2, rows[2].pk, "gap")
    ok, output = verify("rakorwas-uji")
    assert not ok
    assert f"RANTAI RUSAK pada mata rantai #2, presensi id {rows[2].pk}: nomor urut rantai melompat" in output


def test_a_deleted_row_whose_seal_stayed_is_named(event):
    rows = scans(event, 3)
    seal_event(event)

    raw("DELETE FROM attendance_checkin WHERE id = %s", [rows[0].pk])

    broken = verify_event(event).broken
    assert (broken.seq, broken.checkin_id, broken.reason) == (1, rows[0].pk, "missing_row")
    raw("DELETE FROM attendance_checkinseal WHERE checkin_id = %s", [rows[0].pk])  # the test database's FK check


def test_a_reseal_after_deleting_a_seal_does_not_hide_the_gap(event):
    rows = scans(event, 3)
    seal_event(event)
    raw("DELETE FROM attendance_checkinseal WHERE checkin_id = %s", [rows[1].pk])

    seal_event(event)  # the row is unsealed now: it gets a new link at the end, the hole stays

    broken = verify_event(event).broken
    assert (broken.seq, broken.reason) == (2, "gap")


def test_swapped_links_are_caught(event):
    rows = scans(event, 3)
    seal_event(event)

    raw("UPDATE attendance_checkinseal SET chain_seq = 99 WHERE checkin_id = %s", [rows[0].pk])
    raw("UPDATE attendance_checkinseal SET chain_seq = 1 WHERE checkin_id = %s", [rows[1].pk])
    raw("UPDATE attendance_checkinseal SET chain_seq = 2 WHERE checkin_id = %s", [rows[0].pk])

    broken = verify_event(event).broken
    assert (broken.seq, broken.checkin_id, broken.reason) == (1, rows[1].pk, "hash_mismatch")


def test_a_row_moved_to_another_event_is_caught(event):
    rows = scans(event, 2)
    other = EventFactory()
    seal_event(event)

    raw("UPDATE attendance_checkin SET event_id = %s WHERE id = %s", [other.pk, rows[0].pk])

    broken = verify_event(event).broken
    assert (broken.seq, broken.checkin_id, broken.reason) == (1, rows[0].pk, "hash_mismatch")


def test_a_forged_seal_without_the_key_does_not_verify(event, settings):
    rows = scans(event, 2)
    seal_event(event)
    raw("UPDATE attendance_checkin SET result = %s WHERE id = %s", ["revoked", rows[1].pk])
    # Someone with only the database re-seals with a key of their own.
    settings.ATTENDANCE_CHAIN_KEY = "kunci-penyerang"
    raw("DELETE FROM attendance_checkinseal WHERE event_id = %s", [event.pk])
    seal_event(event)
    settings.ATTENDANCE_CHAIN_KEY = ""

    broken = verify_event(event).broken
    assert (broken.seq, broken.reason) == (1, "hash_mismatch")


def test_verify_unknown_event_is_an_error():
    with pytest.raises(CommandError, match="Acara \"tidak-ada\" tidak ditemukan"):
        call_command("verify_attendance", "tidak-ada", stdout=StringIO())


def test_seal_command_seals_every_event_or_the_named_ones(event):
    scans(event, 2)
    other = EventFactory(slug="rakor-lain")
    scans(other, 1)
    out = StringIO()

    call_command("seal_attendance", "rakorwas-uji", stdout=out)
    assert out.getvalue().splitlines() == ["rakorwas-uji: 2 baris presensi disegel."]
    assert CheckInSeal.objects.filter(event=other).count() == 0

    call_command("seal_attendance", stdout=StringIO())
    assert CheckInSeal.objects.filter(event=other).count() == 1


def test_beat_task_seals_the_events_running_now(event):
    scans(event, 2)
    past = EventFactory(start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23))
    CheckIn.objects.create(event=past, kind="entry", day=dt.date(2022, 11, 21), scanned_at=at(past), nonce=uuid.uuid4(),
                           result="invalid_ticket")

    from attendance.tasks import seal_attendance_task

    assert seal_attendance_task.delay().get() == {"rakorwas-uji": 2}
    assert seal_active_events() == {}
    assert CheckInSeal.objects.filter(event=past).count() == 0  # old events: seal_attendance on demand


def test_beat_schedule_has_the_seal_entry():
    from rakor.celery import app

    import attendance.tasks  # noqa: F401

    entry = app.conf.beat_schedule["attendance-seal"]
    assert (entry["task"], entry["schedule"]) == ("attendance.tasks.seal_attendance_task", 5.0)


@pytest.mark.skipif(not PG, reason="the append-only triggers are PostgreSQL's")
@pytest.mark.parametrize("sql", [
    "UPDATE attendance_checkin SET result = 'revoked' WHERE id = %s",
    "DELETE FROM attendance_checkin WHERE id = %s",
    "UPDATE attendance_checkinseal SET chain_hash = 'x' WHERE checkin_id = %s",
    "DELETE FROM attendance_checkinseal WHERE checkin_id = %s",
])
def test_database_refuses_updates_and_deletes(event, sql):
    row = scans(event, 1)[0]
    seal_event(event)

    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])

    assert verify_event(event).ok


@pytest.mark.parametrize("inline", [True, False], ids=["embedded", "with-beat"])
def test_without_a_beat_worker_each_checkin_is_sealed_when_it_commits(event, settings, inline,
                                                                      django_capture_on_commit_callbacks):
    settings.ATTENDANCE_SEAL_INLINE = inline
    with django_capture_on_commit_callbacks(execute=True):
        scans(event, 2)
    reg = RegistrationFactory(event=event)
    with django_capture_on_commit_callbacks(execute=True):  # a refused scan is a fact to seal as well
        checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(), scanned_at=at(event, 0, 8, 30))
        refused = checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(),
                                  scanned_at=at(event, 0, 8, 31))
    assert refused.result == "already_checked_in"

    ok, output = verify("rakorwas-uji")

    assert ok
    if inline:
        head = CheckInSeal.objects.filter(event=event).order_by("-chain_seq").first()
        assert output.splitlines() == [
            f"rakorwas-uji: rantai utuh, 4 baris presensi tersegel; ujung rantai #4 {head.chain_hash}"]
    else:
        assert CheckInSeal.objects.filter(event=event).count() == 0
        assert "4 baris presensi belum disegel (tidak diperiksa)." in output
