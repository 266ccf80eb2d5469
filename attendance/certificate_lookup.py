"""The certificates issued to registrations, for attendance's pages, from the app that issues them.

certificates imports attendance, never the reverse: it registers its lookup here from its
AppConfig.ready (``certificates.selectors.certificates_by_registration``). Without it (an
installation without certificates) nobody has a certificate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_lookup: Callable[[list[int]], dict] | None = None


def register_certificate_lookup(lookup: Callable[[list[int]], dict]) -> None:
    """``lookup(registration_ids)`` → {registration id: its certificate} for those that have one."""
    global _lookup
    _lookup = lookup


def certificates_by_registration(registration_ids: Iterable[int]) -> dict:
    return _lookup(list(registration_ids)) if _lookup is not None else {}
