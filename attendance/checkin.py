"""The one place where a check-in is decided (DESIGN.md, "API"; shared/STYLE.md, pretix).

HTTP, the scanner's offline sync and online joins all call ``checkin_perform``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from rakor.broadcast import group_send_batched
from rakor.localcache import NodeLocalCache
from rakor.models import Event
from rakor.signing import TicketFormatError, parse_ticket, verify_ticket

from . import checkin_sql
from .checkin_sql import registration_by_portal_secret  # noqa: F401  (the online join's lookup, re-exported)
from .models import CheckIn, CheckInWindow, Registration, RegistrationDay
from .selectors import checkin_payload

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


WINDOW_CACHE_SECONDS = 60
_window_cache = NodeLocalCache("checkin-windows", ttl=WINDOW_CACHE_SECONDS)


def checkin_window(event: Event, day: dt.date) -> tuple[dt.time, dt.time]:
    """The door hours of a day: its CheckInWindow, else the default.

    Cached per process for a minute (windows change a few times per event and a scan
    should not pay a query for them); saving or deleting a window invalidates the cache
    on every app node once it commits (rakor.localcache).
    """
    def load() -> tuple[dt.time, dt.time]:
        window = CheckInWindow.objects.filter(event=event, date=day).first()
        return (window.opens, window.closes) if window else getattr(settings, "CHECKIN_DEFAULT_WINDOW", DEFAULT_WINDOW)

    return _window_cache.get_or_load((event.pk, day), load)


@receiver([post_save, post_delete], sender=CheckInWindow)
def _forget_windows(**kwargs):
    _window_cache.invalidate_on_commit()


def _first_entry(registration: Registration, day: dt.date | None, session) -> CheckIn | None:
    qs = CheckIn.objects.filter(registration=registration, kind=CheckIn.Kind.ENTRY, result=Result.OK)
    qs = qs.filter(session=session) if session is not None else qs.filter(day=day, session__isnull=True)
    return qs.select_related("device").order_by("scanned_at", "pk").first()


TIME_REFUSALS = (Result.STALE, Result.DEVICE_EXPIRED)


def scan_time(*, event: Event, received_at: dt.datetime, scanned_at: dt.datetime | None = None,
              device_scanned_at: dt.datetime | None = None, offline: bool = False,
              device=None) -> tuple[dt.datetime, str | None]:
    """When a scan happened, by the server's clock, and the refusal its time or device earns (or None).

    The rule of issue 19 ("the server decides time"), in one place:
    - ``scanned_at`` is a time the server itself vouches for (an online join, a meeting report's
      line, a test); without it, the time of receipt. Nothing a client sends is ever passed as it.
    - ``device_scanned_at`` is the scanner's own clock, as the scanner sent it. It counts only for a
      scan queued offline (``offline``), sent at most ``event.offline_hours`` after it was made
      (Event.offline_scan_hours, else CHECKIN_OFFLINE_MAX_HOURS) and dated at most
      CHECKIN_CLOCK_SKEW_SECONDS ahead of the server (then the time of receipt is used); else
      ``stale_scan``. A live scan's own time is ignored: the server's clock decides its day.
    - A scanner device past its event's end plus SCANNER_DEVICE_GRACE_HOURS: ``device_expired``.
    For a refusal, the time returned is what the scanner claimed (kept for the auditors) or else
    the time of receipt; the refused row's day is the day of receipt.
    """
    claimed = device_scanned_at if offline else None
    if device is not None and device.is_expired(received_at):
        return claimed or received_at, Result.DEVICE_EXPIRED
    if claimed is None:
        return scanned_at or received_at, None
    if claimed > received_at + dt.timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS):
        return claimed, Result.STALE
    if claimed < received_at - dt.timedelta(hours=event.offline_hours):
        return claimed, Result.STALE
    return min(claimed, received_at), None


def checkin_perform(
    *,
    event: Event,
    nonce: uuid.UUID | str,
    ticket: str = "",
    registration: Registration | None = None,
    kind: str = CheckIn.Kind.ENTRY,
    session=None,
    scanned_at: dt.datetime | None = None,
    device_scanned_at: dt.datetime | None = None,
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
    - The server's clock decides the scan's time and day (``scan_time``): a scanner's own
      time (``device_scanned_at``, what an API body's ``scanned_at`` is) counts only for an
      offline-queued scan within the event's window; ``scanned_at`` is for times the server
      vouches for. An expired device's scans are refused ``device_expired``, stale ones
      ``stale_scan``; both recorded (with the registration, when the ticket is real).
    ``registration`` (instead of ``ticket``) is for manual search at the desk and
    online joins, where the person is already identified.
    """
    nonce = uuid.UUID(str(nonce))
    received_at = timezone.now()
    scanned_at, time_refusal = scan_time(event=event, received_at=received_at, scanned_at=scanned_at,
                                         device_scanned_at=device_scanned_at, offline=offline, device=device)
    day = timezone.localtime(scanned_at if time_refusal is None else received_at, event.tz).date()
    operator = operator if operator is not None and getattr(operator, "is_authenticated", False) else None
    refusal = None
    if registration is not None:
        ticket = ticket or registration.ticket
        refusal = None if registration.event_id == event.pk else Result.WRONG_EVENT
        lookup = {"pk": registration.pk}
    else:
        refusal, lookup, registration = _check_signature(event, ticket)
    if time_refusal is not None and (refusal is None or time_refusal == Result.DEVICE_EXPIRED):
        refusal = time_refusal
    row = {
        "event": event, "registration": None, "ticket_text": (ticket or "")[:200], "kind": kind,
        "day": day if session is None else session.day, "session": session, "method": method,
        "device": device, "operator": operator, "gate": _gate(device, operator),
        "scanned_at": scanned_at, "received_at": received_at, "nonce": nonce, "offline": offline,
        "result": Result.OK, "conflict": False,
    }
    if (refusal is None and lookup.get("public_id") and kind == CheckIn.Kind.ENTRY and session is None
            and connection.vendor == "postgresql" and not connection.in_atomic_block and _door_open(event, day, scanned_at)):
        checkin = checkin_sql.admit_door_entry(event=event, public_id=lookup["public_id"], day=day, row=row)
        if checkin is not None:
            _committed(checkin)
            return CheckInOutcome(result=Result.OK, checkin=checkin, registration=checkin.registration, first=checkin)
    # The nonce is not looked up first: a replay is rare, and the unique index on
    # CheckIn.nonce makes the insert below write nothing for it; the first row answers.
    try:
        with transaction.atomic():
            if lookup is not None and (refusal is None or refusal in TIME_REFUSALS):
                # A scan refused for its time still names whose ticket it was: auditors ask.
                registration = checkin_sql.lock_registration(lookup, day)
                if registration is None and refusal is None:
                    refusal = Result.INVALID
            result, first, conflict = refusal, None, False
            if result is None:
                result, first, conflict = _decide(event, registration, kind, day, session, scanned_at, offline, method)
            row = {**row, "registration": registration, "result": result, "conflict": conflict}
            checkin = checkin_sql.insert_checkin(row)
            if checkin is None and result == Result.OK and kind == CheckIn.Kind.ENTRY:
                # Most scans are a first entry, so it is tried first; the partial unique
                # index (one accepted entry per day/session) says when it is not.
                first = _first_entry(registration, day, session)
                if first is not None:
                    result, conflict = Result.ALREADY, offline
                    checkin = checkin_sql.insert_checkin({**row, "result": result, "conflict": conflict})
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


