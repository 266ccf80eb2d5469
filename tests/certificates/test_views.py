"""Organisers' certificate page, the participant's download, coordinators' ZIP per unit, access."""

import datetime as dt
import io
import re
import zipfile

import pytest

from attendance.models import Registration
from certificates import services
from certificates.models import Certificate, CertificateTemplate, EligibilityException
from rakor.models import AuditEntry
from tests.factories import UnitFactory, coordinator, organiser

from .factories_certificates import attended_everything, door_entry, past_event, registration, templates

pytestmark = pytest.mark.django_db


def text(response):
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def event():
    event, _ = past_event(slug="rakorwas-uji", name="Rapat Koordinasi Pengawasan Uji")
    templates(event)
    return event


@pytest.fixture
def org_client(client):
    client.force_login(organiser())
    return client


def test_page_lists_every_participant_eligible_or_not_and_why(org_client, event):
    ok = registration(event, name="Ahmad Lengkap")
    attended_everything(ok)
    short = registration(event, name="Budi Separuh")
    door_entry(short, 0)
    page = text(org_client.get("/e/rakorwas-uji/sertifikat/"))
    assert "Ahmad Lengkap" in page and "Budi Separuh" in page
    assert "Memenuhi syarat Memenuhi syarat: hadir 5 dari 5 sesi (100%); minimal 80%." in page
    assert "Tidak memenuhi syarat Belum memenuhi syarat: hadir 3 dari 5 sesi (60%); minimal 80%." in page
    assert "2 pendaftaran 1 memenuhi syarat 0 sertifikat sah 1 belum diterbitkan" in page


@pytest.mark.parametrize("n", [1, 3])
def test_page_queries_do_not_grow_with_registrations(org_client, event, n, django_assert_num_queries):
    for _ in range(n):
        attended_everything(registration(event))
    services.issue_all(event=event, processes=1)
    org_client.get("/e/rakorwas-uji/sertifikat/")  # warm the session/user caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        org_client.get("/e/rakorwas-uji/sertifikat/")
    assert len(one.captured_queries) <= 20
    if n == 3:
        with django_assert_num_queries(len(one.captured_queries)):
            org_client.get("/e/rakorwas-uji/sertifikat/")


def test_the_button_issues_everything_and_the_progress_endpoint_reports_it(org_client, event,
                                                                            django_capture_on_commit_callbacks):
    for _ in range(2):
        attended_everything(registration(event))
    with django_capture_on_commit_callbacks(execute=True):
        response = org_client.post("/e/rakorwas-uji/sertifikat/terbitkan/")
    assert response.status_code == 302
    assert Certificate.objects.filter(event=event, status="issued").count() == 2
    progress = org_client.get("/e/rakorwas-uji/sertifikat/progres/").json()
    assert (progress["status"], progress["done"], progress["total"], progress["percent"]) == ("done", 2, 2, 100)
    page = text(org_client.get("/e/rakorwas-uji/sertifikat/"))
    assert "Selesai : 2 / 2" in page


def test_exception_granted_on_the_page_with_its_reason_is_audited(org_client, event):
    short = registration(event, name="Citra Dinas Luar")
    door_entry(short, 0)
    response = org_client.post(f"/e/rakorwas-uji/sertifikat/peserta/{short.pk}/pengecualian/",
                               {"reason": "Tugas mendadak dari Inspektur Jenderal"})
    assert response.status_code == 302
    assert EligibilityException.objects.get().reason == "Tugas mendadak dari Inspektur Jenderal"
    page = text(org_client.get("/e/rakorwas-uji/sertifikat/"))
    assert ("Pengecualian panitia (hadir 3 dari 5 sesi (60%); minimal 80%): Tugas mendadak dari Inspektur Jenderal"
            in page)
    assert AuditEntry.objects.filter(action="certificate_exception").get().reason == \
        "Tugas mendadak dari Inspektur Jenderal"
    empty = org_client.post(f"/e/rakorwas-uji/sertifikat/peserta/{short.pk}/pengecualian/", {"reason": " "},
                            follow=True)
    assert "Alasan pengecualian wajib diisi." in text(empty)


def test_issue_one_revoke_and_reissue_from_the_page(org_client, event):
    reg = registration(event)
    attended_everything(reg)
    org_client.post(f"/e/rakorwas-uji/sertifikat/peserta/{reg.pk}/terbitkan/")
    first = Certificate.objects.get()
    response = org_client.post(f"/e/rakorwas-uji/sertifikat/{first.code}/cabut/", {"reason": ""}, follow=True)
    assert "Alasan pencabutan wajib diisi." in text(response)
    response = org_client.post(f"/e/rakorwas-uji/sertifikat/{first.code}/terbitkan-ulang/",
                               {"reason": "Nama salah ketik"}, follow=True)
    second = Certificate.objects.exclude(pk=first.pk).get()
    assert f"Sertifikat {first.number} diganti dengan {second.number}." in text(response)
    assert second.replaces == first


