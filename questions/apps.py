from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "questions"
    verbose_name = _("Tanya jawab")

    def ready(self):
        # Questions carry their askers' words and names: "my data" lists them, an erasure erases them.
        from attendance.personal_data import Holder, register_holder
        from attendance.portal_cache import register_portal_state

        from . import signals  # noqa: F401  (the portal's copy of the settings follows their changes)
        from .selectors import portal_signature
        from .services import questions_erase_person, questions_personal_sections

        register_holder(Holder("questions", sections=questions_personal_sections, erase=questions_erase_person))
        # The portal answers revisits with 304: its ETag follows the "Tanya" box.
        register_portal_state(portal_signature)
