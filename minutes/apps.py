from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinutesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minutes"
    verbose_name = _("Notulen dan tindak lanjut")

    def ready(self):
        # Minutes hold people's names: an erasure erases them (attendance.personal_data).
        from attendance.personal_data import Holder, register_holder

        from .services import minutes_erase_person

        register_holder(Holder("minutes", erase=minutes_erase_person))
