"""Writes for participants and registrations. Every function here is atomic."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rakor import audit
from rakor.models import Event, Unit
from rakor.redaction import MIN_MENTION_LENGTH, REDACTED, PersonMarks, scrub_rows
from rakor.roles import can_manage_unit

from .identity import gender_from_nip, normalise_whatsapp, validate_nip, validate_pppk
from .models import DataRequest, Participant, Registration, RegistrationDay, new_portal_secret
from .personal_data import Erasure, holders, personal_cache_forget
from .quotas import QUOTA_EXCEEDED, SeatBook, quota_for_unit  # noqa: F401  (quota_for_unit: for callers of services)
from .search import fold_name

log = logging.getLogger("rakor.attendance")

Mode = RegistrationDay.Mode


# ---------------------------------------------------------------- audit trail (rakor.audit)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _registration_state(registration: Registration) -> dict:
    """What the audit trail keeps of a registration: its fields, its person's and its days, flat."""
    state = audit.snapshot(registration)
    participant = registration.participant
    state.update({f"participant.{k}": v for k, v in audit.snapshot(participant).items()
                  if k not in ("id", "created_at", "updated_at")})
    state.update({f"day.{d.date.isoformat()}": d.mode for d in registration.days.all()})
    state.pop("updated_at", None)
    return state


PERSONAL_FIELDS = ("full_name", "id_number", "position", "rank", "email", "whatsapp", "gender")


@dataclass
class ParticipantData:
    """What a form, an API call or an import row says about a person."""

    full_name: str
    unit: Unit
    id_kind: str = Participant.IdKind.NIP
    id_number: str = ""
    position: str = ""
    rank: str = ""
    email: str = ""
    whatsapp: str = ""
    gender: str = ""

    def cleaned(self) -> "ParticipantData":
        """Validate and normalise; raises ValidationError keyed by field name."""
        errors: dict[str, list] = {}
        name = " ".join((self.full_name or "").split())
        if not name:
            errors["full_name"] = [_("Nama lengkap wajib diisi.")]
        number, gender = self.id_number, self.gender
        try:
            if self.id_kind == Participant.IdKind.NIP:
                number = validate_nip(self.id_number)
                gender = gender_from_nip(number)
            elif self.id_kind == Participant.IdKind.PPPK:
                number = validate_pppk(self.id_number)
            else:
                number = " ".join((self.id_number or "").split())
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        try:
            whatsapp = normalise_whatsapp(self.whatsapp)
        except ValidationError as exc:
            errors["whatsapp"] = exc.messages
            whatsapp = self.whatsapp
        if errors:
            raise ValidationError(errors)
        return ParticipantData(
            full_name=name, unit=self.unit, id_kind=self.id_kind, id_number=number,
            position=(self.position or "").strip(), rank=(self.rank or "").strip(),
            email=(self.email or "").strip().lower(), whatsapp=whatsapp, gender=gender or "",
        )


def participant_find(data: ParticipantData) -> Participant | None:
    """The existing person this data describes: same identity number, else same e-mail."""
    if data.id_number:
        found = Participant.objects.filter(id_kind=data.id_kind, id_number=data.id_number).first()
        if found:
            return found
    if data.email:
        return Participant.objects.filter(email__iexact=data.email, anonymised_at__isnull=True).order_by("pk").first()
    return None


_PARTICIPANT_FIELDS = ("full_name", "id_kind", "id_number", "position", "rank", "unit", "email", "whatsapp", "gender")


def participant_upsert(*, data: ParticipantData, overwrite: bool = True) -> Participant:
    """Create the participant or update the one with the same NIP/number or e-mail.

    One participant per identity number across events. Fields left blank in `data`
    never blank out what is stored. With ``overwrite=False`` (a stranger typing a
    known NIP: self-registration, a coordinator of another unit) only empty fields
    are filled, so nobody can take over someone else's contact details or unit.
    """
    data = data.cleaned()
    with transaction.atomic():
        participant = participant_find(data)
        if participant is None:
            return Participant.objects.create(**{f: getattr(data, f) for f in _PARTICIPANT_FIELDS})
        changed = []
        for field in _PARTICIPANT_FIELDS:
            value = getattr(data, field)
            current = getattr(participant, field)
            if value in ("", None) or current == value or (not overwrite and current not in ("", None)):
                continue
            setattr(participant, field, value)
            changed.append(field)
        if changed:
            participant.save(update_fields=changed + ["updated_at"])
        return participant