def test_organiser_pages_are_for_organisers_only(client, event):
    for url in ("/e/rakorwas-uji/sertifikat/", "/e/rakorwas-uji/sertifikat/progres/"):
        assert client.get(url).status_code == 302
    client.force_login(coordinator(UnitFactory()))
    assert client.get("/e/rakorwas-uji/sertifikat/").status_code == 403
    assert client.post("/e/rakorwas-uji/sertifikat/terbitkan/").status_code == 403


def test_default_templates_button(org_client):
    event, _ = past_event(slug="tanpa-templat")
    assert "Belum ada templat sertifikat untuk acara ini." in text(org_client.get("/e/tanpa-templat/sertifikat/"))
    org_client.post("/e/tanpa-templat/sertifikat/templat-bawaan/")
    assert sorted(CertificateTemplate.objects.filter(event=event).values_list("role", flat=True)) == [
        "committee", "moderator", "participant", "speaker"]


# ---------------------------------------------------------------- participant portal


def test_participant_downloads_their_certificate_from_the_portal(client, event):
    reg = registration(event)
    attended_everything(reg)
    services.issue_all(event=event, processes=1)
    certificate = Certificate.objects.get()
    page = text(client.get(reg.portal_path))
    assert f"Sertifikat Nomor {certificate.number} JP 9 Unduh sertifikat (PDF) Halaman verifikasi" in page
    response = client.get(f"{reg.portal_path}sertifikat.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="sertifikat-rakorwas-uji-{certificate.number.replace("/", "-")}.pdf"')
    assert b"".join(response.streaming_content) == services.certificate_pdf_bytes(certificate)


def test_portal_says_why_there_is_no_certificate(client, event):
    reg = registration(event)
    door_entry(reg, 0)
    page = text(client.get(reg.portal_path))
    assert ("Belum ada sertifikat untuk Anda. Belum memenuhi syarat: hadir 3 dari 5 sesi (60%); minimal 80%."
            in page)
    assert client.get(f"{reg.portal_path}sertifikat.pdf").status_code == 404


def test_self_service_issues_on_first_download(client, event):
    CertificateTemplate.objects.filter(event=event).update(self_service=True)
    reg = registration(event)
    attended_everything(reg)
    assert "Terbitkan dan unduh sertifikat (PDF)" in text(client.get(reg.portal_path))
    response = client.get(f"{reg.portal_path}sertifikat.pdf")
    assert response.status_code == 200
    assert Certificate.objects.get(registration=reg).status == "issued"


def test_portal_before_the_event_ends(client):
    from tests.factories import EventFactory

    event = EventFactory(start_date=dt.date.today(), end_date=dt.date.today() + dt.timedelta(days=1))
    reg = registration(event)
    assert "Sertifikat tersedia setelah acara selesai, bila kehadiran Anda memenuhi syarat." in text(
        client.get(reg.portal_path))


# ---------------------------------------------------------------- coordinators' ZIP per unit


def test_coordinator_downloads_a_zip_of_their_units_certificates_only(client, event):
    kanwil = UnitFactory(name="Kanwil Jawa Barat")
    district = UnitFactory(name="Kankemenag Kota Bandung", parent=kanwil)
    other = UnitFactory(name="Kanwil Jawa Timur")
    mine = [registration(event, participant__unit=kanwil), registration(event, participant__unit=district)]
    theirs = registration(event, participant__unit=other)
    for r in (*mine, theirs):
        attended_everything(r)
    services.issue_all(event=event, processes=1)
    client.force_login(coordinator(kanwil))
    response = client.get(f"/e/rakorwas-uji/sertifikat/unit/{kanwil.pk}.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    expected = {f"sertifikat-rakorwas-uji-{c.number.replace('/', '-')}.pdf"
                for c in Certificate.objects.filter(registration__in=mine)}
    assert set(archive.namelist()) == expected
    assert client.get(f"/e/rakorwas-uji/sertifikat/unit/{other.pk}.zip").status_code == 403


def test_revoked_certificates_are_left_out_of_the_zip(client, event):
    unit = UnitFactory()
    reg = registration(event, participant__unit=unit)
    attended_everything(reg)
    services.certificate_revoke(certificate=services.certificate_issue(registration=reg), reason="Salah", by=None)
    client.force_login(organiser())
    response = client.get(f"/e/rakorwas-uji/sertifikat/unit/{unit.pk}.zip", follow=True)
    # Nothing left in it: the page says so instead of downloading an empty archive.
    assert response["Content-Type"].startswith("text/html")
    assert (f"Belum ada sertifikat sah untuk {unit.name} dan unit di bawahnya; belum ada yang dapat diunduh."
            in response.content.decode())


def test_selector_for_the_coordinator_view_returns_valid_certificates_only(event):
    from certificates.selectors import certificates_by_registration

    a, b, c = (registration(event) for _ in range(3))
    for r in (a, b):
        attended_everything(r)
    ca = services.certificate_issue(registration=a)
    cb = services.certificate_issue(registration=b)
    services.certificate_revoke(certificate=cb, reason="Salah", by=None)
    assert certificates_by_registration([a.pk, b.pk, c.pk]) == {a.pk: ca}
    assert certificates_by_registration([]) == {}
