"""Writes for participants and registrations. Every function here is atomic."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from rakor import audit
from rakor.models import AuditEntry, Event, Unit
from rakor.roles import can_manage_unit

from .identity import gender_from_nip, normalise_whatsapp, validate_nip, validate_pppk
from .models import DataRequest, Participant, Registration, RegistrationDay, UnitQuota

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
REDACTED = "(dihapus)"


def _redact_audit(participant: Participant) -> int:
    """Erase a person's personal data from the audit trail too (UU PDP): the entries stay, the values go."""
    registration_ids = [str(pk) for pk in participant.registrations.values_list("pk", flat=True)]
    entries = list(AuditEntry.objects.filter(
        Q(model="attendance.participant", object_id=str(participant.pk))
        | Q(model="attendance.registration", object_id__in=registration_ids)))
    keys = set(PERSONAL_FIELDS) | {f"participant.{k}" for k in PERSONAL_FIELDS}
    changed = []
    for entry in entries:
        dirty = False
        for side in ("before", "after"):
            data = getattr(entry, side)
            if not isinstance(data, dict):
                continue
            for key in keys & set(data):
                if data[key] not in ("", None, REDACTED):
                    data[key] = REDACTED
                    dirty = True
        if participant.full_name and participant.full_name in entry.object_repr:
            entry.object_repr = entry.object_repr.replace(participant.full_name, REDACTED)
            dirty = True
        if dirty:
            changed.append(entry)
    if changed:
        from django.db import connection

        if connection.vendor == "postgresql":  # the trail's trigger lets only this redaction through
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL rakor.audit_redaction = 'on'")
        AuditEntry.objects.bulk_update(changed, ["before", "after", "object_repr"], batch_size=500)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL rakor.audit_redaction = 'off'")
    return len(changed)


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


# ---------------------------------------------------------------- quotas


def quota_for_unit(*, event: Event, unit: Unit) -> UnitQuota | None:
    """The quota that governs `unit`: its own, else the nearest ancestor's."""
    ancestor_ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    quotas = {q.unit_id: q for q in UnitQuota.objects.filter(event=event, unit_id__in=ancestor_ids).select_related("unit")}
    for pk in reversed(ancestor_ids):
        if pk in quotas:
            return quotas[pk]
    return None


def _quota_scope(quota: UnitQuota) -> Q:
    """Registrations that count against `quota`: its subtree minus nested quotas' subtrees."""
    scope = Q(participant__unit__path__startswith=quota.unit.path)
    nested = UnitQuota.objects.filter(event_id=quota.event_id, unit__path__startswith=quota.unit.path).exclude(pk=quota.pk)
    for path in nested.values_list("unit__path", flat=True):
        scope &= ~Q(participant__unit__path__startswith=path)
    return scope


