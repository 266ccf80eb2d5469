"""Forget the event's question settings the portal keeps per event (``selectors.cached_allow_anonymous``)
when they change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from attendance.portal_cache import forget_event_parts

from .models import QuestionSettings


@receiver([post_save, post_delete], sender=QuestionSettings)
def _settings_changed(sender, instance, **kwargs):
    forget_event_parts()
