"""An issued invitation with a letter and a surat tugas, for tests of other folders (every page's headers)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import RegistrationDay
from invitations import services
from invitations.models import UnitLetter

from .conftest import invitation_data


def invitation_world(*, event, registration, by) -> dict:
    """The event's invitation asks the registration's kind of unit; issued; the registration has its surat tugas."""
    import io

    from pypdf import PdfWriter

    unit = registration.participant.unit
    invitation = services.invitation_save(event=event, data=invitation_data(), by=by, groups=[
        {"unit_kind": unit.kind, "positions": "Kepala", "mode": RegistrationDay.Mode.IN_PERSON, "seats": 2}])
    services.invitation_issue(invitation=invitation, by=by)
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    buffer = io.BytesIO()
    writer.write(buffer)
    services.surat_tugas_upload(registration=registration, upload=SimpleUploadedFile("st.pdf", buffer.getvalue()),
                                by=by)
    return {"letter": UnitLetter.objects.get(invitation=invitation, unit=unit)}