def _in_person_count(*, event: Event, day: dt.date, scope: Q = Q(), exclude_pk=None) -> int:
    qs = Registration.objects.filter(
        scope, event=event, status__in=Registration.ACTIVE_STATUSES, days__date=day, days__mode=Mode.IN_PERSON
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def _check_seats(*, event: Event, unit: Unit, days: Mapping[dt.date, str], exclude_pk=None) -> None:
    """Raise ValidationError when an in-person day would pass the unit quota or event capacity.

    Locks the governing quota row (and the event row when it has a capacity) so two
    coordinators cannot both take the last seat.
    """
    in_person_days = [d for d, mode in days.items() if mode == Mode.IN_PERSON]
    if not in_person_days:
        return
    quota = quota_for_unit(event=event, unit=unit)
    if quota is not None:
        quota = UnitQuota.objects.select_for_update().select_related("unit").get(pk=quota.pk)
        scope = _quota_scope(quota)
        for day in in_person_days:
            used = _in_person_count(event=event, day=day, scope=scope, exclude_pk=exclude_pk)
            if used + 1 > quota.in_person_seats:
                raise ValidationError(
                    {"days": ValidationError(_(
                        "Kuota luring %(unit)s (%(seats)d kursi) sudah penuh untuk %(day)s: %(used)d kursi sudah "
                        "terpakai. Pilih daring untuk hari itu atau hubungi panitia."
                    ) % {"unit": quota.unit.name, "seats": quota.in_person_seats, "day": formats.date_format(day, "l, j F Y"),
                         "used": used}, code="quota_exceeded")},
                )
    if event.in_person_capacity is not None:
        Event.objects.select_for_update().filter(pk=event.pk).first()
        for day in in_person_days:
            used = _in_person_count(event=event, day=day, exclude_pk=exclude_pk)
            if used + 1 > event.in_person_capacity:
                raise ValidationError(
                    {"days": ValidationError(_("Kapasitas luring acara (%(cap)d kursi) sudah penuh untuk %(day)s.")
                     % {"cap": event.in_person_capacity, "day": formats.date_format(day, "l, j F Y")},
                     code="capacity_exceeded")},
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
    event capacity are respected under concurrency (locks the quota row); the
    consent is recorded with its time. On commit, the portal link is e-mailed.
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
                registration = Registration.objects.create(
                    event=event, participant=participant, role=role, status=status, channel=channel,
                    registered_by=by if by is not None and by.is_authenticated else None,
                    consent_text=consent_text, consent_version=settings.CONSENT_VERSION if consent_text else "",
                    consent_at=timezone.now() if consent_text else None,
                )
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

    Rejecting needs a reason (it is shown to the participant). Re-activating a
    rejected or cancelled registration re-checks its seats. Locks each row.
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
            if status in Registration.ACTIVE_STATUSES and not registration.is_active:
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
    return changed


def registration_reissue_secret(*, registration: Registration, by=None) -> Registration:
    """A new portal link (the old one stops working at once)."""
    from .models import new_portal_secret

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


def participant_anonymise(*, participant: Participant, by=None, note: str = "") -> Participant:
    """Delete a person's personal data on request, keeping the attendance facts.

    Name, numbers, e-mail and phone are erased; registrations are cancelled and their
    portal links stop working; open data requests are closed.
    """
    from .models import new_portal_secret

    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        redacted = _redact_audit(participant)
        participant.full_name = _("(dihapus atas permintaan)")
        participant.id_kind = Participant.IdKind.OTHER
        participant.id_number = ""
        participant.email = ""
        participant.whatsapp = ""
        participant.position = ""
        participant.rank = ""
        participant.gender = ""
        participant.anonymised_at = timezone.now()
        participant.save()
        from sessions_app.minutes.services import redact_attendance_snapshots

        redact_attendance_snapshots(participant=participant)  # final minutes' frozen attendance lists
        audit.audit_record(actor=by, action="anonymise", obj=participant, before=None,
                           after={"anonymised_at": participant.anonymised_at, "audit_entries_redacted": redacted},
                           reason=note)
        for registration in participant.registrations.select_for_update().select_related("event"):
            registration.portal_secret = new_portal_secret()
            if registration.is_active:
                fields = ["status", "status_reason", "status_changed_at"]
                before = audit.snapshot(registration, fields)
                registration.status = Registration.Status.CANCELLED
                registration.status_reason = _("Data dihapus atas permintaan peserta.")
                registration.status_changed_at = timezone.now()
                audit.audit_record(actor=by, action=f"status:{Registration.Status.CANCELLED}", obj=registration,
                                   before=before, after=audit.snapshot(registration, fields),
                                   event=registration.event, reason=registration.status_reason)
            registration.save()
        participant.data_requests.filter(status=DataRequest.Status.OPEN).update(
            status=DataRequest.Status.DONE, handled_at=timezone.now(),
            handled_by=by if by is not None and getattr(by, "is_authenticated", False) else None, note=note,
        )
    return participant


# ---------------------------------------------------------------- check-in (see attendance/checkin.py)

from .checkin import checkin_perform  # noqa: E402,F401  (the one check-in service, re-exported here)


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
            from .authentication import forget_devices

            forget_devices()  # harmless if this rolls back: the next scan just reads the device again
    return device
