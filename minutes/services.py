"""Every write to the minutes and the follow-ups, each in one transaction.

The minutes row is locked (select_for_update) for every change, so two saves cannot
interleave; a save states the revision it was based on and is refused when someone
saved in between (optimistic locking: nothing is overwritten, the editor merges).
Every change writes a MinutesRevision; every organiser change an audit entry.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from agenda.models import Session
from rakor import audit
from rakor.models import Event, Unit
from rakor.redaction import scrub_rows
from rakor.roles import can_manage_unit, is_organiser

from . import policy
from .consumers import presence_group
from .models import (  # noqa: F401
    CONTENT_FIELDS,
    HEADER_FIELDS,
    MODEL_FIELDS,
    TEXT_FIELDS,
    ActionItem,
    ActionItemEvidence,
    Minutes,
    MinutesAutosave,
    MinutesRevision,
)
from .selectors import attendance_snapshot

AUTOSAVE_MAX_BYTES = 256 * 1024

Status = Minutes.Status
Kind = MinutesRevision.Kind


class StaleRevision(Exception):
    """The save was based on an older revision than the current one: nothing was written."""

    def __init__(self, minutes: Minutes, base: int):
        super().__init__(f"stale save: based on {base}, current {minutes.revision_number}")
        self.minutes = minutes
        self.base = base
        self.current = minutes.revision_number


def _label(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (user.get_full_name() or user.get_username())[:200]


# ---------------------------------------------------------------- content <-> model


def _local_hhmm(minutes: Minutes, value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value, minutes.session.event.tz).strftime("%H:%M")


def _to_datetime(minutes: Minutes, hhmm: str) -> dt.datetime | None:
    if not hhmm:
        return None
    try:
        t = dt.time.fromisoformat(hhmm)
    except ValueError:
        raise ValidationError(_("Jam tidak valid: %(v)s") % {"v": hhmm})
    return dt.datetime.combine(minutes.session.day, t, tzinfo=minutes.session.event.tz)


def minutes_content(minutes: Minutes) -> dict:
    """The whole current content as the JSON a revision stores."""
    content = {f: getattr(minutes, f) or "" for f in MODEL_FIELDS}
    content["opened"] = _local_hhmm(minutes, minutes.opened_at)
    content["closed"] = _local_hhmm(minutes, minutes.closed_at)
    content["items"] = [dict(item) for item in (minutes.items or [])]
    return content


def clean_items(items) -> list[dict]:
    """Normalise the follow-ups: a key each, a known unit, an ISO date or nothing."""
    out = []
    unit_ids = {int(i["unit"]) for i in items if str(i.get("unit") or "").isdigit()}
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    for raw in items:
        what = (raw.get("what") or "").strip()
        if not what:
            continue
        unit = int(raw["unit"]) if str(raw.get("unit") or "").isdigit() else None
        if unit not in names:
            raise ValidationError(_("Unit penanggung jawab wajib dipilih untuk setiap tindak lanjut."))
        due = raw.get("due") or ""
        if isinstance(due, dt.date):
            due = due.isoformat()
        if due:
            try:
                dt.date.fromisoformat(due)
            except ValueError:
                raise ValidationError(_("Batas waktu tidak valid: %(v)s") % {"v": due})
        out.append({"key": str(raw.get("key") or uuid.uuid4()), "what": what, "unit": unit,
                    "unit_name": names[unit], "due": due})
    return out


def _apply(minutes: Minutes, content: dict) -> None:
    for f in MODEL_FIELDS:
        if f in content:
            value = str(content.get(f) or "").strip()
            limit = Minutes._meta.get_field(f).max_length
            if limit and len(value) > limit:
                raise ValidationError(_("%(field)s terlalu panjang (maks. %(n)d karakter).") % {
                    "field": Minutes._meta.get_field(f).verbose_name, "n": limit})
            setattr(minutes, f, value)
    if "opened" in content:
        minutes.opened_at = _to_datetime(minutes, content.get("opened") or "")
    if "closed" in content:
        minutes.closed_at = _to_datetime(minutes, content.get("closed") or "")
    if minutes.opened_at and minutes.closed_at and minutes.closed_at < minutes.opened_at:
        raise ValidationError(_("Rapat tidak dapat ditutup sebelum dibuka."))
    if "items" in content:
        minutes.items = clean_items(content.get("items") or [])


def _revision(minutes: Minutes, *, by, kind: str, reason: str = "", restored_from: int | None = None) -> MinutesRevision:
    if minutes.status != Status.FINAL:
        # The attendance snapshot belongs to a final record only. Whatever takes the minutes out of
        # final (a correction, a restored revision) drops it, so the next finalisation takes a new
        # one of the record as it then stands; revisions never carry it, so none can bring it back.
        minutes.attendance_snapshot = None
        minutes.attendance_snapshot_at = None
    minutes.revision_number += 1
    minutes.updated_by = by if getattr(by, "is_authenticated", False) else None
    minutes.save()
    revision = MinutesRevision.objects.create(
        minutes=minutes, number=minutes.revision_number, kind=kind, status=minutes.status,
        content=minutes_content(minutes), author=minutes.updated_by, author_label=_label(by), reason=reason,
        restored_from=restored_from,
    )
    _announce(minutes, revision)
    return revision


def _announce(minutes: Minutes, revision: MinutesRevision) -> None:
    """Tell the editors on the page (presence socket) that a new revision exists."""
    payload = {"type": "minutes.saved", "revision": revision.number, "status": minutes.status,
               "by": revision.author_label, "by_id": revision.author_id}

    def send():
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
            if loop is not None:  # called from async code (a consumer, a test's loop): don't block it
                loop.create_task(layer.group_send(presence_group(minutes.pk), payload))
            else:
                async_to_sync(layer.group_send)(presence_group(minutes.pk), payload)
        except Exception:  # the record is saved; a missed notice only means a stale-save warning later
            import logging

            logging.getLogger("rakor.minutes").warning("presence notice failed", exc_info=True)

    transaction.on_commit(send)


def _locked(minutes: Minutes) -> Minutes:
    locked = Minutes.objects.select_for_update().select_related("session__event").get(pk=minutes.pk)
    locked._taker_ids = getattr(minutes, "_taker_ids", None)
    return locked


# The attendance snapshot is not copied into the audit trail: it is a list of people (names, NIPs)
# that the trail's UU PDP redaction does not reach, and the audit entries stay as they were.
AUDITED_FIELDS = [f.name for f in Minutes._meta.concrete_fields
                  if f.name not in ("attendance_snapshot", "attendance_snapshot_at")]


def _audit(minutes: Minutes, *, by, action: str, before: dict, reason: str = "") -> None:
    after = audit.snapshot(minutes, AUDITED_FIELDS)
    after["minute_takers"] = sorted(minutes.minute_takers.values_list("pk", flat=True))
    audit.audit_record(actor=by, action=action, obj=minutes, before=before, after=after,
                       event=minutes.session.event, reason=reason)


def _before(minutes: Minutes) -> dict:
    data = audit.snapshot(minutes, AUDITED_FIELDS)
    data["minute_takers"] = sorted(minutes.minute_takers.values_list("pk", flat=True))
    return data


# ---------------------------------------------------------------- organisers: open, assign


def _prefill(minutes: Minutes, takers) -> None:
    """Chair from the session's first registered speaker; signing minute taker from the first assigned."""
    session = minutes.session
    if not minutes.chair_name:
        speaker = session.speakers.select_related("participant").order_by("pk").first()
        if speaker is not None:
            p = speaker.participant
            minutes.chair_name, minutes.chair_position, minutes.chair_rank = p.full_name, p.position, p.rank
            minutes.chair_nip = p.nip
        elif session.moderator_name:
            minutes.chair_name = session.moderator_name
    if not minutes.taker_name and takers:
        user = takers[0]
        profile = getattr(user, "rakor_profile", None)
        minutes.taker_name = user.get_full_name() or user.get_username()
        minutes.taker_position = profile.position if profile else ""
    if not minutes.agenda and session.title:
        minutes.agenda = session.title + (f"\n\n{session.description}" if session.description else "")


