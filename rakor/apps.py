from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RakorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rakor"
    verbose_name = _("Rakor: acara dan unit kerja")

    def ready(self):
        from . import checks  # noqa: F401  (the production settings check: manage.py check --deploy)
        from . import signin  # noqa: F401  (connects the sign-in throttle's signal receivers)
        from .observability import init_sentry

        init_sentry()
