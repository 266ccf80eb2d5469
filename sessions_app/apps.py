from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = _("Agenda dan sesi daring")

    def ready(self):
        from . import signals  # noqa: F401  (cache invalidation)