def assign_minute_takers(*, session: Session, takers, by, reason: str = "") -> Minutes:
    """Open the minutes of a session (if needed) and set who takes them. Organisers only."""
    if not policy.can_assign(by):
        raise PermissionDenied(_("Hanya panitia yang menugaskan notulis."))
    takers = list(takers)
    for user in takers:
        if not policy.is_minute_taker(user):
            raise ValidationError(_("%(u)s bukan anggota kelompok notulis.") % {"u": user.get_username()})
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()
        minutes = Minutes.objects.filter(session=session).first()
        created = minutes is None
        if created:
            minutes = Minutes(session=session)
            _prefill(minutes, takers)
            minutes.save()
            before = None
        else:
            minutes = _locked(minutes)
            before = _before(minutes)
        minutes.minute_takers.set(takers)
        minutes._taker_ids = None
        if created:
            _prefill(minutes, takers)
            _revision(minutes, by=by, kind=Kind.SAVE, reason=_("Notulen dibuka oleh panitia."))
        elif not minutes.taker_name and takers:
            _prefill(minutes, takers)
            minutes.save()
        _audit(minutes, by=by, action="minutes_open" if created else "minutes_assign", before=before or {},
               reason=reason)
    return minutes


# ---------------------------------------------------------------- minute takers: save, submit