# ---------------------------------------------------------------- quotas (the rule: attendance/quotas.py)


def _check_seats(*, event: Event, unit: Unit, days: Mapping[dt.date, str], exclude_pk=None) -> None:
    """Raise ValidationError when an in-person day would pass the unit quota or event capacity.

    Locks the governing quota row (and the event row when it has a capacity) so two
    coordinators cannot both take the last seat (``SeatBook.for_unit``).
    """
    refusal = SeatBook.for_unit(event=event, unit=unit, days=days, exclude_pk=exclude_pk).refusal(unit, days)
    if refusal is None:
        return
    day = formats.date_format(refusal.day, "l, j F Y")
    if refusal.code == QUOTA_EXCEEDED:
        raise ValidationError(
            {"days": ValidationError(_(
                "Kuota luring %(unit)s (%(seats)d kursi) sudah penuh untuk %(day)s: %(used)d kursi sudah "
                "terpakai. Pilih daring untuk hari itu atau hubungi panitia."
            ) % {"unit": refusal.quota.unit.name, "seats": refusal.seats, "day": day, "used": refusal.used},
                code="quota_exceeded")},
        )
    raise ValidationError(
        {"days": ValidationError(_("Kapasitas luring acara (%(cap)d kursi) sudah penuh untuk %(day)s.")
         % {"cap": refusal.seats, "day": day}, code="capacity_exceeded")},
    )


def _clean_days(event: Event, days: Mapping[dt.date, str]) -> dict[dt.date, str]:
    valid = set(event.days)
    cleaned = {}
    for day, mode in days.items():
        if day not in valid:
            raise ValidationError({"days": _("Tanggal %(day)s bukan hari acara.") % {"day": day}})
        if mode not in Mode.values:
            raise ValidationError({"days": _("Cara hadir \"%(mode)s\" tidak dikenal.") % {"mode": mode}})
        cleaned[day] = mode
    if not cleaned:
        raise ValidationError({"days": _("Pilih cara hadir untuk sedikitnya satu hari.")})
    return cleaned


# ---------------------------------------------------------------- registrations


def lawful_basis_fields(*, channel: str, consent_text: str = "", now: dt.datetime | None = None) -> dict:
    """The lawful basis (UU PDP Pasal 20) of a new registration, as Registration fields.

    A person registering themselves gives consent (its text, version and time are in the
    consent fields). Anyone else registering them (a coordinator, an organiser, an import)
    acts under the agency's public task, having been shown attendance.forms.PUBLIC_TASK_NOTICE
    of version settings.PUBLIC_TASK_NOTICE_VERSION; who did it is ``registered_by``. A
    self-registration without consent records no basis (the form never allows one).
    """
    now = now or timezone.now()
    if consent_text:
        return {"lawful_basis": Registration.LawfulBasis.CONSENT, "lawful_basis_at": now,
                "lawful_basis_notice": settings.CONSENT_VERSION}
    if channel == Registration.Channel.SELF:
        return {"lawful_basis": "", "lawful_basis_at": None, "lawful_basis_notice": ""}
    return {"lawful_basis": Registration.LawfulBasis.PUBLIC_TASK, "lawful_basis_at": now,
            "lawful_basis_notice": settings.PUBLIC_TASK_NOTICE_VERSION}


