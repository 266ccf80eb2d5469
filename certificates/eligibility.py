"""Who earns a certificate, and how many JP, from the recorded attendance (read-only).

How minutes are counted (docs/readme/certificates.md says the same):

* Sessions of kind plenary, panel and breakout count; breaks (*rehat*, *ishoma*) never
  do, ceremonies (registration, formal opening or closing) only when the template
  says so (``count_ceremonies``).
* Sessions that overlap in time (parallel breakouts) form one *slot*: a person can sit
  in only one of them, so a slot counts once, with the best of its sessions.
* **In person.** An accepted door entry for a day (a check-in without a session) counts
  every in-person or hybrid session of that day, from the session's start or the
  entry's time, whichever is later, to the session's end. An accepted check-in at a
  session's own door counts that session the same way (and, within its slot, wins
  over the door entry). Exit scans do not shorten anything (a re-entry after an exit
  is not recorded as a new entry, so a lunch break cannot be told from leaving).
* **Online.** The minutes of ``OnlineAttendance`` (the larger of the portal's
  heartbeats and the reconciled meeting report), at most the session's length.
* A session's attended minutes are the larger of the two (never their sum).
* A session is *attended* when its attended minutes reach the template's
  ``session_attended_percent`` of its length; a slot is attended when one of its
  sessions is.
* A slot is *expected* of a person when one of its sessions suits how they attend that
  day (in person: in-person and hybrid sessions; online: online and hybrid sessions; a
  day without a registered mode: all), or when they attended it anyway.
* Share = attended / expected, of slots ("sessions") or of minutes (the template's
  ``basis``). Eligible when the share reaches ``min_share_percent``, the registration
  is approved and its ticket not revoked — or when an organiser granted an exception.
* JP = attended minutes // ``minutes_per_jp`` (rounded down), at most ``jp_cap``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import CheckIn, Registration, RegistrationDay
from agenda.models import Session
from attendance.models import OnlineAttendance

from .models import CertificateTemplate, EligibilityException

IN_PERSON_SESSION_MODES = {Session.Mode.IN_PERSON, Session.Mode.HYBRID}
ONLINE_SESSION_MODES = {Session.Mode.ONLINE, Session.Mode.HYBRID}


@dataclass
class SessionSlot:
    id: int
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    mode: str
    kind: str

    @property
    def length(self) -> int:
        return max(0, int((self.end - self.start).total_seconds() // 60))


COUNTED_KINDS = {Session.Kind.PLENARY, Session.Kind.PANEL, Session.Kind.BREAKOUT}


@dataclass
class Eligibility:
    """The answer for one registration: eligible or not, why, and the numbers behind it."""

    registration: Registration
    template: CertificateTemplate | None
    eligible: bool
    code: str  # eligible | exception | not_approved | revoked | no_template | below_threshold | nothing_expected
    reason: str
    sessions_attended: int = 0
    sessions_expected: int = 0
    minutes_attended: int = 0
    minutes_expected: int = 0
    share_percent: int = 0
    jp: int = 0
    exception: EligibilityException | None = None
    per_session: dict = field(default_factory=dict)


def _minutes_between(a: dt.datetime, b: dt.datetime) -> int:
    return max(0, int((b - a).total_seconds() // 60))


def event_sessions(event, now: dt.datetime | None = None) -> list[SessionSlot]:
    """The event's sessions (all kinds but breaks) that have begun by ``now``, in time order.

    Attendance only counts what has happened (issue 12, item 6): a session not yet begun is
    neither expected of anybody nor counted, and a session under way counts up to ``now``
    (its part so far), so eligibility and JP during the event never include what is to come.
    """
    now = now or timezone.now()
    rows = (Session.objects.filter(event=event, start__lt=now).exclude(kind=Session.Kind.BREAK)
            .order_by("start", "pk").values_list("pk", "day", "start", "end", "mode", "kind"))
    return [SessionSlot(pk, day, start, min(end, now), mode, kind) for pk, day, start, end, mode, kind in rows]


def sessions_to_come(event, now: dt.datetime | None = None) -> int:
    """How many of the event's sessions (breaks aside) have not ended yet."""
    return (Session.objects.filter(event=event, end__gt=now or timezone.now())
            .exclude(kind=Session.Kind.BREAK).count())