def save_draft(*, minutes: Minutes, by, content: dict, base_revision: int, submit: bool = False) -> MinutesRevision:
    """Save the text as a new revision; ``submit`` also hands it to the organisers for review.

    Refused with StaleRevision when ``base_revision`` is not the current revision
    (someone else saved meanwhile): nothing is written but the editor's autosave,
    so their text survives until they merge it.
    """
    with transaction.atomic():
        minutes = _locked(minutes)
        if not policy.can_edit(by, minutes):
            raise PermissionDenied(_("Notulen ini tidak dapat Anda ubah sekarang."))
        if int(base_revision) != minutes.revision_number:
            stale = StaleRevision(minutes, int(base_revision))
        else:
            stale = None
            _apply(minutes, content)
            if submit:
                minutes.status = Status.REVIEW
                minutes.review_note = ""
            revision = _revision(minutes, by=by, kind=Kind.SUBMIT if submit else Kind.SAVE)
            MinutesAutosave.objects.filter(minutes=minutes, user=by).delete()
    if stale is not None:
        autosave(minutes=minutes, user=by, content=content, base_revision=int(base_revision))
        raise stale
    return revision


def submit_for_review(*, minutes: Minutes, by, base_revision: int) -> MinutesRevision:
    """Submit the text as it is (no changes)."""
    return save_draft(minutes=minutes, by=by, content={}, base_revision=base_revision, submit=True)


def minutes_append_questions(*, session: Session, text: str, by) -> Minutes | None:
    """Append ``text`` (Markdown) to the *Tanya jawab* section of the session's minutes draft.

    For an app above this one (the questions moderator marking a question answered): opens the
    minutes of the session as a draft if nobody has yet (prefilled as the organisers' opening
    does), locks them, appends, and saves a new revision by ``by`` (the editors on the page are
    told, as for any save). Returns None and writes nothing when the minutes are in review or
    final: the record is then the organisers' to correct.
    """
    text = (text or "").strip()
    if not text:
        return None
    with transaction.atomic():
        Session.objects.select_for_update().filter(pk=session.pk).first()
        minutes = Minutes.objects.filter(session=session).first()
        if minutes is None:
            minutes = Minutes(session=session)
            _prefill(minutes, [])
            minutes.save()
        minutes = _locked(minutes)
        if minutes.status != Status.DRAFT:
            return None
        before = _before(minutes)
        minutes.questions = f"{minutes.questions.rstrip()}\n\n{text}".strip() if minutes.questions else text
        _revision(minutes, by=by, kind=Kind.SAVE, reason=_("Tanya jawab ditambahkan oleh moderator."))
        _audit(minutes, by=by, action="minutes_questions", before=before)
    return minutes


