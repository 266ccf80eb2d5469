"""Public verification: /v/<code>/, GET /api/v1/certificates/<code>/, uploaded PDFs."""

import hashlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates import services
from certificates.models import Certificate

from .factories_certificates import attended_everything, past_event, registration, templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate():
    event, _ = past_event(name="Rapat Koordinasi Pengawasan 2022")
    templates(event)
    reg = registration(event, name="Dr. Hj. Ṣāliḥah Nurḥayātī, M.Ag.")
    attended_everything(reg)
    services.issue_all(event=event, processes=1)
    return Certificate.objects.select_related("registration__participant").get()


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_verification_page_shows_what_the_issue_lists_and_nothing_personal(client, certificate):
    participant = certificate.registration.participant
    response = client.get(f"/v/{certificate.code}/")
    assert response.status_code == 200
    page = text(response)
    assert "SAH — sertifikat ini kami terbitkan" in page
    assert "Nama Dr. Hj. Ṣāliḥah Nurḥayātī, M.Ag." in page
    assert "Acara Rapat Koordinasi Pengawasan 2022" in page
    assert f"JP {certificate.jp}" in page
    assert "Peran Peserta" in page
    assert f"SHA-256 PDF {certificate.sha256}" in page
    assert f"Nomor {certificate.number}" in page
    for secret in (participant.id_number, participant.email, participant.whatsapp, certificate.registration.portal_secret):
        assert secret not in response.content.decode()


def test_code_lookup_is_case_insensitive(client, certificate):
    assert client.get(f"/v/{certificate.code.lower()}/").status_code == 200


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAA", "x", "A'--", "A" * 300])
def test_unknown_code_is_a_plain_404(client, certificate, code):
    response = client.get(f"/v/{code}/")
    assert response.status_code == 404
    page = text(response)
    assert "Sertifikat tidak ditemukan" in page
    assert certificate.recipient_name not in page
    api = client.get(f"/api/v1/certificates/{code}/")
    assert api.status_code == 404
    assert api.json() == {"detail": "Data tidak ditemukan."}


def test_api_returns_the_public_fields(client, certificate):
    response = client.get(f"/api/v1/certificates/{certificate.code}/")
    assert response.status_code == 200
    assert response.json() == {
        "code": certificate.code, "number": certificate.number, "name": "Dr. Hj. Ṣāliḥah Nurḥayātī, M.Ag.",
        "recipient_erased": False,
        "event": "Rapat Koordinasi Pengawasan 2022", "event_slug": certificate.event.slug,
        "start_date": certificate.event_start.isoformat(), "end_date": certificate.event_end.isoformat(),
        "role": "participant", "role_label": "Peserta", "jp": 9, "status": "issued", "status_label": "Terbit",
        "issued_at": certificate.issued_at.isoformat(), "revoked_at": None, "sha256": certificate.sha256,
        "signed_by": certificate.signed_by, "replaces": None, "replaced_by": None,
    }


def test_revoked_certificate_says_revoked_and_points_to_its_replacement(client, certificate):
    new = services.certificate_reissue(certificate=certificate, reason="Gelar ditambahkan", by=None)
    page = text(client.get(f"/v/{certificate.code}/"))
    assert "DICABUT — sertifikat ini tidak berlaku lagi" in page
    assert "Diganti oleh sertifikat pengganti" in page
    assert "Gelar ditambahkan" not in page
    data = client.get(f"/api/v1/certificates/{certificate.code}/").json()
    assert (data["status"], data["replaced_by"]) == ("revoked", new.code)
    assert client.get(f"/api/v1/certificates/{new.code}/").json()["replaces"] == certificate.code


def upload(client, url, data):
    return client.post(url, {"pdf": SimpleUploadedFile("sertifikat.pdf", data, content_type="application/pdf")})


def test_uploaded_pdf_we_issued_is_authentic(client, certificate):
    data = services.certificate_pdf_bytes(certificate)
    for url in (f"/v/{certificate.code}/", "/v/"):
        page = text(upload(client, url, data))
        assert "Asli: berkas ini sertifikat yang kami terbitkan dan tidak diubah sedikit pun." in page
        assert hashlib.sha256(data).hexdigest() in page


def test_uploaded_pdf_with_one_byte_changed_is_not_authentic(client, certificate):
    data = bytearray(services.certificate_pdf_bytes(certificate))
    data[len(data) // 2] ^= 0x01
    for url in (f"/v/{certificate.code}/", "/v/"):
        page = text(upload(client, url, bytes(data)))
        assert ("Tidak asli: berkas ini bukan sertifikat yang kami terbitkan, atau isinya sudah diubah." in page)
        assert "Asli:" not in page


def test_uploaded_pdf_of_another_certificate_is_not_authentic_for_this_code(client, certificate):
    other_reg = registration(certificate.event)
    attended_everything(other_reg)
    other = services.certificate_issue(registration=other_reg)
    page = text(upload(client, f"/v/{certificate.code}/", services.certificate_pdf_bytes(other)))
    assert "Tidak asli" in page


def test_uploaded_pdf_of_a_revoked_certificate_says_so(client, certificate):
    data = services.certificate_pdf_bytes(certificate)
    services.certificate_revoke(certificate=certificate, reason="Salah peran", by=None)
    page = text(upload(client, "/v/", data))
    assert ("Berkas ini sertifikat yang kami terbitkan dan tidak diubah, tetapi sertifikat tersebut sudah dicabut."
            in page)


def test_verify_home_redirects_a_typed_code(client, certificate):
    response = client.get("/v/", {"code": f" {certificate.code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == f"/v/{certificate.code}/"
