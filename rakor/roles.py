"""Who may do what. Every access decision in views goes through these few functions."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

ORGANISER = "organiser"
COORDINATOR = "coordinator"
SCANNER = "scanner"
NOTULIS = "notulis"
ALL_GROUPS = (ORGANISER, COORDINATOR, SCANNER, NOTULIS)


def _in_group(user, name: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    cache = getattr(user, "_rakor_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._rakor_groups = cache
    return name in cache


def is_organiser(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or _in_group(user, ORGANISER)))


def is_coordinator(user) -> bool:
    return _in_group(user, COORDINATOR)


def coordinator_unit(user):
    """The unit a coordinator is bound to, or None."""
    if not is_coordinator(user):
        return None
    profile = getattr(user, "rakor_profile", None) if not isinstance(user, AnonymousUser) else None
    return profile.unit if profile else None


def can_manage_unit(user, unit) -> bool:
    """Organisers manage every unit; a coordinator their own unit and the units under it."""
    if unit is None:
        return is_organiser(user)
    if is_organiser(user):
        return True
    own = coordinator_unit(user)
    return own is not None and unit.is_within(own)


def managed_units(user):
    from rakor.models import Unit

    if is_organiser(user):
        return Unit.objects.all()
    own = coordinator_unit(user)
    if own is None:
        return Unit.objects.none()
    return Unit.objects.subtree(own)


def is_notulis(user) -> bool:
    return _in_group(user, NOTULIS)


def can_scan(user) -> bool:
    return is_organiser(user) or _in_group(user, SCANNER)