# ---------------------------------------------------------------- organisers: review, finalise, correct


def return_to_draft(*, minutes: Minutes, by, note: str) -> MinutesRevision:
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Tuliskan catatan untuk notulis."))
    with transaction.atomic():
        minutes = _locked(minutes)
        if not policy.can_review(by, minutes):
            raise PermissionDenied(_("Hanya panitia yang memeriksa notulen yang sedang diperiksa."))
        before = _before(minutes)
        minutes.status = Status.DRAFT
        minutes.review_note = note
        revision = _revision(minutes, by=by, kind=Kind.RETURN, reason=note)
        _audit(minutes, by=by, action="minutes_return", before=before, reason=note)
    return revision


def session_has_ended(session: Session, now: dt.datetime | None = None) -> bool:
    """A session has ended at its scheduled end, or earlier when an organiser ended it (status ``ended``)."""
    return session.status == Session.Status.ENDED or session.end <= (now or timezone.now())


def finalise(*, minutes: Minutes, by, base_revision: int | None = None,
             before_session_end: bool = False) -> MinutesRevision:
    """Lock the record, freeze its attendance list, and publish its follow-ups to the register
    (matched by key: progress is kept).

    Refused (ValidationError) before the session has ended (``session_has_ended``): its
    attendance list, which the final record freezes, is not complete yet. Only the demo data
    (``before_session_end=True``) shows a final record of a session of today.

    The attendance block is stored as it stands now (``attendance_snapshot``): a final notula
    keeps that list even when attendance records arrive later (a scanner that was offline).
    """
    with transaction.atomic():
        minutes = _locked(minutes)
        if not policy.can_review(by, minutes):
            raise PermissionDenied(_("Hanya panitia yang memfinalkan notulen yang sedang diperiksa."))
        session = minutes.session
        if not before_session_end and not session_has_ended(session):
            end = timezone.localtime(session.end, session.event.tz)
            raise ValidationError(_(
                "Sesi ini belum selesai (dijadwalkan berakhir %(end)s). Notulen dapat difinalkan setelah sesinya "
                "berakhir, agar daftar hadirnya lengkap.") % {"end": formats.date_format(end, "l, j F Y H:i")},
                code="session_not_ended")
        if base_revision is not None and int(base_revision) != minutes.revision_number:
            raise StaleRevision(minutes, int(base_revision))
        before = _before(minutes)
        now = timezone.now()
        minutes.status = Status.FINAL
        minutes.finalised_at = now
        minutes.finalised_by = by
        minutes.attendance_snapshot = attendance_snapshot(minutes.session)
        minutes.attendance_snapshot_at = now
        minutes.review_note = ""
        revision = _revision(minutes, by=by, kind=Kind.FINALISE)
        _publish_items(minutes, by=by, revision=revision.number)
        _audit(minutes, by=by, action="minutes_finalise", before=before)
    return revision


def _publish_items(minutes: Minutes, *, by, revision: int) -> None:
    existing = {item.key: item for item in ActionItem.objects.select_for_update().filter(minutes=minutes)}
    keep = set()
    for position, data in enumerate(minutes.items or [], start=1):
        due = dt.date.fromisoformat(data["due"]) if data.get("due") else None
        item = existing.get(data["key"])
        if item is None:
            item = ActionItem(event=minutes.session.event, minutes=minutes, key=data["key"])
        item.position, item.what, item.unit_id, item.due_date = position, data["what"], data["unit"], due
        item.save()
        keep.add(data["key"])
    for key, item in existing.items():
        if key in keep:
            continue
        if item.evidence.exists() or item.status != ActionItem.Status.OPEN:
            # Work was reported against it: keep the record, mark it as no longer decided.
            item.status = ActionItem.Status.DROPPED
            item.progress_note = (item.progress_note + "\n" if item.progress_note else "") + _(
                "Dihapus dari notulen pada revisi %(n)d.") % {"n": revision}
            item.status_changed_at, item.status_changed_by = timezone.now(), by
            item.save()
        else:
            item.delete()


