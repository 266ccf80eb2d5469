"""manage.py verify_restore: a restored installation still proves what it recorded (issue 14, item 7)."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from attendance.chain import seal_event
from certificates import services
from certificates.models import Certificate

from .factories_certificates import attended_everything, past_event, registration, templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def restored(settings):
    settings.ATTENDANCE_CHAIN_KEY = "kunci-rantai-presensi-yang-dicadangkan-0123456789"
    event, _sessions = past_event(slug="rakorwas-pulih", name="Rapat Koordinasi Pengawasan Pulih")
    templates(event)
    for _ in range(2):
        attended_everything(registration(event))
    seal_event(event)
    services.issue_all(event=event, processes=1)
    return event


def verify_restore() -> tuple[bool, list[str]]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_restore", stdout=out, stderr=err)
        ok = True
    except CommandError as error:
        err.write(str(error))
        ok = False
    return ok, [line for line in (out.getvalue() + err.getvalue()).splitlines() if line.strip()]


def test_an_intact_restore_passes_every_check(restored):
    ok, lines = verify_restore()
    assert ok is True
    assert [line.split(":")[0] for line in lines] == [
        "PASS  database", "PASS  attendance chains (ATTENDANCE_CHAIN_KEY)",
        "PASS  ticket keys (TICKET_KEY_ENCRYPTION_KEYS)", "PASS  signing certificate (CERTIFICATE_PKCS12_PATH)",
        "PASS  media storage", "verify_restore"]
    sealed = restored.checkins.count()
    assert f"1 event(s), {sealed} sealed check-in(s) verify, 0 not sealed yet" in lines[1]
    assert "2/2 newest certificate PDF(s) found" in lines[4]


def test_a_restore_with_another_chain_key_is_named_as_such(restored, settings):
    settings.ATTENDANCE_CHAIN_KEY = "kunci-lain-yang-bukan-cadangannya-9876543210"
    ok, lines = verify_restore()
    assert ok is False
    failed = [line for line in lines if line.startswith("FAIL")]
    assert failed == ["FAIL  attendance chains (ATTENDANCE_CHAIN_KEY): broken: rakorwas-pulih at link #1 "
                      "(hash_mismatch) — every broken chain fails at its first link: ATTENDANCE_CHAIN_KEY is most "
                      "likely not the key these chains were sealed with (restore it from the key backup)"]
    assert lines[-1] == "verify_restore: 1 check(s) failed: attendance chains (ATTENDANCE_CHAIN_KEY)"


def test_lost_ticket_keys_and_a_media_bucket_not_restored_fail(restored, settings):
    settings.TICKET_KEY_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    default_storage.delete(Certificate.objects.order_by("-pk").first().pdf.name)
    ok, lines = verify_restore()
    assert ok is False
    failed = [line.split(":")[0] for line in lines if line.startswith("FAIL")]
    assert failed == ["FAIL  ticket keys (TICKET_KEY_ENCRYPTION_KEYS)", "FAIL  media storage"]
    assert any("1/2 newest certificate PDF(s) found" in line and "(restore the media bucket)" in line for line in lines)