def registration_create(
    *,
    event: Event,
    data: ParticipantData,
    days: Mapping[dt.date, str],
    role: str = Registration.Role.PARTICIPANT,
    channel: str = Registration.Channel.SELF,
    by=None,
    consent_text: str = "",
    send_link: bool = True,
) -> Registration:
    """Register a person for an event.

    Guarantees: one registration per participant per event (a second attempt raises
    ValidationError with code ``duplicate``, and writes nothing); seat quotas and the
    event capacity are respected under concurrency (locks the quota row); the lawful
    basis is recorded with its time (``lawful_basis_fields``): the consent given, or the
    public task when someone else registers the person. On commit, the portal link is e-mailed.
    """
    days = _clean_days(event, days)
    data = data.cleaned()
    if channel == Registration.Channel.SELF and not event.registration_is_open():
        raise ValidationError(_("Pendaftaran untuk acara ini sedang ditutup."), code="closed")
    with transaction.atomic():
        participant = participant_find(data)
        if participant is not None and Registration.objects.filter(event=event, participant=participant).exists():
            # Say what is wrong without telling a stranger whose number it is or its status.
            raise ValidationError(
                {"id_number" if data.id_number else "email": ValidationError(_(
                    "Nomor identitas atau e-mail ini sudah terdaftar di acara ini. Buka tautan portal yang sudah "
                    "dikirim ke e-mail/WhatsApp pemiliknya, atau hubungi panitia bila tautan hilang."
                ), code="duplicate")},
            )
        _check_seats(event=event, unit=data.unit, days=days)
        # Organisers and imports correct a person's record; anyone else may only fill gaps
        # in the record of someone they do not manage.
        trusted = channel in (Registration.Channel.ORGANISER, Registration.Channel.IMPORT) or (
            channel == Registration.Channel.COORDINATOR and participant is not None and can_manage_unit(by, participant.unit)
        )
        participant = participant_upsert(data=data, overwrite=participant is None or trusted)
        status = Registration.Status.PENDING if event.requires_approval else Registration.Status.APPROVED
        try:
            with transaction.atomic():
                registration = Registration(
                    event=event, participant=participant, role=role, status=status, channel=channel,
                    registered_by=by if by is not None and by.is_authenticated else None,
                    consent_text=consent_text, consent_version=settings.CONSENT_VERSION if consent_text else "",
                    consent_at=timezone.now() if consent_text else None,
                    **lawful_basis_fields(channel=channel, consent_text=consent_text),
                )
                Registration.give_fresh_short_codes([registration])
                registration.save(force_insert=True)
        except IntegrityError:
            raise ValidationError(_("%(name)s sudah terdaftar di acara ini.") % {"name": participant.full_name}, code="duplicate")
        RegistrationDay.objects.bulk_create(
            [RegistrationDay(registration=registration, date=d, mode=m) for d, m in sorted(days.items())]
        )
        if _signed_in(by):  # organisers, coordinators, imports; not people registering themselves
            audit.audit_record(actor=by, action="create", obj=registration, before=None,
                               after=_registration_state(registration), event=event)
        log.info("registration %s created for %s via %s", registration.public_id, event.slug, channel)
        if send_link and participant.email:
            from .tasks import send_portal_link

            transaction.on_commit(lambda: send_portal_link.delay(registration.pk))
    return registration


