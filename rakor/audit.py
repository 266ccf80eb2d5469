"""The audit trail: every organiser change to registrations, sessions, minutes and certificates.

Services call `audit_record` inside their own `transaction.atomic()` block, so the entry
commits or rolls back with the change it describes:

    before = audit.snapshot(registration)
    ... change and save ...
    audit.audit_record(actor=user, action="status", obj=registration, before=before,
                       after=audit.snapshot(registration), event=registration.event, reason=reason)
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import Q

from rakor.models import AuditEntry
from rakor.redaction import REDACTED, rows_mentioning, scrub_objects

# Never copied into the trail: secrets and keys.
SECRET_FIELDS = {"portal_secret", "signing_key", "token_hash", "password", "meeting_passcode", "passcode",
                 "short_code"}  # the ticket's short code works at the desk like the QR (attendance.codes)
# Columns derived from others for search (attendance.search): the trail keeps their sources, and an
# erasure redacts those; a copy here would outlive it.
DERIVED_FIELDS = {"search_name", "id_digits"}


def _json_value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).isoformat()  # one spelling per instant, whatever zone it came in
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if hasattr(value, "name"):  # files
        return value.name or ""
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's concrete field values as JSON (foreign keys by id, secrets left out)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in SECRET_FIELDS or field.name in DERIVED_FIELDS:
            continue
        data[field.name] = _json_value(getattr(obj, field.attname))
    return data


def audit_record(*, actor, action: str, obj: models.Model, before: dict | None = None, after: dict | None = None,
                 event=None, reason: str = "") -> AuditEntry:
    """Write one audit entry. Call inside the service's transaction."""
    label = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        label = actor.get_full_name() or actor.get_username()
    else:
        actor = None
    if event is None:
        event = getattr(obj, "event", None) if hasattr(obj, "event_id") else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=label[:200],
        event=event,
        action=action[:40],
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=_json_value(before) if before is not None else None,
        after=_json_value(after) if after is not None else None,
        reason=reason,
    )


def _without_timestamps(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in {"updated_at", "status_changed_at"}}


class AuditedAdminMixin:
    """ModelAdmin mixin: every add, change and delete made in /admin/ goes into the audit trail."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = snapshot(old) if old is not None else None
        super().save_model(request, obj, form, change)
        after = snapshot(obj)
        if change and before is not None and _without_timestamps(before) == _without_timestamps(after):
            return  # saved unchanged (e.g. a session whose only change, its status, went through the service)
        audit_record(actor=request.user, action="update" if change else "create", obj=obj,
                     before=before, after=after)

    def delete_model(self, request, obj):
        before = snapshot(obj)
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        audit_record(actor=request.user, action="delete", obj=obj, before=before, after=None)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


# ---------------------------------------------------------------- erasure on request (UU PDP)


def audit_redact(*, owned, marks, own_marks) -> int:
    """Erase a person from the audit trail: the entries stay, the personal values go.

    Entries about the person's own rows (``owned``, a ``rakor.redaction.Owned``) lose the
    values of their personal keys and every mention of ``own_marks``; any other entry loses every
    mention of ``marks``. The object's label, before, after and reason are rewritten. On
    PostgreSQL the trail's trigger lets only this through, announced with
    ``SET LOCAL rakor.audit_redaction``. Call inside the erasure's transaction; returns how
    many entries changed.
    """
    fields = ["object_repr", "before", "after", "reason"]
    own_q = Q(pk__in=[])
    for label, ids in owned.ids.items():
        if ids:
            own_q |= Q(model=label, object_id__in=sorted(ids))
    changed: dict[int, AuditEntry] = {}
    for entry in AuditEntry.objects.filter(own_q):
        keys = owned.keys.get(entry.model, set())
        dirty = False
        for side in ("before", "after"):
            data = getattr(entry, side)
            if isinstance(data, dict):
                for key in keys & set(data):
                    if data[key] not in ("", None, REDACTED):
                        data[key] = REDACTED
                        dirty = True
        if scrub_objects([entry], fields, own_marks) or dirty:
            changed[entry.pk] = entry
    for entry in rows_mentioning(AuditEntry.objects.exclude(own_q), fields, marks):
        if scrub_objects([entry], fields, marks):
            changed[entry.pk] = entry
    if not changed:
        return 0
    if connection.vendor == "postgresql":  # the trail's trigger lets only this redaction through
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL rakor.audit_redaction = 'on'")
    AuditEntry.objects.bulk_update(list(changed.values()), fields, batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL rakor.audit_redaction = 'off'")
    return len(changed)


def admin_log_redact(*, owned, marks, own_marks) -> int:
    """Erase a person from Django's admin history (``django_admin_log``) the same way.

    Entries about the person's own rows get ``REDACTED`` as their label and lose every
    mention of ``own_marks`` in their change message; other entries lose every mention of
    ``marks`` in both. Returns how many entries changed.
    """
    own_q = Q(pk__in=[])
    for label, ids in owned.ids.items():
        if ids:
            content_type = ContentType.objects.get_for_model(apps.get_model(label))
            own_q |= Q(content_type=content_type, object_id__in=sorted(ids))
    changed: dict[int, LogEntry] = {}
    for entry in LogEntry.objects.filter(own_q):
        if entry.object_repr != REDACTED:
            entry.object_repr = REDACTED
            changed[entry.pk] = entry
        if scrub_objects([entry], ["change_message"], own_marks):
            changed[entry.pk] = entry
    for entry in rows_mentioning(LogEntry.objects.exclude(own_q), ["object_repr", "change_message"], marks):
        if scrub_objects([entry], ["object_repr", "change_message"], marks):
            changed[entry.pk] = entry
    if changed:
        LogEntry.objects.bulk_update(list(changed.values()), ["object_repr", "change_message"], batch_size=500)
    return len(changed)
