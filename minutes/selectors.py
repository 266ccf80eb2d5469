"""Reads for the minutes: the attendance block, revision diffs, the follow-up register.

The attendance block comes from the attendance record (session check-ins and online
attendance, or the day's door entries when a session was not scanned on its own);
nobody types it. While the minutes are not final it is read live; finalising stores it
on the minutes (``attendance_snapshot``) and a final record shows that, so late records
(a scanner syncing after the fact) do not change a finalised notula silently: the page
tells organisers and the minute takers what arrived since (``attendance_changes``).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agenda.models import Session
from attendance.models import CheckIn, OnlineAttendance, Registration
from rakor.models import Event
from rakor.roles import NOTULIS, is_organiser, managed_units

from . import policy
from .models import (
    CONTENT_FIELDS,
    HEADER_FIELDS,
    TEXT_FIELDS,
    ActionItem,
    Minutes,
    MinutesRevision,
)

# ---------------------------------------------------------------- attendance block


@dataclass
class Attendee:
    number: int
    name: str
    nip: str
    position: str
    unit: str
    detail: str  # check-in time (in person) or minutes attended (online)
    registration_id: int | None = None


@dataclass
class AttendanceBlock:
    source: str  # "session": scanned into this session; "day": the day's door entries (fallback)
    in_person: list = field(default_factory=list)
    online: list = field(default_factory=list)
    # Set when the block is a final record's snapshot: when it was taken, and by what ("finalise" or
    # "migration": final minutes that existed before snapshots did, frozen when the system was updated).
    as_of: dt.datetime | None = None
    taken: str = ""
    # Set by attendance_for_reader: whether the list carries NIPs, and, when it lists one unit's
    # people only, that unit's name and how many attended the meeting in all (in person, online).
    show_nip: bool = True
    scope_unit: str = ""
    meeting_counts: tuple[int, int] | None = None

    @property
    def in_person_count(self) -> int:
        return len(self.in_person)

    @property
    def online_count(self) -> int:
        return len(self.online)

    @property
    def total(self) -> int:
        return self.in_person_count + self.online_count

    # The meeting's own figures (the notula's "Peserta" line), also when the list is one unit's.
    @property
    def meeting_in_person(self) -> int:
        return self.meeting_counts[0] if self.meeting_counts is not None else self.in_person_count

    @property
    def meeting_online(self) -> int:
        return self.meeting_counts[1] if self.meeting_counts is not None else self.online_count

    @property
    def meeting_total(self) -> int:
        return self.meeting_in_person + self.meeting_online

    @property
    def frozen(self) -> bool:
        return self.as_of is not None

    @property
    def source_label(self) -> str:
        if self.source == "session":
            return _("Peserta luring: presensi yang dipindai masuk ke sesi ini. Peserta daring: catatan kehadiran "
                     "daring sesi ini.")
        return _("Sesi ini tidak dipindai tersendiri: peserta luring diambil dari presensi pintu masuk pada hari "
                 "sesi. Peserta daring: catatan kehadiran daring sesi ini.")


SNAPSHOT_VERSION = 1
_BY_PERSON = ("registration__participant__unit__sort_order", "registration__participant__unit__name",
              "registration__participant__full_name", "pk")


def _person(registration) -> dict:
    p = registration.participant
    return {"registration": registration.pk, "name": p.full_name, "nip": p.nip, "position": p.position,
            "unit": p.unit.name}


def _live_rows(session: Session) -> tuple[str, list[dict], list[dict]]:
    """Who attended, from the record (three queries), as the rows a snapshot stores.

    In person: ``at`` is the check-in time (aware datetime); online: ``minutes`` attended.
    """
    entries = list(
        CheckIn.objects.filter(session=session, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                               registration__isnull=False)
        .select_related("registration__participant__unit").order_by(*_BY_PERSON)
    )
    source = "session"
    if not entries:
        source = "day"
        entries = list(
            CheckIn.objects.filter(event=session.event, day=session.day, result=CheckIn.Result.OK,
                                   kind=CheckIn.Kind.ENTRY, session__isnull=True, registration__isnull=False)
            .select_related("registration__participant__unit").order_by(*_BY_PERSON)
        )
    in_person, online, seen = [], [], set()
    for checkin in entries:
        if checkin.registration_id in seen:
            continue
        seen.add(checkin.registration_id)
        in_person.append({**_person(checkin.registration), "at": checkin.scanned_at})
    rows = (
        OnlineAttendance.objects.filter(session=session)
        .filter(Q(first_joined_at__isnull=False) | Q(heartbeat_minutes__gt=0) | Q(report_minutes__gt=0))
        .select_related("registration__participant__unit").order_by(*_BY_PERSON)
    )
    for row in rows:
        if row.registration_id in seen:  # in the room and also online: counted once, in person
            continue
        seen.add(row.registration_id)
        online.append({**_person(row.registration), "minutes": row.minutes})
    return source, in_person, online


def _block(source: str, in_person: list[dict], online: list[dict], tz) -> AttendanceBlock:
    """One way of turning rows (live or from a snapshot) into the block the documents print."""
    block = AttendanceBlock(source=source)
    for n, row in enumerate(in_person, start=1):
        block.in_person.append(Attendee(
            number=n, name=row["name"], nip=row["nip"], position=row["position"], unit=row["unit"],
            detail=timezone.localtime(row["at"], tz).strftime("%H:%M") if row.get("at") else "",
            registration_id=row.get("registration"),
        ))
    for n, row in enumerate(online, start=1):
        block.online.append(Attendee(
            number=n, name=row["name"], nip=row["nip"], position=row["position"], unit=row["unit"],
            detail=_("%(n)d menit") % {"n": row.get("minutes") or 0}, registration_id=row.get("registration"),
        ))
    return block


def attendance_block(session: Session) -> AttendanceBlock:
    """Who attended ``session``, in person and online, from the live record (three queries)."""
    return _block(*_live_rows(session), session.event.tz)


def attendance_snapshot(session: Session, *, taken: str = "finalise") -> dict:
    """The attendance block as JSON to keep on final minutes: facts, not formatted text.

    Times are stored as UTC instants and minutes as numbers, so the frozen list is printed in
    the reader's language and the event's time zone like the live one.
    """
    source, in_person, online = _live_rows(session)
    return {
        "v": SNAPSHOT_VERSION, "taken": taken, "source": source,
        "in_person": [{**row, "at": row["at"].astimezone(dt.timezone.utc).isoformat()} for row in in_person],
        "online": online,
    }


def _anonymised(registration_ids) -> dict[int, dict]:
    """Participants erased on request (UU PDP) since the snapshot: their rows show the erased record."""
    if not registration_ids:
        return {}
    regs = (Registration.objects.filter(pk__in=registration_ids, participant__anonymised_at__isnull=False)
            .select_related("participant__unit"))
    return {r.pk: _person(r) for r in regs}


def snapshot_block(minutes: Minutes) -> AttendanceBlock:
    """The block stored when ``minutes`` were finalised (call only when ``attendance_snapshot`` is set)."""
    data = minutes.attendance_snapshot
    in_person = [dict(row) for row in data.get("in_person", [])]
    online = [dict(row) for row in data.get("online", [])]
    erased = _anonymised([row.get("registration") for row in in_person + online if row.get("registration")])
    for row in in_person + online:
        if row.get("registration") in erased:
            row.update(erased[row["registration"]])
    for row in in_person:
        row["at"] = dt.datetime.fromisoformat(row["at"]) if row.get("at") else None
    block = _block(data.get("source", "session"), in_person, online, minutes.session.event.tz)
    block.as_of = minutes.attendance_snapshot_at or minutes.finalised_at
    block.taken = data.get("taken", "finalise")
    return block


def attendance_for(minutes: Minutes) -> AttendanceBlock:
    """The block to show: a final record's snapshot; otherwise (draft, in review, or final minutes
    finalised before snapshots existed) the live record."""
    if minutes.status == Minutes.Status.FINAL and minutes.attendance_snapshot is not None:
        return snapshot_block(minutes)
    return attendance_block(minutes.session)


def attendance_for_reader(minutes: Minutes, access: policy.AttendanceAccess) -> AttendanceBlock:
    """The block ``attendance_for`` gives, cut to what ``access`` (policy.attendance_access) allows.

    Without NIP access every Attendee's ``nip`` is emptied (the documents then drop the column);
    a unit-scoped reader gets only the people whose unit is that unit or under it (one query),
    numbered anew, with the meeting's totals kept for the notula's count line.
    """
    block = attendance_for(minutes)
    if access.people == "all" and access.show_nip:
        return block
    counts = (block.in_person_count, block.online_count)
    in_person, online = block.in_person, block.online
    if access.people == "none":
        in_person, online = [], []
    elif access.people == "unit":
        ids = [a.registration_id for a in in_person + online if a.registration_id is not None]
        allowed = set(Registration.objects.filter(
            pk__in=ids, participant__unit__path__startswith=access.unit.path).values_list("pk", flat=True)) if ids else set()
        in_person = [a for a in in_person if a.registration_id in allowed]
        online = [a for a in online if a.registration_id in allowed]
    shown = AttendanceBlock(source=block.source, as_of=block.as_of, taken=block.taken, show_nip=access.show_nip)
    for target, rows in ((shown.in_person, in_person), (shown.online, online)):
        for n, a in enumerate(rows, start=1):
            target.append(Attendee(number=n, name=a.name, nip=a.nip if access.show_nip else "", position=a.position,
                                   unit=a.unit, detail=a.detail, registration_id=a.registration_id))
    if access.people != "all":
        shown.meeting_counts = counts
        shown.scope_unit = access.unit.name if access.people == "unit" else ""
    return shown


@dataclass
class AttendanceChanges:
    """How the live record differs, person by person, from a final record's frozen list."""

    added: int = 0  # in the record now, not in the final list
    removed: int = 0  # in the final list, no longer in the record
    moved: int = 0  # in both, but now in person instead of online or the other way round

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.moved)


