"""Forget a cached session (selectors.cached_session) when it changes, and the event's agenda version.

Forgotten at once and again on commit: a request between the two could cache the
old row again, and the second forget removes it as soon as the change is visible.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from rakor.models import Event

from .models import Session
from .selectors import bump_agenda_version, forget_events, forget_session


@receiver([post_save, post_delete], sender=Session)
def _session_changed(sender, instance, **kwargs):
    _forget(instance.pk, instance.event_id)


@receiver(m2m_changed, sender=Session.allowed_units.through)
def _session_units_changed(sender, instance, **kwargs):
    if isinstance(instance, Session):
        _forget(instance.pk, instance.event_id)


def _forget(session_id: int, event_id: int) -> None:
    def forget():
        forget_session(session_id)
        bump_agenda_version(event_id)  # the portal's shared agenda and the status JSON

    forget()
    transaction.on_commit(forget)


@receiver([post_save, post_delete], sender=Event)
def _event_changed(sender, instance, **kwargs):
    forget_events()  # the sockets' copy of the event by slug (selectors.event_by_slug)
    transaction.on_commit(forget_events)
