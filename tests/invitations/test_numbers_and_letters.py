"""Letter numbers (one per invitation, from the secretariat's gapless run) and the unit's PDF letter."""

import datetime as dt
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from pypdf import PdfReader

from certificates import signing
from invitations import services
from invitations.letters import unit_letter_pdf
from invitations.models import Invitation, LetterSequence, UnitLetter
from tests.factories import EventFactory

from .conftest import GROUPS, invitation_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_signer(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CERTIFICATE_PKCS12_PATH = ""
    settings.CERTIFICATE_DEMO_SIGNER = True


def pages_text(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_issuing_gives_one_number_and_a_letter_per_invited_unit(invitation, units, org):
    services.invitation_issue(invitation=invitation, by=org)
    invitation.refresh_from_db()
    assert invitation.number == "B-1/Ij/PW.01/11/2022"
    assert sorted(UnitLetter.objects.values_list("unit__code", flat=True)) == [
        "bdk-aceh", "kankemenag-banda-aceh", "kanwil-aceh", "kanwil-bali"]  # not the "other" unit: not invited


def test_numbers_are_unique_and_gapless_across_invitations_and_issuing_twice_takes_none(units, org):
    numbers = []
    for i in range(3):
        inv = services.invitation_save(event=EventFactory(), data=invitation_data(), groups=GROUPS, by=org)
        services.invitation_issue(invitation=inv, by=org)
        services.invitation_issue(invitation=inv, by=org)  # idempotent
        inv.refresh_from_db()
        numbers.append(inv.number)
    assert numbers == ["B-1/Ij/PW.01/11/2022", "B-2/Ij/PW.01/11/2022", "B-3/Ij/PW.01/11/2022"]
    assert LetterSequence.objects.get(code="surat-keluar", year=2022).last_number == 3


def test_a_new_year_starts_its_own_run(units, org):
    a = services.invitation_save(event=EventFactory(), data=invitation_data(), groups=GROUPS, by=org)
    b = services.invitation_save(event=EventFactory(), data=invitation_data(letter_date=dt.date(2023, 1, 5)),
                                 groups=GROUPS, by=org)
    for inv in (a, b):
        services.invitation_issue(invitation=inv, by=org)
    assert sorted(Invitation.objects.values_list("number", flat=True)) == [
        "B-1/Ij/PW.01/01/2023", "B-1/Ij/PW.01/11/2022"]


def test_a_failed_issue_takes_no_number(event, units, org):
    empty = services.invitation_save(event=event, data=invitation_data(), groups=[], by=org)
    with pytest.raises(ValidationError):
        services.invitation_issue(invitation=empty, by=org)
    other = services.invitation_save(event=EventFactory(), data=invitation_data(), groups=GROUPS, by=org)
    services.invitation_issue(invitation=other, by=org)
    other.refresh_from_db()
    assert other.seq == 1


def test_an_issued_invitation_cannot_be_changed(invitation, event, org):
    services.invitation_issue(invitation=invitation, by=org)
    with pytest.raises(services.InvitationLocked):
        services.invitation_save(event=event, data=invitation_data(subject="Lain"), groups=GROUPS, by=org)


def test_the_units_letter_names_exactly_what_is_asked_of_its_kind(invitation, units, org):
    services.invitation_issue(invitation=invitation, by=org)
    letter = UnitLetter.objects.get(unit=units["banda"])
    first, annex = pages_text(unit_letter_pdf(letter))
    assert "Nomor : B-1/Ij/PW.01/11/2022" in first
    assert "Yth. Kepala Kantor Kementerian Agama Kota Banda Aceh" in first
    assert ("dari Kantor Kementerian Agama Kota Banda Aceh kami mengundang: Jabatan Cara hadir Kursi "
            "Kepala Kantor Kementerian Agama Kabupaten/Kota Daring (online) 1") in first
    assert "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha" not in first
    assert "Kepala Balai Diklat Keagamaan" not in first
    # The lampiran lists every kind of unit.
    assert "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha Luring (hadir di tempat) 2" in annex
    assert "Kepala Balai Diklat Keagamaan Luring (hadir di tempat) 1" in annex
    aceh_first = pages_text(unit_letter_pdf(UnitLetter.objects.get(unit=units["aceh"])))[0]
    assert "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha Luring (hadir di tempat) 2" in aceh_first
    assert "Kabupaten/Kota Daring" not in aceh_first


def test_the_body_is_markdown_without_raw_html(event, units, org):
    inv = services.invitation_save(event=event, data=invitation_data(
        body='Hadir **tepat waktu**.<img src="http://example.com/x.png"><script>alert(1)</script>'),
        groups=GROUPS, by=org)
    from invitations.documents import letter_context

    html = str(letter_context(inv, units["aceh"])["body_html"])
    assert html == "<p>Hadir <strong>tepat waktu</strong>.</p>"


def test_the_letter_is_signed_and_verifies_and_is_made_once(invitation, units, org):
    services.invitation_issue(invitation=invitation, by=org)
    letter = UnitLetter.objects.get(unit=units["aceh"])
    pdf = unit_letter_pdf(letter)
    status = signing.validate_signature(pdf)
    assert (status["signed"], status["intact"], status["covers_whole_file"]) == (True, True, True)
    assert unit_letter_pdf(UnitLetter.objects.get(pk=letter.pk)) == pdf  # the stored letter, same signature
    # The signature says what it signs: a letter, not "Sertifikat kehadiran" (the certificates' reason).
    from pyhanko.pdf_utils.reader import PdfFileReader

    sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].sig_object
    assert str(sig["/Reason"]) == "Surat undangan ditandatangani secara elektronik oleh penyelenggara"


def test_a_draft_is_not_signed(invitation, units):
    from invitations.documents import letter_pdf

    pdf = letter_pdf(invitation, units["aceh"])
    assert signing.validate_signature(pdf)["signed"] is False
    assert "DRAF" in pages_text(pdf)[0]


# ---------------------------------------------------------------- concurrency (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_take_consecutive_numbers(units, org):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer, so there is no race to test")
    invitations = [services.invitation_save(event=EventFactory(), data=invitation_data(), groups=GROUPS, by=org)
                   for _ in range(6)]
    barrier = threading.Barrier(len(invitations))
    errors = []

    def run(inv):
        try:
            barrier.wait(timeout=10)
            services.invitation_issue(invitation=inv, by=org)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(inv,)) for inv in invitations]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert sorted(Invitation.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
