"""seed_demo's certificate hook, and template changes in /admin/ (validated and audited)."""

import pytest

from certificates import demo
from certificates.models import Certificate, CertificateTemplate
from rakor.models import AuditEntry
from tests.factories import organiser

from .factories_certificates import attended_everything, door_entry, past_event, registration, templates

pytestmark = pytest.mark.django_db


def test_demo_hook_issues_the_archive_certificates_once():
    event, _ = past_event()
    full = registration(event)
    attended_everything(full)
    short = registration(event)
    door_entry(short, 0)
    demo.seed_demo_event(event=event, archive=True)
    assert sorted(CertificateTemplate.objects.filter(event=event).values_list("role", flat=True)) == [
        "committee", "moderator", "participant", "speaker"]
    template = CertificateTemplate.objects.get(event=event, role="participant")
    assert template.background.name == f"certificates/backgrounds/{event.slug}-demo-background.svg"
    assert template.signature_image.name == f"certificates/signatures/{event.slug}-demo-signature.svg"
    assert template.signatory_name == "Dr. H. Abdul Rahman Wijaya, M.Si."
    assert list(Certificate.objects.values_list("registration_id", "status")) == [(full.pk, "issued")]
    demo.seed_demo_event(event=event, archive=True)
    assert Certificate.objects.count() == 1
    assert CertificateTemplate.objects.filter(event=event).count() == 4


def test_demo_event_gets_templates_but_no_certificates():
    event, _ = past_event()
    attended_everything(registration(event))
    demo.seed_demo_event(event=event, archive=False)
    assert CertificateTemplate.objects.filter(event=event, self_service=True).count() == 4
    assert Certificate.objects.count() == 0


def _form(template, **changes):
    data = {f: getattr(template, f) for f in (
        "event", "role", "name", "html", "fields_html", "css", "page_size", "signatory_name", "signatory_position",
        "signatory_nip", "number_pattern", "basis", "min_share_percent", "session_attended_percent",
        "minutes_per_jp")}
    data.update({"event": template.event_id, "sequence": template.sequence_id or "", "jp_cap": ""})
    data.update(changes)
    return data


def test_template_change_in_admin_is_audited(client):
    event, _ = past_event()
    template = templates(event)["participant"]
    client.force_login(organiser())
    response = client.post(f"/admin/certificates/certificatetemplate/{template.pk}/change/",
                           _form(template, min_share_percent=75))
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="update").get()
    assert (entry.model, entry.before["min_share_percent"], entry.after["min_share_percent"]) == (
        "certificates.certificatetemplate", 80, 75)


def test_admin_refuses_a_template_with_a_remote_url_and_names_it(client):
    event, _ = past_event()
    template = templates(event)["participant"]
    client.force_login(organiser())
    response = client.post(f"/admin/certificates/certificatetemplate/{template.pk}/change/",
                           _form(template, html='<img src="https://example.com/kop.png">'))
    assert response.status_code == 200
    assert (f"Templat sertifikat “{template.name}”: URL tidak diizinkan dalam dokumen: https://example.com/kop.png "
            "(hanya berkas statis dan media situs ini yang boleh dipakai)"
            in response.content.decode())
    template.refresh_from_db()
    assert "example.com" not in template.html