def registration_update(
    *, registration: Registration, data: ParticipantData | None = None, days: Mapping[dt.date, str] | None = None,
    role: str | None = None, by=None,
) -> Registration:
    """Edit a registration's person data, days or role, re-checking seats (locks as create does)."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().select_related("event", "participant").get(pk=registration.pk)
        before = _registration_state(registration)
        if data is not None:
            data = data.cleaned()
            other = participant_find(data)
            if other is not None and other.pk != registration.participant_id and Registration.objects.filter(
                event=registration.event, participant=other
            ).exists():
                raise ValidationError({"id_number": _("Nomor ini milik peserta lain yang sudah terdaftar.")}, code="duplicate")
            participant = registration.participant
            for field in _PARTICIPANT_FIELDS:
                setattr(participant, field, getattr(data, field))
            try:
                with transaction.atomic():
                    participant.save()
            except IntegrityError:
                raise ValidationError({"id_number": _("Nomor ini sudah dipakai peserta lain.")}, code="duplicate")
        if days is not None:
            days = _clean_days(registration.event, days)
            if registration.is_active:
                _check_seats(event=registration.event, unit=registration.participant.unit, days=days, exclude_pk=registration.pk)
            registration.days.all().delete()
            RegistrationDay.objects.bulk_create(
                [RegistrationDay(registration=registration, date=d, mode=m) for d, m in sorted(days.items())]
            )
        if role is not None:
            registration.role = role
        registration.save()
        if _signed_in(by):
            after = _registration_state(registration)
            if after != before:
                audit.audit_record(actor=by, action="update", obj=registration, before=before, after=after,
                                   event=registration.event)
    return registration


def registration_set_status(
    *, registrations: Iterable[Registration], status: str, reason: str = "", by=None
) -> int:
    """Approve, reject or cancel registrations, one or many; returns how many changed.

    Rejecting needs a reason (it is shown to the participant). A registration that
    does not hold its seats (rejected, cancelled, or pending after the registration
    closed: ``Registration.seat_holders_q``) and would hold them after the change
    re-checks them. Locks each row. On commit, every person whose status changed and
    who has an e-mail address is told (``tasks.send_portal_link``, kind ``status``: the
    new status, the reason, the portal link and, once approved, the ticket).
    """
    if status not in Registration.Status.values:
        raise ValidationError(_("Status tidak dikenal."))
    if status == Registration.Status.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta.")})
    pks = [r.pk for r in registrations]
    changed = 0
    with transaction.atomic():
        for registration in (
            Registration.objects.select_for_update().select_related("event", "participant__unit").filter(pk__in=pks).order_by("pk")
        ):
            if registration.status == status:
                continue
            will_hold = Registration(status=status, event=registration.event).holds_seat()
            if will_hold and not registration.holds_seat():
                days = {d.date: d.mode for d in registration.days.all()}
                _check_seats(event=registration.event, unit=registration.participant.unit, days=days, exclude_pk=registration.pk)
            fields = ["status", "status_reason", "status_changed_at", "status_changed_by"]
            before = audit.snapshot(registration, fields)
            registration.status = status
            registration.status_reason = reason.strip()
            registration.status_changed_at = timezone.now()
            registration.status_changed_by = by if by is not None and getattr(by, "is_authenticated", False) else None
            registration.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"])
            audit.audit_record(actor=by, action=f"status:{status}", obj=registration, before=before,
                               after=audit.snapshot(registration, fields), event=registration.event,
                               reason=reason.strip())
            changed += 1
            if registration.participant.email:
                _notify_on_commit(registration.pk, "status")
    return changed


def _notify_on_commit(registration_id: int, kind: str) -> None:
    """Queue the participant's e-mail (attendance.mail.send_portal_link_email) once the write commits."""
    from .tasks import send_portal_link

    transaction.on_commit(lambda: send_portal_link.delay(registration_id, kind))


class DecisionRefused(Exception):
    """An approver may not decide on these registrations (outside their units, or not pending)."""


def registration_decide(*, registrations: Iterable[Registration], approve: bool, reason: str = "", by) -> int:
    """An approver's decision on pending registrations: approve, or refuse with a reason.

    Who may decide: organisers on every registration, the coordinator of the person's unit
    on their unit's subtree (``rakor.roles.can_manage_unit``); anything else raises
    DecisionRefused and writes nothing. Only pending registrations are decided (others
    are left as they are and not counted). A refusal needs its reason (ValidationError
    on ``reason``). All or nothing: a seat problem on one row (an approval after the
    registration closed, when the seats were taken meanwhile) raises ValidationError
    and decides none. Through ``registration_set_status``: locks, audit trail, and the
    participant's e-mail on commit. Returns how many were decided.
    """
    registrations = list(registrations)
    for registration in registrations:
        if not can_manage_unit(by, registration.participant.unit):
            raise DecisionRefused(_("Anda tidak mengelola unit %(unit)s.") % {"unit": registration.participant.unit.name})
    pending = [r for r in registrations if r.status == Registration.Status.PENDING]
    if not approve and not (reason or "").strip():
        raise ValidationError({"reason": _("Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta.")})
    if not pending:
        return 0
    status = Registration.Status.APPROVED if approve else Registration.Status.REJECTED
    with transaction.atomic():
        # Re-read under lock: a row decided meanwhile by another approver is left alone.
        still = list(Registration.objects.select_for_update().filter(
            pk__in=[r.pk for r in pending], status=Registration.Status.PENDING).order_by("pk"))
        return registration_set_status(registrations=still, status=status,
                                       reason="" if approve else reason, by=by)