def _gate(device, operator) -> str:
    """Where a scan was made, as the desk and the dashboard show it: the device's name, else (a signed-in
    operator's own browser) the operator's name, never a blank "—" (issue 12, item 5)."""
    if device is not None:
        return device.name
    if operator is not None:
        return (operator.get_full_name() or operator.get_username())[:80]
    return ""


def checkin_admit_online(*, event: Event, registration: Registration, session, nonce: uuid.UUID | str,
                         scanned_at: dt.datetime, ticket: str, method: str = CheckIn.Method.ONLINE,
                         then: tuple[str, str, list] | None = None) -> CheckInOutcome | None:
    """A first accepted online entry of a session in one statement (PostgreSQL, autocommit); else None.

    For a registration the caller has just read (``registration_by_portal_secret``: its
    status, revocation and mode that day) and a session it has checked the join rules
    for. The decision is ``admission``, the same as checkin_perform's; no row lock is
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
    if admission(event=event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day, session=session,
                 scanned_at=scanned_at, method=method) != Result.OK:
        return None
    row = {
        "event": event, "registration": registration, "ticket_text": (ticket or "")[:200], "kind": CheckIn.Kind.ENTRY,
        "day": session.day, "session": session, "method": method, "device": None, "operator": None, "gate": "",
        "scanned_at": scanned_at, "received_at": timezone.now(), "nonce": uuid.UUID(str(nonce)), "offline": False,
        "result": Result.OK, "conflict": False,
    }
    checkin = checkin_sql.insert_online_entry(row, then)
    if checkin is None:
        return None
    _committed(checkin)
    return CheckInOutcome(result=Result.OK, checkin=checkin, registration=registration, first=checkin)


def checkin_join_online(*, event: Event, registration: Registration, session, scanned_at: dt.datetime, ticket: str,
                        then: tuple[str, str, list] | None = None) -> CheckInOutcome | None:
    """A personal join link's tap, first or repeat, in autocommit on PostgreSQL; None when checkin_perform must decide.

    A first tap is ``checkin_admit_online`` (one statement). When its insert wrote nothing
    although ``admission`` admits, the partial unique index ``one_entry_per_session`` refused
    it (the nonce is fresh): an accepted entry of this session exists, and the repeat tap is
    recorded as checkin_perform records it (an ``already_checked_in`` row, the audit of every
    decision) with one more INSERT: no transaction, no row lock, no look-up of the first entry
    (the join redirects; it does not show it). Same preconditions as checkin_admit_online.
    """
    outcome = checkin_admit_online(event=event, registration=registration, session=session, nonce=uuid.uuid4(),
                                   scanned_at=scanned_at, ticket=ticket, then=then)
    if outcome is not None or connection.vendor != "postgresql" or connection.in_atomic_block:
        return outcome
    day = timezone.localtime(scanned_at, event.tz).date()
    if registration.event_id != event.pk or admission(
            event=event, registration=registration, kind=CheckIn.Kind.ENTRY, day=day, session=session,
            scanned_at=scanned_at, method=CheckIn.Method.ONLINE) != Result.OK:
        return None
    row = {
        "event": event, "registration": registration, "ticket_text": (ticket or "")[:200], "kind": CheckIn.Kind.ENTRY,
        "day": session.day, "session": session, "method": CheckIn.Method.ONLINE, "device": None, "operator": None,
        "gate": "", "scanned_at": scanned_at, "received_at": timezone.now(), "nonce": uuid.uuid4(), "offline": False,
        "result": Result.ALREADY, "conflict": False,
    }
    checkin = checkin_sql.insert_checkin(row)
    if checkin is None:
        return None
    _committed(checkin, broadcast=False)
    return CheckInOutcome(result=Result.ALREADY, checkin=checkin, registration=registration)


def _door_open(event: Event, day: dt.date, scanned_at: dt.datetime) -> bool:
    if day not in event.days:
        return False
    opens, closes = checkin_window(event, day)
    return opens <= timezone.localtime(scanned_at, event.tz).time() <= closes


class _NonceUsed(Exception):
    """The insert wrote nothing because this nonce is already recorded."""


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


def admission(*, event: Event, registration: Registration, kind: str, day: dt.date, session, scanned_at: dt.datetime,
              method: str | None = None) -> str:
    """The admission rule: what a scan of a real ticket of this event answers, before "already in".

    ``registration`` carries its status, revocation and ``day_mode`` (its mode on ``day``),
    as checkin_sql reads them. In order:
    1. ``revoked``: the ticket was revoked (an erased person, a lost ticket);
    2. ``not_approved``: the registration is pending, rejected or cancelled;
    3. ``outside_window``: ``day`` is not a day of the event;
    4. ``not_in_person``: a door scan (or an in-person session's) of someone online that day;
    5. ``outside_window``: outside the door's hours that day (``checkin_window``; not for an
       online join or a meeting report of a session: the join view bounds those);
    else ``ok``. The time and device rules (``scan_time``) and the ticket's signature come
    first, in checkin_perform; "already checked in" after, from the unique index.

    The same rule lives in two more places, proven equal by tests/attendance/test_admission.py:
    the one-statement door entry (``checkin_sql.ADMITS_AT_THE_DOOR``, with 3 and 5 checked before
    it) and the scanner's offline decision (``decideOffline`` in static/rakor/scanner/ticket.js).
    """
    if registration.ticket_revoked_at is not None:
        return Result.REVOKED
    if registration.status != Registration.Status.APPROVED:
        return Result.NOT_APPROVED
    if day not in event.days:
        return Result.OUTSIDE_WINDOW
    if kind != CheckIn.Kind.ENTRY or session is None or session.mode == session.Mode.IN_PERSON:
        if registration.day_mode != RegistrationDay.Mode.IN_PERSON:
            return Result.NOT_IN_PERSON
    online = session is not None and method in (CheckIn.Method.ONLINE, CheckIn.Method.IMPORT)
    if not online and not _door_open(event, day, scanned_at):
        return Result.OUTSIDE_WINDOW
    return Result.OK


def _decide(event, registration, kind, day, session, scanned_at, offline, method=None):
    """(result, first accepted entry, conflict) for a registration locked by checkin_sql.lock_registration()."""
    result = admission(event=event, registration=registration, kind=kind, day=day, session=session,
                       scanned_at=scanned_at, method=method)
    if result != Result.OK:
        return result, None, False
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
    """Push an accepted check-in (or an offline conflict) to the organisers' dashboard (coalesced),
    in the shape the dashboard's snapshot lists it (selectors.checkin_payload)."""
    group_send_batched(f"dashboard.{checkin.event.slug}", "checkin.batch", checkin_payload(checkin, checkin.event.tz))