def open_correction(*, minutes: Minutes, by, reason: str) -> MinutesRevision:
    """A final record is never edited in place: a correction reopens it as a new draft revision, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Alasan koreksi wajib diisi."))
    with transaction.atomic():
        minutes = _locked(minutes)
        if not policy.can_correct(by, minutes):
            raise PermissionDenied(_("Hanya panitia yang membuka koreksi notulen final."))
        before = _before(minutes)
        minutes.status = Status.DRAFT
        revision = _revision(minutes, by=by, kind=Kind.CORRECTION, reason=reason)
        _audit(minutes, by=by, action="minutes_correct", before=before, reason=reason)
    return revision


def restore_revision(*, minutes: Minutes, by, number: int, reason: str = "") -> MinutesRevision:
    """Put an old revision's content into a new draft revision (the history stays as it was)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        minutes = _locked(minutes)
        if not policy.can_restore(by, minutes):
            raise PermissionDenied(_("Anda tidak dapat memulihkan revisi notulen ini."))
        old = MinutesRevision.objects.filter(minutes=minutes, number=number).first()
        if old is None:
            raise ValidationError(_("Revisi %(n)s tidak ada.") % {"n": number})
        if minutes.status == Status.FINAL and not reason:
            raise ValidationError(_("Memulihkan revisi notulen final adalah koreksi: alasan wajib diisi."))
        before = _before(minutes)
        _apply(minutes, {k: v for k, v in old.content.items() if k in CONTENT_FIELDS or k == "items"})
        minutes.status = Status.DRAFT
        revision = _revision(minutes, by=by, kind=Kind.RESTORE, reason=reason, restored_from=number)
        if is_organiser(by):
            _audit(minutes, by=by, action="minutes_restore", before=before,
                   reason=reason or _("Revisi %(n)d dipulihkan.") % {"n": number})
    return revision


def minutes_erase_person(erasure) -> None:
    """Erase a person from the minutes (UU PDP), inside ``attendance.services.participant_erase``.

    The attendance lists frozen on final minutes keep the person's row (they did attend;
    counts do not change) with their record as it now reads, erased. Their name, NIP,
    e-mail or phone typed into minutes, revisions, unsaved drafts and follow-ups (the
    chair's block, the discussion, a follow-up's evidence note) become "(dihapus)".
    """
    participant, marks = erasure.participant, erasure.marks
    regs = {r.pk: r.event_id for r in erasure.registrations}
    changed = 0
    if regs:
        for minutes in Minutes.objects.select_for_update().filter(session__event_id__in=set(regs.values()),
                                                                  attendance_snapshot__isnull=False):
            data = minutes.attendance_snapshot
            dirty = False
            erased = {"name": participant.full_name, "nip": participant.nip, "position": participant.position}
            for row in [*data.get("in_person", []), *data.get("online", [])]:
                if row.get("registration") in regs and any(row.get(k) != v for k, v in erased.items()):
                    row.update(erased)
                    dirty = True
            if dirty:
                Minutes.objects.filter(pk=minutes.pk).update(attendance_snapshot=data)
                changed += 1
    erasure.count("minutes_attendance_lists", changed)
    text = [*MODEL_FIELDS, "items", "review_note", "attendance_snapshot"]
    erasure.count("free_text", scrub_rows(Minutes.objects.all(), text, marks))
    erasure.count("free_text", scrub_rows(MinutesRevision.objects.all(), ["content", "reason", "author_label"], marks))
    erasure.count("free_text", scrub_rows(MinutesAutosave.objects.all(), ["content"], marks))
    erasure.count("free_text", scrub_rows(ActionItem.objects.all(), ["what", "progress_note"], marks))
    erasure.count("free_text", scrub_rows(ActionItemEvidence.objects.all(), ["note", "link", "added_by_label"], marks))


# ---------------------------------------------------------------- autosave


