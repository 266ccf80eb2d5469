"""Media on S3-compatible storage (issue 14, item 1): a file one node wrote, another node reads.

Each "node" is the same code with a MEDIA_ROOT of its own (no shared disk); the bucket is
moto's S3 server in a thread. Nothing may land on a node's own disk, and every reader of a
stored file (certificate downloads, ZIPs, evidence, the PDF fetcher, the import's confirm
step) reads it through the storage API.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import boto3
import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from certificates import services
from certificates.models import Certificate
from rakor.media import signs_urls, stored_file_response
from rakor.pdf import OwnFilesFetcher
from tests.certificates.factories_certificates import (
    attended_everything,
    past_event,
    registration,
    templates,
)
from tests.factories import UnitFactory, coordinator

pytestmark = pytest.mark.django_db

BUCKET = "rakor-test-media"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


class Node:
    """One app node: its own MEDIA_ROOT, the shared bucket."""

    def __init__(self, settings, endpoint: str, root: Path):
        self.settings, self.endpoint, self.root = settings, endpoint, root

    def use(self, *, redirect: bool = True) -> None:
        s = self.settings
        self.root.mkdir(parents=True, exist_ok=True)
        s.AWS_STORAGE_BUCKET_NAME = BUCKET
        s.AWS_S3_ENDPOINT_URL = self.endpoint
        s.AWS_ACCESS_KEY_ID = "test"
        s.AWS_SECRET_ACCESS_KEY = "test"
        s.AWS_S3_REGION_NAME = "us-east-1"
        s.MEDIA_DOWNLOAD_REDIRECT = redirect
        s.MEDIA_ROOT = str(self.root)
        # Last: Django rebuilds default_storage when STORAGES changes, with the settings above.
        s.STORAGES = {**s.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}

    def local_files(self) -> list[str]:
        return [str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file()]


@pytest.fixture
def nodes(settings, s3_endpoint, tmp_path):
    a, b = Node(settings, s3_endpoint, tmp_path / "node-a"), Node(settings, s3_endpoint, tmp_path / "node-b")
    a.use()
    yield a, b
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def event():
    event, _ = past_event(slug="rakorwas-s3", name="Rapat Koordinasi Pengawasan S3")
    templates(event)
    return event


def fetch(url: str) -> httpx.Response:
    with httpx.Client(trust_env=False, timeout=30) as plain:
        return plain.get(url)


def test_a_file_written_under_one_media_root_is_read_under_another_through_s3(nodes):
    a, b = nodes
    name = default_storage.save("imports/berkas-uji.csv", ContentFile(b"nama;nip\nAhmad;1969\n"))
    assert a.local_files() == []
    b.use()
    assert signs_urls()
    with default_storage.open(name, "rb") as fh:
        assert fh.read() == b"nama;nip\nAhmad;1969\n"
    assert b.local_files() == []


def test_a_certificate_issued_on_one_node_is_downloaded_from_another_by_a_signed_url(nodes, event, client):
    a, b = nodes
    reg = registration(event)
    attended_everything(reg)
    services.issue_all(event=event, processes=1)
    certificate = Certificate.objects.get()
    assert a.local_files() == []

    b.use()
    response = client.get(f"{reg.portal_path}sertifikat.pdf")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    location = response["Location"]
    assert location.startswith(f"{b.endpoint}/{BUCKET}/certificates/pdf/")
    assert re.search(r"[?&]X-Amz-Expires=300(&|$)", location)
    pdf = fetch(location)
    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == certificate.sha256
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="sertifikat-rakorwas-s3-{certificate.number.replace("/", "-")}.pdf"')
    assert b.local_files() == []


def test_without_redirects_the_other_node_streams_the_file_from_the_bucket(nodes, event, client):
    a, b = nodes
    reg = registration(event)
    attended_everything(reg)
    services.issue_all(event=event, processes=1)
    certificate = Certificate.objects.get()

    b.use(redirect=False)
    response = client.get(f"{reg.portal_path}sertifikat.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == certificate.sha256
    assert a.local_files() == [] and b.local_files() == []


def test_a_units_zip_on_another_node_holds_the_pdfs_from_the_bucket(nodes, event, client):
    a, b = nodes
    unit = UnitFactory(name="Kanwil Jawa Barat")
    regs = [registration(event, participant__unit=unit) for _ in range(2)]
    for reg in regs:
        attended_everything(reg)
    services.issue_all(event=event, processes=1)
    expected = {c.sha256 for c in Certificate.objects.all()}

    b.use()
    client.force_login(coordinator(unit))
    response = client.get(f"/e/rakorwas-s3/sertifikat/unit/{unit.pk}.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()} == expected
    assert a.local_files() == [] and b.local_files() == []


def test_the_pdf_url_fetcher_reads_media_from_the_bucket_on_another_node(nodes, settings):
    a, b = nodes
    name = default_storage.save("certificates/backgrounds/latar.svg", ContentFile(b"<svg xmlns='x'/>"))
    b.use()
    got = OwnFilesFetcher().fetch(f"{settings.SITE_URL}/media/{name}")
    assert got.read() == b"<svg xmlns='x'/>"
    assert a.local_files() == [] and b.local_files() == []


def test_same_name_uploaded_twice_keeps_both_files(nodes):
    first = default_storage.save("certificates/backgrounds/latar.png", ContentFile(b"one"))
    second = default_storage.save("certificates/backgrounds/latar.png", ContentFile(b"two"))
    assert first != second
    with default_storage.open(first, "rb") as fh:
        assert fh.read() == b"one"


def test_stored_file_response_on_local_disk_streams_the_file(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    name = default_storage.save("tindak-lanjut/bukti.pdf", ContentFile(b"%PDF-1.7 bukti"))
    response = stored_file_response(name, filename="bukti.pdf")
    assert not signs_urls()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bukti.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.7 bukti"


def test_an_import_dry_run_on_one_node_is_confirmed_on_another(nodes, client):
    from django.urls import reverse

    from attendance.models import Registration
    from tests.attendance.test_admin import _xlsx_upload
    from tests.factories import EventFactory, UnitFactory, organiser, valid_nip

    a, b = nodes
    event = EventFactory(slug="rakorwas-impor")
    UnitFactory(code="kanwil-aceh")
    client.force_login(organiser())
    url = reverse("admin:attendance_registration_import")
    nip = valid_nip()
    dry = client.post(url, {"event": event.pk, "file": _xlsx_upload([["Ahmad", nip, "kanwil-aceh", "luring"]])})
    assert (dry.context["report"].created, Registration.objects.count()) == (1, 0)
    assert a.local_files() == []

    b.use()
    token = dry.context["token"]
    assert [f for f in default_storage.listdir("imports")[1] if f.startswith(token)] == [f"{token}.xlsx"]
    done = client.post(url, {"token": token, "apply": "1"})
    assert done.context["applied"] is True
    assert Registration.objects.get().participant.id_number == nip
    assert [f for f in default_storage.listdir("imports")[1] if f.startswith(token)] == []  # gone from the bucket
    assert b.local_files() == []
