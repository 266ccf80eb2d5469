"""Forget the questionnaire the portal keeps per event (``selectors.cached_questionnaire_for``) when it changes.

Its items count too (the card shows only when there are some). A bulk write sends no signal:
``services.questionnaire_create_default`` forgets it itself.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from attendance.portal_cache import forget_event_parts

from .models import Question, Questionnaire


@receiver([post_save, post_delete], sender=Questionnaire)
@receiver([post_save, post_delete], sender=Question)
def _questionnaire_changed(sender, instance, **kwargs):
    forget_event_parts()
