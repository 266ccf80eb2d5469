from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluation"
    verbose_name = "Evaluasi"

    def ready(self):
        # The portal's certificate download waits for the evaluation where the event asks for it:
        # certificates (below this app) asks its gate registry; this app registers the gate.
        from attendance.personal_data import Holder, register_holder
        from attendance.portal_cache import register_portal_state
        from certificates.gates import register_download_gate

        from . import signals  # noqa: F401  (the portal's copy of the questionnaire follows its changes)
        from .selectors import certificate_wait, personal_sections, portal_signature
        from .services import evaluation_erase_person

        register_download_gate("evaluation", certificate_wait)
        register_portal_state(portal_signature)  # the portal's ETag follows the evaluation card
        register_holder(Holder("evaluation", sections=personal_sections, erase=evaluation_erase_person))
