"""Everything Rakor holds about one person (UU PDP 27/2022): "my data", and erasure on request.

A participant's data lives in several apps: their record, registrations and check-ins
here; online attendance, meeting-platform reports and minutes in ``attendance.online`` and ``minutes``;
certificates and their PDFs in ``certificates``. Imports flow one way (those apps import
attendance, never the reverse), so each app that stores something about a person
registers a *holder* here from its ``AppConfig.ready``:

- ``sections(participant, registrations)`` returns what the app holds about them, as
  ``Section``\\ s: the portal's "my data" page and its JSON download are both made from
  these (``attendance.selectors.personal_data``), so the two never disagree;
- ``erase(erasure)`` erases them from the app inside the erasure's transaction
  (``attendance.services.participant_erase``), registering side effects (files to
  delete) with ``transaction.on_commit``, and the rows that belong to the person in
  ``erasure.owned`` so the audit trail and the admin history are redacted too.

Django cache entries that hold a person's data are written with ``personal_cache_set``
so that an erasure can find and delete them (``personal_cache_forget``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from django.core.cache import cache

from rakor.redaction import Owned, PersonMarks

from .models import Participant, Registration


@dataclass
class Section:
    """One kind of data held about the person: its JSON key, its heading and columns on the page, its rows.

    Rows are dicts of plain values (str, int, bool, None, date, datetime); ``columns`` are
    the (key, label) pairs the page shows, in order. The JSON download has every key.
    """

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict]
    empty: str = ""


@dataclass
class Erasure:
    """One erasure in progress: who, which rows, and the strings to scrub from other text.

    ``participant`` is already erased when the holders run; ``former`` holds what its
    personal fields said (``full_name``, ``id_number``, ``email``, ``whatsapp``, …), to
    find the rows that carry them.

    ``own_marks`` (every identifying value the person had) are scrubbed from rows that
    belong to them; ``marks`` (those long enough and held by nobody else on record) from
    anybody's free text. ``owned`` collects the person's rows for the audit trail and
    the admin history; ``counts`` says what each step changed (recorded in the trail).
    """

    participant: Participant
    former: dict[str, str]
    registrations: list[Registration]
    by: object
    own_marks: PersonMarks
    marks: PersonMarks
    now: dt.datetime
    owned: Owned = field(default_factory=Owned)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def registration_ids(self) -> list[int]:
        return [r.pk for r in self.registrations]

    def count(self, what: str, n: int) -> None:
        if n:
            self.counts[what] = self.counts.get(what, 0) + n


@dataclass(frozen=True)
class Holder:
    """What one app holds about people. ``remnants(participant, registrations)`` returns the names
    it still keeps for a person erased by an earlier version that did not reach it (to finish the job)."""

    name: str
    sections: Callable[[Participant, list[Registration]], list[Section]] | None = None
    erase: Callable[[Erasure], None] | None = None
    remnants: Callable[[Participant, list[Registration]], list[str]] | None = None


_holders: dict[str, Holder] = {}


def register_holder(holder: Holder) -> None:
    """Add (or replace, by name) an app's holder; call from ``AppConfig.ready``."""
    _holders[holder.name] = holder


def holders() -> list[Holder]:
    return list(_holders.values())


# ---------------------------------------------------------------- the cache


def _index_key(participant_id: int) -> str:
    return f"rakor:personal:{participant_id}:keys"


def personal_cache_set(*, participant_id: int, key: str, value, timeout: int) -> None:
    """``cache.set`` for a value that holds a person's data, remembered so an erasure can delete it."""
    index = _index_key(participant_id)
    keys = set(cache.get(index) or ())
    keys.add(key)
    cache.set(index, sorted(keys), None)
    cache.set(key, value, timeout)


def personal_cache_forget(participant_id: int) -> int:
    """Delete every cache entry written with ``personal_cache_set`` for this person; returns how many."""
    index = _index_key(participant_id)
    keys = list(cache.get(index) or ())
    if keys:
        cache.delete_many(keys)
    cache.delete(index)
    return len(keys)