def _kinds(block: AttendanceBlock) -> dict[int, str]:
    kinds = {a.registration_id: "online" for a in block.online}
    kinds.update({a.registration_id: "in_person" for a in block.in_person})
    return kinds


def attendance_changes(minutes: Minutes, frozen: AttendanceBlock | None = None) -> AttendanceChanges | None:
    """For final minutes with a snapshot: what arrived (or went) since; None when there is nothing to compare."""
    if minutes.status != Minutes.Status.FINAL or minutes.attendance_snapshot is None:
        return None
    frozen = frozen if frozen is not None and frozen.frozen else snapshot_block(minutes)
    before, now = _kinds(frozen), _kinds(attendance_block(minutes.session))
    return AttendanceChanges(
        added=len(now.keys() - before.keys()),
        removed=len(before.keys() - now.keys()),
        moved=sum(1 for reg in now.keys() & before.keys() if now[reg] != before[reg]),
    )


# ---------------------------------------------------------------- list of an event's minutes


def sessions_with_minutes(event: Event, user):
    """(session, minutes or None) pairs the user may see on the list, in agenda order."""
    sessions = list(Session.objects.filter(event=event).exclude(kind=Session.Kind.BREAK).order_by("start", "title"))
    minutes = {m.session_id: m for m in Minutes.objects.filter(session__event=event)
               .prefetch_related("minute_takers")}
    rows = []
    organiser = is_organiser(user)
    for session in sessions:
        m = minutes.get(session.pk)
        if m is not None:
            m._taker_ids = {u.pk for u in m.minute_takers.all()}
        if organiser or (m is not None and policy.can_view(user, m)):
            rows.append((session, m))
    return rows


