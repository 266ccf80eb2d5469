"""Forget a cached session (selectors.cached_session) when it changes.

Forgotten at once and again on commit: a request between the two could cache the
old row again, and the second forget removes it as soon as the change is visible.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .models import Session
from .selectors import forget_session


@receiver([post_save, post_delete], sender=Session)
def _session_changed(sender, instance, **kwargs):
    _forget(instance.pk)


@receiver(m2m_changed, sender=Session.allowed_units.through)
def _session_units_changed(sender, instance, **kwargs):
    if isinstance(instance, Session):
        _forget(instance.pk)


def _forget(session_id: int) -> None:
    forget_session(session_id)
    transaction.on_commit(lambda: forget_session(session_id))
