from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = "Undangan"

    def ready(self):
        # A surat tugas names the person it assigns: "my data" lists it, an erasure deletes it.
        from attendance.personal_data import Holder, register_holder

        from .services import surat_tugas_erase_person
        from .selectors import personal_sections

        register_holder(Holder("invitations", sections=personal_sections, erase=surat_tugas_erase_person))