def counted_slots(sessions: list[SessionSlot], template: CertificateTemplate | None) -> list[list[SessionSlot]]:
    """The sessions that count for this template, grouped into slots of sessions overlapping in time."""
    kinds = set(COUNTED_KINDS)
    if template is not None and template.count_ceremonies:
        kinds.add(Session.Kind.CEREMONY)
    slots: list[list[SessionSlot]] = []
    slot_end = None
    for s in sorted((s for s in sessions if s.kind in kinds), key=lambda s: (s.start, s.id)):
        if slots and slot_end is not None and s.start < slot_end:
            slots[-1].append(s)
            slot_end = max(slot_end, s.end)
        else:
            slots.append([s])
            slot_end = s.end
    return slots


def attendance_facts(event, registration_ids: list[int] | None) -> dict:
    """Everything eligibility reads, in three queries: day modes, check-ins, online minutes.

    ``registration_ids`` None means every registration of the event.
    """
    def only(qs, field="registration_id"):
        return qs if registration_ids is None else qs.filter(**{f"{field}__in": registration_ids})

    day_modes: dict[int, dict] = {}
    for reg_id, date, mode in (only(RegistrationDay.objects.filter(registration__event=event))
                               .values_list("registration_id", "date", "mode")):
        day_modes.setdefault(reg_id, {})[date] = mode
    day_entry: dict[tuple[int, dt.date], dt.datetime] = {}
    session_entry: dict[tuple[int, int], dt.datetime] = {}
    for reg_id, day, session_id, scanned_at in (
            only(CheckIn.objects.filter(event=event, result=CheckIn.Result.OK, kind=CheckIn.Kind.ENTRY,
                                        registration__isnull=False))
            .values_list("registration_id", "day", "session_id", "scanned_at")):
        if session_id is not None:
            key = (reg_id, session_id)
            session_entry[key] = min(scanned_at, session_entry.get(key, scanned_at))
        elif day is not None:
            key = (reg_id, day)
            day_entry[key] = min(scanned_at, day_entry.get(key, scanned_at))
    online: dict[tuple[int, int], int] = {}
    for reg_id, session_id, hb, report in (
            only(OnlineAttendance.objects.filter(session__event=event))
            .values_list("registration_id", "session_id", "heartbeat_minutes", "report_minutes")):
        online[(reg_id, session_id)] = max(hb, report)
    return {"day_modes": day_modes, "day_entry": day_entry, "session_entry": session_entry, "online": online}


def _expected(session: SessionSlot, day_mode: str | None) -> bool:
    if day_mode == RegistrationDay.Mode.IN_PERSON:
        return session.mode in IN_PERSON_SESSION_MODES
    if day_mode == RegistrationDay.Mode.ONLINE:
        return session.mode in ONLINE_SESSION_MODES
    return True


def session_minutes(reg_id: int, session: SessionSlot, facts: dict) -> tuple[int, bool]:
    """(minutes attended, whether a check-in at the session's own door recorded it) for one session."""
    length = session.length
    own_door = facts["session_entry"].get((reg_id, session.id))
    entered = own_door
    if entered is None and session.mode != Session.Mode.ONLINE:
        entered = facts["day_entry"].get((reg_id, session.day))
    in_person = _minutes_between(max(session.start, entered), session.end) if entered is not None else 0
    online = min(length, facts["online"].get((reg_id, session.id), 0))
    return min(length, max(in_person, online)), own_door is not None


