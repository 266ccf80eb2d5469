"""Scrubbing a person's identifying strings out of stored text (UU PDP 27/2022 erasure).

An erasure blanks the fields that belong to the person outright. What may be left is
their name, number, e-mail or phone typed into other text: a rejection reason, an
organiser's note, the minutes, an audit entry, a meeting platform's report. ``PersonMarks``
holds those strings and replaces each occurrence (any case, any run of spaces) with
``REDACTED``; ``scrub_rows`` finds the rows that mention one with a database filter, so
only those rows are read, and rewrites them. ``Owned`` lists the rows that belong to the
person, per model, for the two logs (``rakor.audit.audit_redact`` and
``rakor.audit.admin_log_redact``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterable

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

REDACTED = "(dihapus)"

# A shorter value (a one-word name such as "Ali") would also scrub other people's words.
MIN_MENTION_LENGTH = 4


class PersonMarks:
    """The exact strings that identify one person, longest first."""

    def __init__(self, values: Iterable[str] = ()):
        cleaned = {" ".join(str(v).split()) for v in values if v and str(v).strip()}
        self.values: tuple[str, ...] = tuple(sorted(cleaned, key=lambda v: (-len(v), v)))
        self._pattern = re.compile(
            "|".join(r"\s+".join(re.escape(word) for word in value.split()) for value in self.values),
            re.IGNORECASE,
        ) if self.values else None

    def __bool__(self) -> bool:
        return bool(self.values)

    def __repr__(self) -> str:
        return f"PersonMarks({len(self.values)} values)"

    def only(self, keep) -> "PersonMarks":
        """The marks for which ``keep(value)`` is true."""
        return PersonMarks(v for v in self.values if keep(v))

    def scrub(self, text):
        """``text`` with every mark replaced by REDACTED (non-strings are returned as they are)."""
        if not isinstance(text, str) or self._pattern is None or not text:
            return text
        return self._pattern.sub(REDACTED, text)

    def scrub_data(self, data):
        """The same for a JSON value: strings inside dicts and lists are scrubbed, keys are left alone."""
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {k: self.scrub_data(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.scrub_data(v) for v in data]
        return data

    def mentioned_in(self, text: str) -> bool:
        return bool(self._pattern is not None and isinstance(text, str) and self._pattern.search(text))

    def search_terms(self) -> list[str]:
        """What a column may hold for each mark: as typed, and as JSON escapes it (SQLite keeps ``\\u00e9``)."""
        terms = []
        for value in self.values:
            for variant in (value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]):
                if variant not in terms:
                    terms.append(variant)
        return terms


def rows_mentioning(queryset: models.QuerySet, fields: Iterable[str], marks: PersonMarks) -> models.QuerySet:
    """The rows of ``queryset`` whose text (or JSON, read as text) contains one of the marks."""
    if not marks:
        return queryset.none()
    model = queryset.model
    annotations, condition = {}, Q()
    for name in fields:
        target = name
        if isinstance(model._meta.get_field(name), models.JSONField):
            target = f"_redaction_text_{name}"
            annotations[target] = Cast(name, models.TextField())
        for term in marks.search_terms():
            condition |= Q(**{f"{target}__icontains": term})
    return queryset.annotate(**annotations).filter(condition)


def scrub_objects(objects: Iterable[models.Model], fields: Iterable[str], marks: PersonMarks) -> list:
    """Scrub ``fields`` of each object in memory; returns the objects that changed (not saved)."""
    fields = list(fields)
    changed = []
    for obj in objects:
        dirty = False
        for name in fields:
            value = getattr(obj, name)
            new = marks.scrub_data(value)
            if new != value:
                setattr(obj, name, new)
                dirty = True
        if dirty:
            changed.append(obj)
    return changed


def scrub_rows(queryset: models.QuerySet, fields: Iterable[str], marks: PersonMarks) -> int:
    """Rewrite the rows of ``queryset`` that mention the person; returns how many changed.

    Call inside the erasure's transaction. Bypasses ``save()`` (no signals, no ``auto_now``).
    """
    fields = list(fields)
    changed = scrub_objects(rows_mentioning(queryset, fields, marks), fields, marks)
    if changed:
        queryset.model._base_manager.bulk_update(changed, fields, batch_size=500)
    return len(changed)


@dataclass
class Owned:
    """The rows that belong to a person: ids per model label ("app.model"), and the keys of
    their logged values that are personal (blanked in the audit trail whatever they say)."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    keys: dict[str, set[str]] = field(default_factory=dict)

    def add(self, model: type[models.Model] | str, ids: Iterable, keys: Iterable[str] = ()) -> None:
        label = model if isinstance(model, str) else model._meta.label_lower
        self.ids.setdefault(label, set()).update(str(pk) for pk in ids)
        self.keys.setdefault(label, set()).update(keys)
