"""Reads for the minutes: the attendance block, revision diffs, the follow-up register.

The attendance block is read from the attendance record every time (session check-ins
and online attendance, or the day's door entries when a session was not scanned on
its own); nobody types it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import CheckIn
from rakor.models import Event
from rakor.roles import is_organiser, managed_units

from ..models import ActionItem, Minutes, MinutesRevision, OnlineAttendance, Session
from . import policy
from .services import CONTENT_FIELDS, HEADER_FIELDS, TEXT_FIELDS

# ---------------------------------------------------------------- attendance block


@dataclass
class Attendee:
    number: int
    name: str
    nip: str
    position: str
    unit: str
    detail: str  # check-in time (in person) or minutes attended (online)


@dataclass
class AttendanceBlock:
    source: str  # "session": scanned into this session; "day": the day's door entries (fallback)
    in_person: list = field(default_factory=list)
    online: list = field(default_factory=list)

    @property
    def in_person_count(self) -> int:
        return len(self.in_person)

    @property
    def online_count(self) -> int:
        return len(self.online)

    @property
    def total(self) -> int:
        return self.in_person_count + self.online_count

    @property
    def source_label(self) -> str:
        if self.source == "session":
            return _("Peserta luring: presensi yang dipindai masuk ke sesi ini. Peserta daring: catatan kehadiran "
                     "daring sesi ini.")
        return _("Sesi ini tidak dipindai tersendiri: peserta luring diambil dari presensi pintu masuk pada hari "
                 "sesi. Peserta daring: catatan kehadiran daring sesi ini.")


def attendance_block(session: Session) -> AttendanceBlock:
    """Who attended ``session``, in person and online, from the record (three queries)."""
    tz = session.event.tz
    entries = list(
        CheckIn.objects.filter(session=session, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                               registration__isnull=False)
        .select_related("registration__participant__unit")
        .order_by("registration__participant__unit__sort_order", "registration__participant__unit__name",
                  "registration__participant__full_name", "pk")
    )
    source = "session"
    if not entries:
        source = "day"
        entries = list(
            CheckIn.objects.filter(event=session.event, day=session.day, result=CheckIn.Result.OK,
                                   kind=CheckIn.Kind.ENTRY, session__isnull=True, registration__isnull=False)
            .select_related("registration__participant__unit")
            .order_by("registration__participant__unit__sort_order", "registration__participant__unit__name",
                      "registration__participant__full_name", "pk")
        )
    block = AttendanceBlock(source=source)
    seen: set[int] = set()
    for checkin in entries:
        if checkin.registration_id in seen:
            continue
        seen.add(checkin.registration_id)
        p = checkin.registration.participant
        block.in_person.append(Attendee(
            number=len(block.in_person) + 1, name=p.full_name, nip=p.nip, position=p.position, unit=p.unit.name,
            detail=timezone.localtime(checkin.scanned_at, tz).strftime("%H:%M"),
        ))
    online = (
        OnlineAttendance.objects.filter(session=session)
        .filter(Q(first_joined_at__isnull=False) | Q(heartbeat_minutes__gt=0) | Q(report_minutes__gt=0))
        .select_related("registration__participant__unit")
        .order_by("registration__participant__unit__sort_order", "registration__participant__unit__name",
                  "registration__participant__full_name", "pk")
    )
    for row in online:
        if row.registration_id in seen:  # in the room and also online: counted once, in person
            continue
        seen.add(row.registration_id)
        p = row.registration.participant
        block.online.append(Attendee(
            number=len(block.online) + 1, name=p.full_name, nip=p.nip, position=p.position, unit=p.unit.name,
            detail=_("%(n)d menit") % {"n": row.minutes},
        ))
    return block


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

    from rakor.roles import NOTULIS

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
