from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Laporan kegiatan")

    def ready(self):
        # A generated report carries the daftar hadir (names, NIPs): an erasure deletes the stored files.
        from attendance.personal_data import Holder, register_holder

        from .services import reports_erase_person

        register_holder(Holder("reports", erase=reports_erase_person))
