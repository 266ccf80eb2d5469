from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RakorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rakor"
    verbose_name = _("Rakor: acara dan unit kerja")
