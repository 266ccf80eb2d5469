"""Who sees a unit's delegation and surat tugas; uploads refused with a clear message; sending and following up."""

import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import strip_tags
from pypdf import PdfWriter

from attendance.services import participant_erase
from invitations import selectors, services
from invitations.models import SuratTugas, UnitLetter
from tests.factories import ParticipantFactory, RegistrationFactory, UnitFactory, coordinator

from .conftest import IN_PERSON, ONLINE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_signer(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CERTIFICATE_PKCS12_PATH = ""
    settings.CERTIFICATE_DEMO_SIGNER = True


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def register(event, unit, mode=IN_PERSON, **kwargs):
    return RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit, **kwargs),
                               modes=[mode] * len(event.days))


def texts(response, testid):
    """The rows of a table (by data-testid) as lists of cell texts."""
    from html.parser import HTMLParser

    class P(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.rows, self.cell = 0, [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table" and ("data-testid", testid) in attrs:
                self.depth = 1
            elif self.depth and tag == "tr":
                self.rows.append([])
            elif self.depth and tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if self.depth and tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "table":
                self.depth = 0

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    p = P()
    p.feed(response.content.decode())
    return p.rows


def test_the_coordinator_sees_what_is_asked_and_whom_they_named(client, event, invitation, units, org):
    services.invitation_issue(invitation=invitation, by=org)
    register(event, units["aceh"], full_name="H. Ahmad Kakanwil", position="Kepala Kantor Wilayah")
    client.force_login(coordinator(units["aceh"]))
    response = client.get(reverse("invitations:delegation", args=[event.slug, units["aceh"].pk]))
    assert texts(response, "asked") == [["Jabatan", "Cara hadir", "Kursi"],
                                        ["Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha",
                                         "Luring (hadir di tempat)", "2"]]
    named = texts(response, "named")
    assert named[1][:4] == ["H. Ahmad Kakanwil", "Kepala Kantor Wilayah", "Luring", "Disetujui"]
    assert "Luring: 1 dari 2 kursi kurang" in " ".join(strip_tags(response.content.decode()).split())


def test_only_the_units_coordinator_and_organisers_see_its_delegation_and_surat_tugas(
        client, event, invitation, units, org):
    services.invitation_issue(invitation=invitation, by=org)
    reg = register(event, units["aceh"])
    services.surat_tugas_upload(registration=reg, upload=SimpleUploadedFile("st.pdf", a_pdf()), by=org)
    page = reverse("invitations:delegation", args=[event.slug, units["aceh"].pk])
    file_url = reverse("invitations:surat_tugas_file", args=[event.slug, reg.public_id])
    letter_url = reverse("invitations:letter_pdf", args=[event.slug, units["aceh"].pk])
    client.force_login(coordinator(units["bali"]))
    assert [client.get(u).status_code for u in (page, file_url, letter_url)] == [404, 404, 404]
    client.force_login(coordinator(units["aceh"]))
    responses = [client.get(u) for u in (page, file_url, letter_url)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert b"".join(responses[1].streaming_content) == a_pdf()
    client.force_login(org)
    assert client.get(file_url).status_code == 200
    client.logout()
    assert client.get(file_url).status_code == 302  # to the sign-in page


def test_a_coordinator_above_sees_a_units_delegation_only_while_it_has_no_coordinator_of_its_own(
        client, event, invitation, units, org):
    """The letter of a district without a coordinator goes to its Kanwil's coordinator, who then answers for
    it; once the district has its own coordinator, only that coordinator (and the organisers) see it."""
    services.invitation_issue(invitation=invitation, by=org)
    reg = register(event, units["banda"], mode=ONLINE)
    services.surat_tugas_upload(registration=reg, upload=SimpleUploadedFile("st.pdf", a_pdf()), by=org)
    urls = (reverse("invitations:delegation", args=[event.slug, units["banda"].pk]),
            reverse("invitations:surat_tugas_file", args=[event.slug, reg.public_id]),
            reverse("invitations:letter_pdf", args=[event.slug, units["banda"].pk]))
    kanwil = coordinator(units["aceh"])
    assert [u.email for u in selectors.coordinators_of(units["banda"])] == [kanwil.email]
    client.force_login(kanwil)
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]

    own = coordinator(units["banda"])
    assert [u.email for u in selectors.coordinators_of(units["banda"])] == [own.email]
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    client.force_login(own)
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]


def test_a_non_pdf_surat_tugas_is_refused_with_a_clear_message(client, event, invitation, units):
    reg = register(event, units["aceh"], full_name="Budi")
    client.force_login(coordinator(units["aceh"]))
    url = reverse("invitations:surat_tugas_upload", args=[event.slug, reg.public_id])
    response = client.post(url, {"file": SimpleUploadedFile("st.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Budi: Surat tugas harus berkas PDF; berkas ini bukan PDF."]
    assert not SuratTugas.objects.exists()


def test_an_oversized_surat_tugas_is_refused_with_a_clear_message(client, event, invitation, units, settings):
    settings.SURAT_TUGAS_MAX_BYTES = 2000
    reg = register(event, units["aceh"], full_name="Budi")
    with pytest.raises(Exception) as refused:
        services.check_surat_tugas(SimpleUploadedFile("st.pdf", a_pdf() + b"\n%" + b"x" * 3000))
    assert refused.value.messages == ["Berkas terlalu besar (3 KB); surat tugas paling besar 1 KB."]
    client.force_login(coordinator(units["aceh"]))
    url = reverse("invitations:surat_tugas_upload", args=[event.slug, reg.public_id])
    response = client.post(url, {"file": SimpleUploadedFile("st.pdf", a_pdf() + b"x" * (2 * 1024 * 1024))})
    assert response.status_code == 413
    assert not SuratTugas.objects.exists()


def test_sending_mails_each_units_coordinator_with_a_tracked_link(client, event, invitation, units, org,
                                                                   django_capture_on_commit_callbacks):
    kabag = coordinator(units["aceh"], email="kabagtu.aceh@kemenag.go.id")
    coordinator(units["bali"], email="kabagtu.bali@kemenag.go.id")
    client.force_login(org)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitations:organiser", args=[event.slug]), {"action": "send"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Undangan nomor B-1/Ij/PW.01/11/2022: 4 surat unit diantrekan untuk dikirim."]
    by_address = {m.to[0]: m for m in mail.outbox}
    # The district office has no coordinator of its own: its letter goes to its Kanwil's; the Balai has none.
    assert sorted(by_address) == ["kabagtu.aceh@kemenag.go.id", "kabagtu.bali@kemenag.go.id"]
    assert sorted(m.subject for m in mail.outbox if m.to == ["kabagtu.aceh@kemenag.go.id"]) == [
        "Undangan Rakorwas Uji — Kantor Kementerian Agama Kota Banda Aceh",
        "Undangan Rakorwas Uji — Kantor Wilayah Kementerian Agama Provinsi Aceh"]
    letter = UnitLetter.objects.get(unit=units["aceh"])
    message = next(m for m in mail.outbox if m.subject.endswith("Provinsi Aceh"))
    assert f"http://testserver/undangan/{letter.token}/" in message.body or letter.token in message.body
    assert message.attachments[0][0] == "undangan-rakorwas-uji-kanwil-aceh.pdf"
    assert (letter.sent_at is not None, letter.opened_at) == (True, None)
    client.logout()
    response = client.get(reverse("invitations:open", args=[letter.token]))
    assert response["Location"] == reverse("invitations:delegation", args=[event.slug, units["aceh"].pk])
    letter.refresh_from_db()
    assert letter.opened_at is not None
    client.force_login(kabag)
    assert client.get(response["Location"]).status_code == 200


def test_the_organiser_sees_who_has_not_answered_and_reminds_them(client, event, invitation, units, org,
                                                                   django_capture_on_commit_callbacks):
    services.invitation_issue(invitation=invitation, by=org)
    coordinator(units["bali"], email="kabagtu.bali@kemenag.go.id").rakor_profile.__class__.objects.filter(
        unit=units["bali"]).update(whatsapp="081234567000")
    register(event, units["aceh"])
    register(event, units["aceh"])
    register(event, units["banda"], mode=ONLINE)
    client.force_login(org)
    response = client.get(reverse("invitations:organiser", args=[event.slug]) + "?tampil=belum")
    rows = texts(response, "units")[1:]
    assert [r[0] for r in rows] == ["Balai Diklat Keagamaan Aceh", "Kantor Wilayah Kementerian Agama Provinsi Bali"]
    assert rows[1][3] == "belum menjawab 0 / 2"
    assert "https://wa.me/6281234567000?text=" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitations:remind", args=[event.slug, units["bali"].pk]))
    assert [m.subject for m in mail.outbox] == ["Pengingat: delegasi Kantor Wilayah Kementerian Agama Provinsi Bali "
                                                "untuk Rakorwas Uji"]
    assert UnitLetter.objects.get(unit=units["bali"]).reminders == 1


def test_report_summary(event, invitation, units, org):
    assert selectors.report_summary(type(event).objects.create(
        slug="tanpa-undangan", name="X", start_date=event.start_date, end_date=event.end_date)) is None
    services.invitation_issue(invitation=invitation, by=org)
    register(event, units["aceh"])
    summary = selectors.report_summary(event)
    assert summary == {
        "number": "B-1/Ij/PW.01/11/2022", "date": invitation.letter_date,
        "subject": "Undangan Rapat Koordinasi Pengawasan Tahun 2022", "signatory": "Dr. Faisal, S.H., M.H.",
        "units_invited": 4, "units_answered": 1,
        "units_missing": ["Balai Diklat Keagamaan Aceh", "Kantor Kementerian Agama Kota Banda Aceh",
                          "Kantor Wilayah Kementerian Agama Provinsi Bali"],
        "asked": [
            {"unit_kind": "Kantor Wilayah (provinsi)", "positions": "Kepala Kantor Wilayah dan Kepala Bagian Tata Usaha",
             "mode": "Luring (hadir di tempat)", "seats": 2},
            {"unit_kind": "Kantor Kemenag Kab/Kota", "positions": "Kepala Kantor Kementerian Agama Kabupaten/Kota",
             "mode": "Daring (online)", "seats": 1},
            {"unit_kind": "Balai Diklat Keagamaan", "positions": "Kepala Balai Diklat Keagamaan",
             "mode": "Luring (hadir di tempat)", "seats": 1},
        ],
    }


def test_erasure_deletes_the_surat_tugas_file(event, invitation, units, org, django_capture_on_commit_callbacks):
    reg = register(event, units["aceh"])
    st = services.surat_tugas_upload(registration=reg, upload=SimpleUploadedFile("st.pdf", a_pdf()), by=org)
    name = st.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        participant_erase(participant=reg.participant, by=org)
    assert (SuratTugas.objects.exists(), default_storage.exists(name)) == (False, False)


@pytest.mark.parametrize("extra", [0, 3])
def test_the_unit_list_takes_the_same_queries_whatever_the_number_of_units(event, invitation, units, org, extra,
                                                                             django_assert_num_queries):
    for i in range(extra):
        register(event, UnitFactory(code=f"kanwil-lain-{i}"))
    services.invitation_issue(invitation=invitation, by=org)
    register(event, units["aceh"])
    with django_assert_num_queries(5):
        assert len(selectors.unit_answers(invitation)) == 4 + extra


def test_the_organisers_page_takes_as_many_queries_for_many_units_as_for_few(client, event, invitation, units, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.invitation_issue(invitation=invitation, by=org)
    client.force_login(org)
    url = reverse("invitations:organiser", args=[event.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(3):
        unit = UnitFactory(code=f"kanwil-tambahan-{i}")
        coordinator(unit).rakor_profile.__class__.objects.filter(unit=unit).update(whatsapp="08123456789")
        register(event, unit)
    services.invitation_issue(invitation=invitation, by=org)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(texts(response, "units")) == 1 + 7
    assert len(many) == len(few)