def portal_link_resend(*, event: Event, identifier: str) -> bool:
    """"Resend my link": e-mail a registration's portal link to the address on record, if there is one.

    ``identifier`` is a NIP/identity number or an e-mail address as the person types it.
    The link goes only to the e-mail stored for that person (never to an address typed
    here, unless it is that one). Returns whether something was queued; the page must
    not show it (its answer is the same either way). Writes nothing but the audit trail
    (an entry without the secret); the e-mail is queued on commit.
    """
    text = (identifier or "").strip()
    if not text:
        return False
    if "@" in text:
        match = Q(participant__email__iexact=text)
    else:
        digits = re.sub(r"\D", "", text)
        if not digits:
            return False
        match = Q(participant__id_number=digits) | Q(participant__id_number=text)
    registration = (Registration.objects.filter(match, event=event, participant__anonymised_at__isnull=True)
                    .exclude(participant__email="").select_related("participant").order_by("pk").first())
    if registration is None:
        return False
    with transaction.atomic():
        audit.audit_record(actor=None, action="resend_portal_link", obj=registration, before=None, after=None,
                           event=event)
        _notify_on_commit(registration.pk, "resend")
    log.info("portal link of %s re-sent on request", registration.public_id)
    return True


def registration_reissue_secret(*, registration: Registration, by=None) -> Registration:
    """A new portal link (the old one stops working at once)."""
    with transaction.atomic():
        registration.portal_secret = new_portal_secret()
        registration.save(update_fields=["portal_secret", "updated_at"])
        if _signed_in(by):  # the trail says that it happened; secrets never go into it
            audit.audit_record(actor=by, action="reissue_portal_link", obj=registration, before=None, after=None,
                               event=registration.event)
    return registration


# ---------------------------------------------------------------- personal data (UU PDP)


def data_request_create(*, registration: Registration, reason: str = "") -> DataRequest:
    """Record a participant's request to delete their data (idempotent while one is open)."""
    with transaction.atomic():
        existing = DataRequest.objects.filter(participant=registration.participant, status=DataRequest.Status.OPEN).first()
        if existing:
            return existing
        return DataRequest.objects.create(participant=registration.participant, registration=registration, reason=reason.strip())


_NAME_TITLE = re.compile(r"^(?:[A-Za-z]{1,6}\.\s*)+")


def _identifiers(participant: Participant) -> dict[str, list[str]]:
    """The strings that identify the person as stored and as people write them, by kind.

    ``name``: the full name, and without academic titles ("Dr. H. Ahmad Fauzi, M.Ag." →
    "Ahmad Fauzi", when that leaves two words or more); ``number``: the identity number,
    a NIP also as printed (``19800101 200501 1 001``); ``email``; ``phone``: the WhatsApp
    number as stored (``+62…``) and as typed (``62…``, ``0…``).
    """
    name = participant.full_name
    core = _NAME_TITLE.sub("", name.split(",")[0]).strip()
    number, phone = participant.id_number or "", participant.whatsapp or ""
    numbers = [number]
    if participant.id_kind == Participant.IdKind.NIP and len(number) == 18:
        numbers.append(f"{number[:8]} {number[8:14]} {number[14]} {number[15:]}")
    phones = [phone]
    if phone.startswith("+62"):
        phones += [phone[1:], "0" + phone[3:]]
    return {
        "name": [v for v in (name, core if len(core.split()) >= 2 else "") if v],
        "number": [v for v in numbers if v], "email": [v for v in (participant.email,) if v],
        "phone": [v for v in phones if v],
    }


def person_marks(participant: Participant) -> PersonMarks:
    """Every string that identifies the person (``_identifiers``), to scrub from their own rows;
    there each word of their name (of four letters or more, titles aside) goes too."""
    found = _identifiers(participant)
    words = [w for name in found["name"][1:] for w in name.split() if len(w) >= MIN_MENTION_LENGTH]
    return PersonMarks([*(v for values in found.values() for v in values), *words])