def autosave(*, minutes: Minutes, user, content: dict, base_revision: int) -> MinutesAutosave:
    """Keep one editor's unsaved form (raw field values) until they save or discard it."""
    if len(json.dumps(content)) > AUTOSAVE_MAX_BYTES:
        raise ValidationError(_("Teks terlalu panjang untuk disimpan otomatis."))
    obj, _created = MinutesAutosave.objects.update_or_create(
        minutes=minutes, user=user, defaults={"content": content, "base_revision": int(base_revision)},
    )
    return obj


def discard_autosave(*, minutes: Minutes, user) -> None:
    MinutesAutosave.objects.filter(minutes=minutes, user=user).delete()


# ---------------------------------------------------------------- follow-ups: progress, evidence, carry-over


def can_track(user, item: ActionItem) -> bool:
    return can_manage_unit(user, item.unit)


def set_item_status(*, item: ActionItem, by, status: str, note: str = "") -> ActionItem:
    if status not in ActionItem.Status.values:
        raise ValidationError(_("Status tidak dikenal."))
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().select_related("unit", "event").get(pk=item.pk)
        if not can_track(by, item):
            raise PermissionDenied(_("Tindak lanjut ini bukan milik unit Anda."))
        before = audit.snapshot(item)
        item.status = status
        if note.strip():
            item.progress_note = note.strip()
        item.status_changed_at, item.status_changed_by = timezone.now(), by
        item.save()
        audit.audit_record(actor=by, action="action_item_status", obj=item, before=before,
                           after=audit.snapshot(item), event=item.event)
    return item


def add_evidence(*, item: ActionItem, by, note: str = "", link: str = "", file=None) -> ActionItemEvidence:
    if not (note.strip() or link.strip() or file):
        raise ValidationError(_("Isi keterangan, tautan atau berkas bukti."))
    with transaction.atomic():
        item = ActionItem.objects.select_for_update().select_related("unit", "event").get(pk=item.pk)
        if not can_track(by, item):
            raise PermissionDenied(_("Tindak lanjut ini bukan milik unit Anda."))
        evidence = ActionItemEvidence(item=item, note=note.strip(), link=link.strip(), added_by=by,
                                      added_by_label=_label(by))
        if file:
            evidence.file = file
        evidence.full_clean(exclude=["item", "added_by"])
        evidence.save()
        audit.audit_record(actor=by, action="action_item_evidence", obj=item, before=None,
                           after={"evidence": evidence.pk, "note": evidence.note, "link": evidence.link,
                                  "file": evidence.file.name if evidence.file else ""}, event=item.event)
    return evidence


def previous_event(event: Event) -> Event | None:
    return Event.objects.filter(start_date__lt=event.start_date).order_by("-start_date", "-pk").first()


def carry_over(*, event: Event, source: Event, by) -> int:
    """Bring the open follow-ups of ``source`` into ``event`` (once each); returns how many were added."""
    if not is_organiser(by):
        raise PermissionDenied(_("Hanya panitia yang membawa tindak lanjut acara sebelumnya."))
    if source.pk == event.pk:
        raise ValidationError(_("Pilih acara lain."))
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event.pk).first()
        done = set(ActionItem.objects.filter(event=event, carried_from__isnull=False)
                   .values_list("carried_from_id", flat=True))
        todo = [item for item in ActionItem.objects.filter(event=source, status__in=ActionItem.OPEN_STATUSES)
                .exclude(minutes__isnull=False, minutes__status__in=[Status.DRAFT, Status.REVIEW],
                         minutes__finalised_at__isnull=True)
                .order_by("due_date", "position", "pk") if item.pk not in done]
        new = [ActionItem(event=event, minutes=None, key=str(uuid.uuid4()), position=i, what=item.what,
                          unit_id=item.unit_id, due_date=item.due_date, status=item.status,
                          progress_note=item.progress_note, carried_from=item)
               for i, item in enumerate(todo, start=1)]
        ActionItem.objects.bulk_create(new)
        if new:
            audit.audit_record(actor=by, action="action_items_carry", obj=event, before=None,
                               after={"from_event": source.slug, "count": len(new)}, event=event)
    return len(new)