def evaluate(registration: Registration, template: CertificateTemplate | None, sessions: list[SessionSlot],
             facts: dict, exception: EligibilityException | None = None, slots=None) -> Eligibility:
    """Eligibility of one registration from already-loaded facts (no query)."""
    result = Eligibility(registration=registration, template=template, eligible=False, code="", reason="",
                         exception=exception)
    modes = facts["day_modes"].get(registration.pk, {})
    threshold = template.session_attended_percent if template else 50
    for slot in (slots if slots is not None else counted_slots(sessions, template)):
        expected_lengths = [s.length for s in slot if _expected(s, modes.get(s.day))]
        # Within a slot (parallel sessions), a check-in at a session's own door says which one it was;
        # otherwise the session with the most minutes.
        chosen, chosen_key = None, None
        for s in slot:
            minutes, own_door = session_minutes(registration.pk, s, facts)
            result.per_session[s.id] = minutes
            key = (own_door and minutes > 0, minutes)
            if chosen_key is None or key > chosen_key:
                chosen, chosen_key = (s, minutes), key
        session, minutes = chosen
        if not expected_lengths and minutes == 0:
            continue
        result.sessions_expected += 1
        result.minutes_expected += session.length if minutes > 0 else max(expected_lengths)
        result.minutes_attended += minutes
        if minutes > 0 and minutes * 100 >= threshold * session.length:
            result.sessions_attended += 1
    result.minutes_attended = min(result.minutes_attended, result.minutes_expected)
    if template is not None:
        per_jp = max(1, template.minutes_per_jp)
        result.jp = result.minutes_attended // per_jp
        if template.jp_cap is not None:
            result.jp = min(result.jp, template.jp_cap)
        if template.basis == CertificateTemplate.Basis.MINUTES:
            got, of = result.minutes_attended, result.minutes_expected
        else:
            got, of = result.sessions_attended, result.sessions_expected
        result.share_percent = (got * 100 // of) if of else 0

    role = registration.get_role_display()
    if registration.status != Registration.Status.APPROVED:
        result.code = "not_approved"
        result.reason = _("Pendaftaran tidak disetujui (%(status)s).") % {"status": registration.get_status_display()}
        return result
    if registration.ticket_revoked_at is not None:
        result.code = "revoked"
        result.reason = _("Tiket dicabut panitia.")
        return result
    if template is None:
        result.code = "no_template"
        result.reason = _("Belum ada templat sertifikat untuk peran %(role)s.") % {"role": role}
        return result
    if template.basis == CertificateTemplate.Basis.MINUTES:
        measured = _("hadir %(got)d dari %(of)d menit (%(share)d%%)") % {
            "got": result.minutes_attended, "of": result.minutes_expected, "share": result.share_percent}
    else:
        measured = _("hadir %(got)d dari %(of)d sesi (%(share)d%%)") % {
            "got": result.sessions_attended, "of": result.sessions_expected, "share": result.share_percent}
    minimum = template.min_share_percent
    meets = result.share_percent >= minimum and (result.sessions_expected > 0 or minimum == 0)
    if meets:
        result.eligible, result.code = True, "eligible"
        result.reason = _("Memenuhi syarat: %(measured)s; minimal %(min)d%%.") % {"measured": measured, "min": minimum}
    elif exception is not None:
        result.eligible, result.code = True, "exception"
        result.reason = _("Pengecualian panitia (%(measured)s; minimal %(min)d%%): %(reason)s") % {
            "measured": measured, "min": minimum, "reason": exception.reason}
    elif result.sessions_expected == 0:
        result.code = "nothing_expected"
        result.reason = _("Tidak ada sesi yang dapat dihitung untuk peserta ini.")
    else:
        result.code = "below_threshold"
        result.reason = _("Belum memenuhi syarat: %(measured)s; minimal %(min)d%%.") % {
            "measured": measured, "min": minimum}
    return result


def event_eligibility(event, registrations=None) -> dict[int, Eligibility]:
    """{registration id: Eligibility} for the event's registrations (or the given ones).

    A constant number of queries, whatever the number of registrations.
    """
    if registrations is None:
        registrations = list(Registration.objects.filter(event=event).select_related("participant__unit")
                             .order_by("pk"))
        ids = None
    else:
        registrations = list(registrations)
        ids = [r.pk for r in registrations]
    templates = {t.role: t for t in CertificateTemplate.objects.filter(event=event)}
    sessions = event_sessions(event)
    slots = {role: counted_slots(sessions, t) for role, t in templates.items()}
    facts = attendance_facts(event, ids)
    exceptions_qs = EligibilityException.objects.filter(registration__event=event)
    if ids is not None:
        exceptions_qs = exceptions_qs.filter(registration_id__in=ids)
    exceptions = {e.registration_id: e for e in exceptions_qs}
    return {r.pk: evaluate(r, templates.get(r.role), sessions, facts, exceptions.get(r.pk), slots.get(r.role))
            for r in registrations}


def registration_eligibility(registration: Registration) -> Eligibility:
    return event_eligibility(registration.event, [registration])[registration.pk]