def _mentionable(participant: Participant, *, exclude_pk: int) -> PersonMarks:
    """The marks that may be scrubbed from anybody's text: long enough, and nobody else's on record.

    A name, number, e-mail or phone that another person on record also has (their name
    contains it, or it is their e-mail, phone or number) is not this person's alone: it is
    erased from this person's own rows only.
    """
    found = _identifiers(participant)
    others = Participant.objects.exclude(pk=exclude_pk).filter(anonymised_at__isnull=True)
    shared = {kind: False for kind in found}
    shared["number"] = bool(participant.id_number) and others.filter(id_number=participant.id_number).exists()
    shared["email"] = bool(participant.email) and others.filter(email__iexact=participant.email).exists()
    shared["phone"] = bool(participant.whatsapp) and others.filter(whatsapp=participant.whatsapp).exists()
    keep = []
    for kind, values in found.items():
        for value in values:
            if len(value) < MIN_MENTION_LENGTH or shared[kind]:
                continue
            if kind == "name" and others.filter(full_name__icontains=value).exists():
                continue
            keep.append(value)
    return PersonMarks(keep)


ERASED_STATUS_REASON = "Data dihapus atas permintaan peserta."


def participant_erase(*, participant: Participant, by=None, note: str = "") -> Participant:
    """Erase a person's personal data on request (UU PDP 27/2022), everywhere it lives; keep the facts.

    In one transaction (the participant row locked): their name, numbers, e-mail, phone,
    position, rank and gender are blanked; each registration is cancelled, its ticket
    revoked (scanners drop it with their next revocation list) and its portal link
    replaced; their data requests' reasons are blanked and open ones closed; every app
    that holds something about them erases it (``attendance.personal_data`` holders:
    certificates and their PDFs, meeting-report lines, minutes); their name, numbers,
    e-mail and phone are scrubbed from other free text (rejection reasons, notes), from
    the audit trail and from Django's admin history. After commit the stored files go
    and their cache entries are deleted. Check-ins, online minutes and certificate
    numbers stay, tied to the anonymous record: counts, reports and the attendance
    chain (which seals ids, never names) are unchanged.

    Idempotent. Run again for a person erased before every place was reached (by an
    earlier version), it finishes the job with what is left of them (the name their
    certificates still carry: holders' ``remnants``); when nothing is left, it changes
    and records nothing.
    """
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        now = timezone.now()
        handled_by = by if _signed_in(by) else None
        registrations = list(participant.registrations.select_for_update().select_related("event").order_by("pk"))
        first_time = participant.anonymised_at is None
        if first_time:
            known = participant
        else:
            names = [n for h in holders() if h.remnants is not None for n in h.remnants(participant, registrations)]
            known = Participant(full_name=names[0] if names else "")  # never saved: the marks of what is left
        own_marks = person_marks(known)
        erasure = Erasure(
            participant=participant, former={f: getattr(known, f) for f in PERSONAL_FIELDS},
            registrations=registrations, by=by, own_marks=own_marks,
            marks=_mentionable(known, exclude_pk=participant.pk), now=now,
        )
        erasure.owned.add(Participant, [participant.pk], PERSONAL_FIELDS)
        # A registration's entries keep its person's fields as "participant.<field>" (_registration_state).
        erasure.owned.add(Registration, erasure.registration_ids, [f"participant.{f}" for f in PERSONAL_FIELDS])

        if first_time:
            for field, value in (("full_name", Participant.ERASED_NAME), ("id_kind", Participant.IdKind.OTHER),
                                 ("id_number", ""), ("email", ""), ("whatsapp", ""), ("position", ""),
                                 ("rank", ""), ("gender", "")):
                setattr(participant, field, value)
            participant.anonymised_at = now
            participant.save()
            erasure.count("participant", 1)
        elif participant.search_name != fold_name(participant.full_name) or participant.id_digits:
            # Blanked by an earlier version, or by a bulk .update(): the search columns (attendance.search)
            # still held the name and number.
            participant.save(update_fields=["full_name", "id_number"])

        for registration in registrations:
            registration.participant = participant
            before_row = (registration.status, registration.status_reason, registration.ticket_revoked_at)
            registration.ticket_revoked_at = registration.ticket_revoked_at or now
            registration.status_reason = own_marks.scrub(registration.status_reason)
            if registration.is_active:
                fields = ["status", "status_reason", "status_changed_at"]
                before = audit.snapshot(registration, fields)
                registration.status = Registration.Status.CANCELLED
                registration.status_reason = ERASED_STATUS_REASON
                registration.status_changed_at = now
                audit.audit_record(actor=by, action=f"status:{Registration.Status.CANCELLED}", obj=registration,
                                   before=before, after=audit.snapshot(registration, fields),
                                   event=registration.event, reason=ERASED_STATUS_REASON)
            if first_time:
                registration.portal_secret = new_portal_secret()
            if first_time or before_row != (registration.status, registration.status_reason,
                                            registration.ticket_revoked_at):
                registration.save()
                erasure.count("registrations", 1)

        requests = list(participant.data_requests.all())
        changed = []
        for data_request in requests:
            before_row = (data_request.reason, data_request.note, data_request.status)
            if data_request.reason not in ("", REDACTED):
                data_request.reason = REDACTED  # the person's own words
            if note and data_request.status == DataRequest.Status.OPEN:
                data_request.note = note
            data_request.note = own_marks.scrub(data_request.note)
            if data_request.status == DataRequest.Status.OPEN:
                data_request.status, data_request.handled_at, data_request.handled_by = (
                    DataRequest.Status.DONE, now, handled_by)
            if before_row != (data_request.reason, data_request.note, data_request.status):
                changed.append(data_request)
        DataRequest.objects.bulk_update(changed, ["reason", "note", "status", "handled_at", "handled_by"])
        erasure.owned.add(DataRequest, [d.pk for d in requests], ["reason"])
        erasure.count("data_requests", len(changed))

        # Other people's requests and registrations may name them in a note or a reason.
        erasure.count("free_text", scrub_rows(DataRequest.objects.exclude(participant=participant), ["reason", "note"],
                                              erasure.marks))
        erasure.count("free_text", scrub_rows(Registration.objects.exclude(participant=participant),
                                              ["status_reason"], erasure.marks))

        for holder in holders():
            if holder.erase is not None:
                holder.erase(erasure)

        erasure.count("admin_log", audit.admin_log_redact(owned=erasure.owned, marks=erasure.marks,
                                                          own_marks=own_marks))
        erasure.count("audit_entries", audit.audit_redact(owned=erasure.owned, marks=erasure.marks,
                                                          own_marks=own_marks))
        if erasure.counts:
            audit.audit_record(actor=by, action="anonymise", obj=participant, before=None,
                               after={"anonymised_at": participant.anonymised_at,
                                      **{k: erasure.counts[k] for k in sorted(erasure.counts)}},
                               reason=own_marks.scrub(note))
        participant_id = participant.pk
        transaction.on_commit(lambda: personal_cache_forget(participant_id), robust=True)
    if erasure.counts:
        log.info("participant %s erased on request (%s)", participant.pk,
                 ", ".join(f"{k} {v}" for k, v in sorted(erasure.counts.items())))
    return participant


