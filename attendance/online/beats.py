"""Heartbeats collected in Redis and folded into OnlineAttendance in batches (issue 15, item 3).

With ``REDIS_URL`` (and ``HEARTBEAT_COLLECT``, on by default), the heartbeat served in front of
Django (attendance.online.fastpath) writes no row: it records the beat in Redis, one field
per person per ``HEARTBEAT_BUCKET_SECONDS`` of a hash per session (``HSET``: a beat sent twice
in one interval, a retry, is one beat; the later time is kept), and names the session in a set
of sessions with beats to fold. The worker's periodic task (``attendance.tasks.fold_heartbeats_task``,
queue ``periodic``, every ``HEARTBEAT_FOLD_SECONDS``) folds them with ``fold_beats``:

1. each pending session's hash is ``RENAME``d to a key of its own (``…:folding:<session>:<token>``),
   atomically: a beat arriving during the fold goes to a new hash, for the next fold;
2. the renamed hash is read and its beats replayed, in time order per person, through the same
   rule a beat written through applies (``services.heartbeat_advance``: whole minutes since the
   last beat, at most two per beat, the leftover carried), in transactions of ``FOLD_BATCH`` people
   that lock their OnlineAttendance rows;
3. only then is the renamed key deleted.

Nothing is lost when a node dies: the beats are in Redis, not in the node. A fold that dies
midway leaves its renamed key, and the next fold processes every such key again, before the
new beats: replaying a beat already counted adds nothing (the row's last beat is then within a
minute of it, or is it), so a batch committed before the interruption is not counted twice and
the rest is counted then. Without Redis (the embedded setting) beats are written through, as
before (``services.online_attendance_heartbeat``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..models import CheckIn, OnlineAttendance, Registration
from .services import heartbeat_advance

log = logging.getLogger("rakor.sessions")

PREFIX = "rakor:beats"
PENDING = f"{PREFIX}:pending"  # the ids of sessions whose hash has beats to fold
FOLDING = f"{PREFIX}:folding:"  # + "<session>:<token>": a hash being folded (or left by an interrupted fold)
KEEP_SECONDS = 7 * 24 * 3600  # a hash no worker folds does not stay forever
FOLD_BATCH = 500


TARGETS_GENERATION = f"{PREFIX}:targets-generation"  # moved on a registration's secret or standing change


@receiver(post_save, sender=Registration)
def _forget_targets(sender, instance, update_fields=None, **kwargs):
    """A new portal secret (a resent link, an erasure), a revocation or a new status: every process's heartbeat
    fast path forgets who joined (attendance.online.fastpath reads this generation with its beats)."""
    if kwargs.get("created"):
        return  # a new registration has not joined anything yet: nothing to forget
    watched = {"portal_secret", "ticket_revoked_at", "status"}
    if collecting() and (update_fields is None or watched & set(update_fields)):
        transaction.on_commit(_move_targets_generation, robust=True)


def _move_targets_generation() -> None:
    redis_client().incr(TARGETS_GENERATION)


def collecting() -> bool:
    """Are beats collected in Redis (else written through)?"""
    return bool(settings.REDIS_URL) and settings.HEARTBEAT_COLLECT


def beats_key(session_id: int) -> str:
    return f"{PREFIX}:s:{session_id}"


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def epoch_us(at: dt.datetime) -> int:
    """A time as whole microseconds since the epoch (exact, unlike a float)."""
    delta = at - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def beat_entry(registration_id: int, at_us: int) -> tuple[str, str]:
    """The hash field and value of one beat at ``at_us`` (microseconds since the epoch): one field per person per
    interval of HEARTBEAT_BUCKET_SECONDS (a second beat in it replaces the first)."""
    return f"{registration_id}:{at_us // (settings.HEARTBEAT_BUCKET_SECONDS * 1_000_000)}", str(at_us)


_client = None


def redis_client():
    """This process's synchronous Redis client (the worker's fold, tests)."""
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _client


def record_beat(session_id: int, registration_id: int, at: dt.datetime, client=None) -> None:
    """Collect one beat (synchronously; the served heartbeat does the same with asyncio's client)."""
    field, value = beat_entry(registration_id, epoch_us(at))
    pipe = (client or redis_client()).pipeline(transaction=False)
    key = beats_key(session_id)
    pipe.hset(key, field, value)
    pipe.expire(key, KEEP_SECONDS)
    pipe.sadd(PENDING, session_id)
    pipe.execute()


def fold_beats(client=None) -> dict:
    """Fold every collected beat into OnlineAttendance (see the module docstring); returns counts."""
    import redis

    r = client or redis_client()
    keys = [k.decode() if isinstance(k, bytes) else k for k in r.scan_iter(match=FOLDING + "*", count=1000)]
    leftovers = len(keys)
    for member in r.smembers(PENDING):
        session_id = int(member)
        r.srem(PENDING, member)  # a beat after this names the session again: the next fold takes it
        target = f"{FOLDING}{session_id}:{uuid.uuid4().hex}"
        try:
            r.rename(beats_key(session_id), target)
        except redis.ResponseError:  # no such key: folded already
            continue
        keys.append(target)
    counts = {"sessions": 0, "beats": 0, "rows": 0, "leftovers": leftovers}
    for key in keys:
        session_id = int(key[len(FOLDING):].split(":")[0])
        beats: dict[int, list[dt.datetime]] = defaultdict(list)
        for field, value in r.hgetall(key).items():
            registration_id = int(field.split(b":")[0] if isinstance(field, bytes) else field.split(":")[0])
            beats[registration_id].append(EPOCH + dt.timedelta(microseconds=int(value)))
        people = sorted(beats)
        for start in range(0, len(people), FOLD_BATCH):
            counts["rows"] += _fold_rows(session_id, {p: beats[p] for p in people[start:start + FOLD_BATCH]})
        r.delete(key)
        counts["sessions"] += 1
        counts["beats"] += sum(len(v) for v in beats.values())
    if counts["beats"]:
        log.info("heartbeats folded: %s", counts)
    return counts


def _fold_rows(session_id: int, beats: dict[int, list[dt.datetime]]) -> int:
    """Replay the beats of some people of a session on their OnlineAttendance rows, in one transaction."""
    with transaction.atomic():
        rows = {oa.registration_id: oa for oa in OnlineAttendance.objects.select_for_update()
                .filter(session_id=session_id, registration_id__in=list(beats))}
        need_join = [p for p in beats if p not in rows or rows[p].first_joined_at is None]
        joined = {}
        if need_join:
            joined = dict(CheckIn.objects.filter(
                session_id=session_id, registration_id__in=need_join, kind=CheckIn.Kind.ENTRY,
                result=CheckIn.Result.OK, method=CheckIn.Method.ONLINE).values_list("registration_id", "scanned_at"))
        changed = []
        for registration_id, times in beats.items():
            row = rows.get(registration_id)
            if row is None:
                if registration_id not in joined:
                    continue  # no join (the served heartbeat checked it): nothing to count
                row, _created = OnlineAttendance.objects.get_or_create(
                    registration_id=registration_id, session_id=session_id,
                    defaults={"first_joined_at": joined[registration_id]})
            before = (row.heartbeat_minutes, row.last_heartbeat_at)
            for at in sorted(times):
                since = row.last_heartbeat_at or row.first_joined_at or joined.get(registration_id)
                if since is None:
                    break
                step = heartbeat_advance(since, at)
                if step is not None:
                    row.heartbeat_minutes += step[0]
                    row.last_heartbeat_at = step[1]
            if (row.heartbeat_minutes, row.last_heartbeat_at) != before:
                changed.append(row)
        if changed:
            OnlineAttendance.objects.bulk_update(changed, ["heartbeat_minutes", "last_heartbeat_at"])
    return len(changed)
