"""The tamper-evident attendance record: each event's check-ins form a hash chain.

A check-in is written once by the hot path (attendance/checkin.py) and never changed.
A few seconds later ``seal_event`` (the ``attendance-seal`` beat task, or
``manage.py seal_attendance``) gives every unsealed check-in of the event, in id
order, the next link of the event's chain::

    chain_seq  = previous chain_seq + 1            (1, 2, 3, … without gaps)
    chain_hash = HMAC-SHA256(key, previous chain_hash + "\\n" + canonical(check-in))

``canonical`` is a fixed JSON serialisation of the check-in's immutable fields (see
``CHAIN_FIELDS``); the first link's previous hash is ``GENESIS``. The key comes from
``settings.ATTENDANCE_CHAIN_KEY`` (else SECRET_KEY), which is not in the database: who
can write to the database but not read the server's settings cannot re-forge the chain
after editing a row.

``verify_event`` recomputes the chain and names the first broken link: an edited
check-in (hash mismatch), a removed one (a gap in the sequence, or a seal whose check-in
is gone), links swapped. It never seals anything: rows that are not sealed yet are only
counted, so ``verify_attendance`` cannot legitimise a row someone slipped in.

What the chain does not show on its own: rows removed from the very end of the chain
(keep the head that ``verify_attendance`` prints, e.g. in the minutes or a report), and
rows in the window between their insert and their seal (a few seconds). On PostgreSQL
triggers (migration 0003) refuse UPDATE and DELETE of check-ins and seals outright.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from rakor.models import Event

from .models import CheckIn, CheckInSeal

GENESIS = "0" * 64
CHAIN_VERSION = "rakor-attendance-chain-v1"

# (name in the canonical form, model attribute): everything a check-in says, nothing derived.
CHAIN_FIELDS = (
    ("id", "id"), ("event", "event_id"), ("registration", "registration_id"), ("ticket_text", "ticket_text"),
    ("kind", "kind"), ("day", "day"), ("session", "session_id"), ("method", "method"), ("device", "device_id"),
    ("operator", "operator_id"), ("gate", "gate"), ("scanned_at", "scanned_at"), ("received_at", "received_at"),
    ("nonce", "nonce"), ("offline", "offline"), ("result", "result"), ("conflict", "conflict"),
)
_ATTNAMES = tuple(attname for _, attname in CHAIN_FIELDS)

SEAL_BATCH = 1000
VERIFY_BATCH = 2000
_LOCK_CLASS = 0x7261_6B6F  # "rako": the advisory-lock namespace of the chain (PostgreSQL)


def _key() -> bytes:
    secret = settings.ATTENDANCE_CHAIN_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"{CHAIN_VERSION}:{secret}".encode()).digest()


def _canonical_value(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def canonical(values: tuple) -> bytes:
    """The check-in (its values in ``CHAIN_FIELDS`` order) as compact, key-sorted JSON."""
    data = {name: _canonical_value(v) for (name, _), v in zip(CHAIN_FIELDS, values)}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(previous: str, values: tuple, key: bytes | None = None) -> str:
    return hmac.new(key or _key(), previous.encode() + b"\n" + canonical(values), hashlib.sha256).hexdigest()


def _lock(event_id: int) -> None:
    """One sealer per event at a time (inside the caller's transaction)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, int(event_id) % 2**31])
    # SQLite: this project opens its transactions as BEGIN IMMEDIATE (settings), which already
    # holds the database's one write lock.


def _unsealed(event_id: int, after_pk: int = 0):
    # NOT EXISTS with the id bound repeated inside: the planner then starts both index scans at
    # after_pk instead of walking the seals from the first one on every batch.
    sealed = CheckInSeal.objects.filter(checkin_id=OuterRef("pk"), checkin_id__gt=after_pk)
    return CheckIn.objects.filter(~Exists(sealed), event_id=event_id, pk__gt=after_pk)


def seal_event(event: Event | int, *, batch_size: int = SEAL_BATCH) -> int:
    """Seal the event's unsealed check-ins in id order; returns how many were sealed."""
    event_id = event if isinstance(event, int) else event.pk
    key = _key()
    sealed, after_pk = 0, 0
    while True:
        with transaction.atomic():
            _lock(event_id)
            head = (CheckInSeal.objects.filter(event_id=event_id).order_by("-chain_seq")
                    .values_list("chain_seq", "chain_hash").first())
            seq, previous = head or (0, GENESIS)
            # Smallest unsealed ids first; the next batch starts after this one's last id (a row
            # committed meanwhile with a smaller id is sealed by the next call).
            if not after_pk and CheckIn.objects.filter(event_id=event_id).count() == seq:
                return 0  # the usual idle pass: as many links as check-ins, nothing to seal
            rows = list(_unsealed(event_id, after_pk).order_by("pk").values_list(*_ATTNAMES)[:batch_size])
            seals = []
            for values in rows:
                seq += 1
                previous = link_hash(previous, values, key)
                seals.append(CheckInSeal(checkin_id=values[0], event_id=event_id, chain_seq=seq, chain_hash=previous))
            CheckInSeal.objects.bulk_create(seals, batch_size=500)
        sealed += len(rows)
        if rows:
            after_pk = rows[-1][0]
        if len(rows) < batch_size:
            return sealed


def seal_active_events(today: dt.date | None = None) -> dict[str, int]:
    """What the beat task runs: seal the events running around today (a day either side)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    events = Event.objects.filter(start_date__lte=today + dt.timedelta(days=1),
                                  end_date__gte=today - dt.timedelta(days=1)).values_list("pk", "slug")
    done = {}
    for pk, slug in events:
        n = seal_event(pk)
        if n:
            done[slug] = n
    return done


@dataclass(frozen=True)
class BrokenLink:
    """The first link of a chain that does not hold."""

    seq: int
    checkin_id: int | None
    reason: str  # "hash_mismatch", "gap", "missing_row"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    event_id: int
    sealed_ok: int  # links that hold, from the first up to the first broken one
    broken: BrokenLink | None
    unsealed: int  # check-ins not sealed yet (the last few seconds, or the sealer is not running)
    head_seq: int
    head_hash: str

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_event(event: Event | int, *, batch_size: int = VERIFY_BATCH) -> ChainReport:
    """Recompute the event's chain from the genesis; seals nothing."""
    event_id = event if isinstance(event, int) else event.pk
    key = _key()
    expected_seq, previous, ok = 1, GENESIS, 0
    broken = None
    last_seq = 0
    while broken is None:
        seals = list(CheckInSeal.objects.filter(event_id=event_id, chain_seq__gt=last_seq).order_by("chain_seq")
                     .values_list("chain_seq", "checkin_id", "chain_hash")[:batch_size])
        if not seals:
            break
        rows = {values[0]: values for values in
                CheckIn.objects.filter(pk__in=[s[1] for s in seals]).values_list(*_ATTNAMES)}
        for seq, checkin_id, stored in seals:
            if seq != expected_seq:
                broken = BrokenLink(expected_seq, checkin_id, "gap",
                                    f"link {expected_seq} is missing: the chain jumps from {expected_seq - 1} to {seq} "
                                    f"(next check-in id {checkin_id})")
                break
            values = rows.get(checkin_id)
            if values is None:
                broken = BrokenLink(seq, checkin_id, "missing_row", f"check-in id {checkin_id} of link {seq} is gone")
                break
            computed = link_hash(previous, values, key)
            if not hmac.compare_digest(computed, stored):
                broken = BrokenLink(seq, checkin_id, "hash_mismatch",
                                    f"check-in id {checkin_id} (link {seq}) does not match its seal: the row or the "
                                    f"link before it was changed")
                break
            ok += 1
            previous = stored
            expected_seq += 1
        last_seq = seals[-1][0]
    head = (CheckInSeal.objects.filter(event_id=event_id).order_by("-chain_seq")
            .values_list("chain_seq", "chain_hash").first()) or (0, GENESIS)
    return ChainReport(event_id=event_id, sealed_ok=ok, broken=broken, unsealed=_unsealed(event_id).count(),
                       head_seq=head[0], head_hash=head[1])
