from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    default_auto_field = 'django.db.models.BigAutoField'
    name = 'certificates'

    def ready(self):
        # Certificates hold a person's name and PDFs: "my data" lists them, an erasure erases them.
        from attendance.certificate_lookup import register_certificate_lookup
        from attendance.personal_data import Holder, register_holder

        from . import selectors
        from .selectors import personal_sections
        from .services import certificates_erase_person, certificates_erased_remnants

        register_holder(Holder("certificates", sections=personal_sections, erase=certificates_erase_person,
                               remnants=certificates_erased_remnants))
        # The coordinators' attendance page shows each person's certificate (looked up when called, so it can be patched).
        register_certificate_lookup(lambda ids: selectors.certificates_by_registration(ids))
        # The portal's ETag changes whenever its certificate block would (attendance.portal_cache).
        from attendance.portal_cache import register_portal_state

        register_portal_state(selectors.portal_certificate_signature)
