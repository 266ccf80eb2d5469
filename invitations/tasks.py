"""Celery tasks (queue ``email``, rakor/settings.py): the letter's e-mail lives next to what it calls, in ``mail.py``;
importing it here registers it wherever Celery discovers this module."""

from .mail import send_unit_letter  # noqa: F401 (registered as invitations.tasks.send_unit_letter)
