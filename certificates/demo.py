"""Certificates for seed_demo (``seed_demo_event(event=, archive=)``), called after the agenda and attendance hooks.

Both events get the default templates for every role (the demo background and
signature shipped in certificates/static/certificates/). The archive event gets
its certificates issued, as it would have after the meeting: whatever the recorded
attendance earns (if the attendance hook has not recorded any, nobody is eligible
and nothing is issued). On the demo event participants may issue their own
certificate from the portal once the event is over.

Idempotent: templates are created once per role, and a bulk run only numbers and
renders what is missing.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile

from .models import CertificateTemplate

SIGNATORY = {
    "signatory_name": "Dr. H. Abdul Rahman Wijaya, M.Si.",
    "signatory_position": "Sekretaris Inspektorat Jenderal",
    "signatory_nip": "196805121994031002",
}


def _attach_demo_files(event) -> None:
    """One stored copy of the demo background and signature, shared by the event's templates."""
    from django.core.files.storage import default_storage

    for field, static_name in (("background", "certificates/demo-background.svg"),
                               ("signature_image", "certificates/demo-signature.svg")):
        path = finders.find(static_name)
        if not path:
            continue
        missing = CertificateTemplate.objects.filter(event=event, **{field: ""})
        if not missing.exists():
            continue
        upload_to = CertificateTemplate._meta.get_field(field).upload_to
        with open(path, "rb") as fh:
            name = default_storage.save(f"{upload_to}{event.slug}-{static_name.rsplit('/', 1)[-1]}",
                                        ContentFile(fh.read()))
        missing.update(**{field: name})


def seed_demo_event(*, event, archive: bool) -> None:
    from . import services

    created = services.template_create_defaults(event=event, signatory=SIGNATORY)
    if created:
        CertificateTemplate.objects.filter(pk__in=[t.pk for t in created]).update(self_service=True)
        _attach_demo_files(event)
    if not archive:
        return
    try:
        services.issue_all(event=event)
    except services.RunBusy:
        pass