def minute_takers_choices():
    from django.contrib.auth import get_user_model


    return get_user_model().objects.filter(groups__name=NOTULIS, is_active=True).order_by(
        "first_name", "last_name", "username").distinct()


# ---------------------------------------------------------------- revisions and diffs


def revisions(minutes: Minutes):
    return MinutesRevision.objects.filter(minutes=minutes).order_by("-number")


FIELD_LABELS = {
    "opened": gettext_lazy("Rapat dibuka"), "closed": gettext_lazy("Rapat ditutup"),
    "chair_name": gettext_lazy("Pimpinan rapat"), "chair_position": gettext_lazy("Jabatan pimpinan"),
    "chair_rank": gettext_lazy("Pangkat/golongan pimpinan"), "chair_nip": gettext_lazy("NIP pimpinan"),
    "taker_name": gettext_lazy("Notulis"), "taker_position": gettext_lazy("Jabatan notulis"),
    "taker_rank": gettext_lazy("Pangkat/golongan notulis"), "taker_nip": gettext_lazy("NIP notulis"),
    "agenda": gettext_lazy("Acara/agenda"), "discussion": gettext_lazy("Pembahasan"),
    "questions": gettext_lazy("Tanya jawab"),
    "decisions": gettext_lazy("Kesimpulan/keputusan"), "items": gettext_lazy("Tindak lanjut"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _items_lines(items) -> list[str]:
    return [f"{i}. {it.get('what', '')} — {it.get('unit_name', '')} — {it.get('due') or '-'}"
            for i, it in enumerate(items or [], start=1)]


def content_lines(content: dict, name: str) -> list[str]:
    if name == "items":
        return _items_lines(content.get("items"))
    return str(content.get(name) or "").splitlines()


@dataclass
class DiffLine:
    op: str  # " ", "-", "+"
    text: str


@dataclass
class FieldDiff:
    name: str
    label: str
    lines: list  # DiffLine, with context

    @property
    def changed(self) -> bool:
        return any(line.op != " " for line in self.lines)


def diff_contents(a: dict, b: dict, *, context: bool = True) -> list[FieldDiff]:
    """Per field, a unified line diff from ``a`` to ``b`` (text, not HTML: templates escape it)."""
    out = []
    for name in (*CONTENT_FIELDS, "items"):
        left, right = content_lines(a, name), content_lines(b, name)
        if left == right:
            continue
        lines = []
        for raw in difflib.ndiff(left, right):
            op, text = raw[:1], raw[2:]
            if op == "?":
                continue
            lines.append(DiffLine(op=op, text=text))
        out.append(FieldDiff(name=name, label=field_label(name), lines=lines))
    return out


def changed_fields(a: dict, b: dict) -> set[str]:
    return {f.name for f in diff_contents(a, b)}


# ---------------------------------------------------------------- follow-up register


@dataclass
class RegisterFilter:
    unit: object = None  # a Unit: that unit and its subtree
    status: str = ""
    due: str = ""  # "overdue", "week", "month", "" (all)
    q: str = ""


def register_items(event: Event, user, flt: RegisterFilter | None = None, *, today: dt.date | None = None):
    """The follow-ups of ``event`` a user may see: organisers all; coordinators their unit subtree.

    Items of minutes that are not final yet are not in the register (not decided yet);
    follow-ups brought in from the previous event are.
    """
    flt = flt or RegisterFilter()
    today = today or timezone.localdate(timezone=event.tz)
    qs = (ActionItem.objects.filter(event=event)
          .filter(Q(minutes__isnull=True) | Q(minutes__finalised_at__isnull=False))
          .select_related("unit", "minutes__session", "carried_from__event")
          .prefetch_related("evidence"))
    if not is_organiser(user):
        qs = qs.filter(unit__in=managed_units(user))
    if flt.unit is not None:
        qs = qs.filter(unit__path__startswith=flt.unit.path)
    if flt.status:
        qs = qs.filter(status=flt.status)
    if flt.due == "overdue":
        qs = qs.filter(status__in=ActionItem.OPEN_STATUSES, due_date__lt=today)
    elif flt.due in ("week", "month"):
        days = 7 if flt.due == "week" else 31
        qs = qs.filter(status__in=ActionItem.OPEN_STATUSES, due_date__gte=today,
                       due_date__lte=today + dt.timedelta(days=days))
    if flt.q:
        qs = qs.filter(what__icontains=flt.q)
    return qs.order_by("due_date", "unit__sort_order", "unit__name", "position", "pk")


def register_item_for(user, event: Event, pk: int) -> ActionItem | None:
    return register_items(event, user).filter(pk=pk).first()


def register_counts(items) -> dict:
    today = timezone.localdate()
    counts = {"total": 0, "open": 0, "done": 0, "overdue": 0}
    for item in items:
        counts["total"] += 1
        if item.status in ActionItem.OPEN_STATUSES:
            counts["open"] += 1
        if item.status == ActionItem.Status.DONE:
            counts["done"] += 1
        if item.is_overdue(today):
            counts["overdue"] += 1
    return counts


__all__ = ["HEADER_FIELDS", "TEXT_FIELDS"]


def minutes_status_counts(event: Event) -> dict:
    """{"draft": n, "review": n, "final": n} of an event's minutes, for the organisers' console; one query."""
    from django.db.models import Count

    counts = {s: 0 for s in Minutes.Status.values}
    for status, n in Minutes.objects.filter(session__event=event).values_list("status").annotate(n=Count("pk")).order_by():
        counts[status] = n
    return counts
