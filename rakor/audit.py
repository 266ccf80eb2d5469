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

from django.db import models

from rakor.models import AuditEntry

# Never copied into the trail: secrets and keys.
SECRET_FIELDS = {"portal_secret", "signing_key", "token_hash", "password", "meeting_passcode", "passcode"}


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
        if field.name in SECRET_FIELDS:
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