# ---------------------------------------------------------------- check-in (see attendance/checkin.py)

from .checkin import checkin_perform  # noqa: E402,F401  (the one check-in service, re-exported here)


def registration_in_person_refusal(*, registration: Registration, day: dt.date) -> str:
    """Why ``registration`` could not be taken in person on ``day`` now ("" when a seat allows).

    The same seat rule as registering (_check_seats: the unit's quota, the event's capacity); a
    preview for the desk's answer, so its locks end with this call and it writes nothing.
    """
    try:
        with transaction.atomic():
            _check_seats(event=registration.event, unit=registration.participant.unit, days={day: Mode.IN_PERSON},
                         exclude_pk=registration.pk)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def registration_admit_in_person(*, registration: Registration, nonce, by=None, device=None):
    """The desk admits a person registered online for today who came to the door (issue 12, item 5).

    Changes today's mode to in person, when a seat allows (_check_seats, locking the quota row as
    registering does), records the change in the audit trail with the operator's name (and the
    desk's), then checks the person in through checkin_perform (method manual). Idempotent per
    ``nonce``: a repeated tap finds the mode already changed (no second audit entry) and the
    check-in replays. Raises ValidationError, writing nothing, when the registration is not
    approved, its ticket is revoked, today is not an event day, or the seats are full.
    Returns the check-in's CheckInOutcome.
    """
    from .models import CheckIn

    event = registration.event
    day = timezone.localtime(timezone.now(), event.tz).date()
    operator = by if _signed_in(by) and not hasattr(by, "device") else None
    with transaction.atomic():
        registration = (Registration.objects.select_for_update().select_related("event", "participant__unit")
                        .get(pk=registration.pk))
        if registration.ticket_revoked_at is not None:
            raise ValidationError(_("Tiket ini dicabut panitia: tidak dapat diterima luring."), code="revoked")
        if registration.status != Registration.Status.APPROVED:
            raise ValidationError(_("Pendaftaran ini belum disetujui: tidak dapat diterima luring."), code="not_approved")
        if day not in event.days:
            raise ValidationError(_("Hari ini bukan hari acara."), code="not_event_day")
        current = registration.days.filter(date=day).first()
        if current is None or current.mode != Mode.IN_PERSON:
            _check_seats(event=event, unit=registration.participant.unit, days={day: Mode.IN_PERSON},
                         exclude_pk=registration.pk)
            key = f"day.{day.isoformat()}"
            before = {key: current.mode if current is not None else None}
            RegistrationDay.objects.update_or_create(registration=registration, date=day,
                                                     defaults={"mode": Mode.IN_PERSON})
            desk = device.name if device is not None else ""
            who = (operator.get_full_name() or operator.get_username()) if operator is not None else desk
            if desk and operator is not None:
                reason = _("Terdaftar daring, datang ke tempat: diterima luring oleh %(who)s di %(desk)s.") % {
                    "who": who, "desk": desk}
            else:
                reason = _("Terdaftar daring, datang ke tempat: diterima luring oleh %(who)s.") % {"who": who or "—"}
            audit.audit_record(actor=operator, action="admit_in_person", obj=registration, before=before,
                               after={key: Mode.IN_PERSON}, event=event, reason=reason)
            log.info("registration %s admitted in person on %s by %s", registration.public_id, day, who)
    return checkin_perform(event=event, registration=registration, nonce=nonce, method=CheckIn.Method.MANUAL,
                           device=device, operator=operator)


# ---------------------------------------------------------------- scanner devices


def device_create(*, event: Event, name: str, by=None):
    """Create a scanner device for a desk or gate; returns ``(device, token)``.

    The token is returned once and never stored: the database keeps only its
    SHA-256 (``ScannerDevice.hash_token``) and the first characters as a prefix
    the organiser recognises in the list. A blank or too long name raises
    ValidationError (field ``name``) and writes nothing.
    """
    from .models import ScannerDevice, new_device_token

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Tuliskan nama perangkat atau gerbang, misalnya \"Meja 1 Ballroom\".")})
    max_length = ScannerDevice._meta.get_field("name").max_length
    if len(name) > max_length:
        raise ValidationError({"name": _("Nama perangkat paling panjang %(n)d karakter.") % {"n": max_length}})
    token = new_device_token()
    with transaction.atomic():
        device = ScannerDevice.objects.create(
            event=event, name=name, token_hash=ScannerDevice.hash_token(token), token_prefix=token[:8],
            created_by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        )
        audit.audit_record(actor=by, action="create", obj=device, before=None, after=audit.snapshot(device),
                           event=event)  # the token's hash never goes into the trail (rakor.audit.SECRET_FIELDS)
    log.info("scanner device %s (%s) created for %s by %s", device.pk, device.token_prefix, event.slug, getattr(by, "pk", None))
    return device, token


def device_revoke(*, device, by=None):
    """Revoke a scanner device's token at once (idempotent: the first revocation time is kept)."""
    from .models import ScannerDevice

    with transaction.atomic():
        device = ScannerDevice.objects.select_for_update().get(pk=device.pk)
        if device.revoked_at is None:
            before = audit.snapshot(device, ["revoked_at"])
            device.revoked_at = timezone.now()
            device.save(update_fields=["revoked_at"])
            audit.audit_record(actor=by, action="revoke", obj=device, before=before,
                               after=audit.snapshot(device, ["revoked_at"]), event=device.event)
            log.info("scanner device %s (%s) revoked by %s", device.pk, device.token_prefix, getattr(by, "pk", None))
            from .authentication import devices_changed

            devices_changed()  # every node drops its cached devices once this commits
    return device
