import csv
import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import strip_tags
from openpyxl import Workbook, load_workbook

from attendance.models import DataRequest, Participant, Registration
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, organiser, valid_nip,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:attendance_registration_changelist"


@pytest.fixture
def client_org(client):
    client.force_login(organiser())
    return client


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-2022", start_date=dt.date(2022, 11, 21), end_date=dt.date(2022, 11, 23),
                        requires_approval=True)


def msgs(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def action(client, name, regs, **extra):
    data = {"action": name, "_selected_action": [r.pk for r in regs], "index": 0, **extra}
    return client.post(reverse(CHANGELIST), data, follow=not name.startswith("export"))


def test_changelist_has_no_n_plus_one(client_org, event, django_assert_num_queries):
    RegistrationFactory(event=event)
    with CaptureQueriesContext(connection) as one:
        assert client_org.get(reverse(CHANGELIST)).status_code == 200
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=UnitFactory(province="Aceh")))
    RegistrationFactory(event=event, modes=["online", "online", "online"])
    with django_assert_num_queries(len(one.captured_queries)):
        response = client_org.get(reverse(CHANGELIST))
    assert response.content.decode().count('class="field-participant_number"') == 3


def test_changelist_shows_modes_and_filters(client_org, event):
    jabar = UnitFactory(name="Kanwil Jawa Barat", province="Jawa Barat")
    a = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Ahmad Fauzi", unit=jabar),
                            modes=["in_person", "online", "online"])
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Budi Daring"),
                        modes=["online", "online", "online"])
    page = client_org.get(reverse(CHANGELIST)).content.decode()
    cells = [strip_tags(c) for c in re.findall(r'<td class="field-modes">.*?</td>', page)]
    assert sorted(cells) == ["21/11 daring · 22/11 daring · 23/11 daring", "21/11 luring · 22/11 daring · 23/11 daring"]
    assert "Impor peserta" in page

    def names(query):
        response = client_org.get(reverse(CHANGELIST) + query)
        return sorted(r.participant.full_name for r in response.context["cl"].result_list)

    assert names("?cara_hadir=luring") == ["Ahmad Fauzi"]
    assert names("?cara_hadir=daring") == ["Budi Daring"]
    assert names("?provinsi=Jawa+Barat") == ["Ahmad Fauzi"]
    assert names(f"?participant__unit__id__exact={jabar.pk}") == ["Ahmad Fauzi"]
    assert names(f"?q={a.participant.id_number}") == ["Ahmad Fauzi"]
    assert names("?q=kanwil+jawa+barat") == ["Ahmad Fauzi"]


def test_bulk_approve_and_quota_stops_only_the_one_over(client_org, event):
    unit = UnitFactory(name="Kanwil Aceh")
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    regs = [RegistrationFactory(event=event, status=Registration.Status.REJECTED, participant=ParticipantFactory(
        unit=unit, full_name=f"Peserta {i}")) for i in range(2)]
    pending = RegistrationFactory(event=event, status=Registration.Status.PENDING, modes=["online"] * 3)
    response = action(client_org, "approve_selected", regs + [pending])
    statuses = sorted(Registration.objects.values_list("status", flat=True))
    assert statuses == ["approved", "approved", "rejected"]
    assert msgs(response)[0] == "2 pendaftaran disetujui."
    assert msgs(response)[1].startswith("Tidak disetujui — Peserta 1: Kuota luring Kanwil Aceh (1 kursi) sudah penuh")


def test_bulk_reject_needs_a_reason(client_org, event):
    regs = [RegistrationFactory(event=event, status=Registration.Status.PENDING) for _ in range(2)]
    response = action(client_org, "reject_selected", regs)
    page = response.content.decode()
    assert "2 pendaftaran berikut akan ditolak:" in page and regs[0].participant.full_name in page
    response = action(client_org, "reject_selected", regs, apply="1", reason="  ")
    assert "Tuliskan alasan penolakan; alasan ini ditampilkan kepada peserta." in response.content.decode()
    assert set(Registration.objects.values_list("status", flat=True)) == {"pending"}
    response = action(client_org, "reject_selected", regs, apply="1", reason="Kuota unit sudah penuh.")
    assert msgs(response) == ["2 pendaftaran ditolak."]
    assert list(Registration.objects.order_by().values_list("status", "status_reason").distinct()) == [
        ("rejected", "Kuota unit sudah penuh.")]


def test_bulk_cancel(client_org, event):
    reg = RegistrationFactory(event=event)
    assert msgs(action(client_org, "cancel_selected", [reg])) == ["1 pendaftaran dibatalkan."]
    reg.refresh_from_db()
    assert (reg.status, reg.status_reason) == ("cancelled", "Dibatalkan oleh panitia.")


def test_single_approve_and_reject_from_the_change_page(client_org, event):
    reg = RegistrationFactory(event=event, status=Registration.Status.PENDING,
                              participant=ParticipantFactory(full_name="Siti Aminah"))
    change = reverse("admin:attendance_registration_change", args=[reg.pk])
    page = client_org.get(change).content.decode()
    assert "Setujui" in page and "Tolak…" in page
    assert reg.portal_secret not in page
    response = client_org.post(reverse("admin:attendance_registration_status", args=[reg.pk, "approved"]), follow=True)
    assert msgs(response) == ["Status Siti Aminah sekarang: Disetujui."]
    reg.refresh_from_db()
    assert reg.status == "approved"

    reject = reverse("admin:attendance_registration_reject", args=[reg.pk])
    response = client_org.post(reject, {"reason": ""})
    assert "Tuliskan alasan penolakan" in response.content.decode()
    response = client_org.post(reject, {"reason": "NIP tidak terdaftar di SIMPEG."}, follow=True)
    assert msgs(response) == ["Pendaftaran Siti Aminah ditolak."]
    reg.refresh_from_db()
    assert (reg.status, reg.status_reason) == ("rejected", "NIP tidak terdaftar di SIMPEG.")
    # The status itself is not a form field: a crafted POST to the change form cannot set it.
    client_org.post(change, {"role": "speaker", "status": "approved", "days-TOTAL_FORMS": 3,
                             "days-INITIAL_FORMS": 3, "days-MIN_NUM_FORMS": 0, "days-MAX_NUM_FORMS": 1000,
                             **{f"days-{i}-id": d.pk for i, d in enumerate(reg.days.all())},
                             **{f"days-{i}-registration": reg.pk for i in range(3)}})
    reg.refresh_from_db()
    assert (reg.status, reg.role) == ("rejected", "speaker")


def _expected_row(reg, modes, empty=""):
    p = reg.participant
    created = reg.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).replace(tzinfo=None, microsecond=0)
    return [p.full_name, p.id_number, p.position, p.rank, p.unit.name, p.unit.province, p.email, p.whatsapp,
            "Peserta", "Disetujui", empty, *modes, "Didaftarkan panitia", created]


HEADER = ["Nama", "NIP/Nomor", "Jabatan", "Pangkat/golongan", "Unit kerja", "Provinsi", "E-mail", "WhatsApp", "Peran",
          "Status", "Alasan status", "Hari 1 (21 Nov 2022)", "Hari 2 (22 Nov 2022)", "Hari 3 (23 Nov 2022)",
          "Cara mendaftar", "Tanggal daftar"]


def test_export_xlsx_reads_back(client_org, event):
    a = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Ahmad", unit=UnitFactory(
        name="A Kanwil Aceh", province="Aceh")), modes=["in_person", "online", "online"])
    b = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Budi", unit=UnitFactory(
        name="B Kanwil Bali", province="Bali")), modes=["online", "online", "in_person"])
    response = action(client_org, "export_xlsx", [a, b])
    assert response["Content-Disposition"].startswith('attachment; filename="peserta-rakorwas-2022-')
    rows = [list(r) for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)]
    # An empty cell reads back as None.
    assert rows == [HEADER, _expected_row(a, ["Luring", "Daring", "Daring"], empty=None),
                    _expected_row(b, ["Daring", "Daring", "Luring"], empty=None)]


def test_export_csv_reads_back(client_org, event):
    a = RegistrationFactory(event=event, modes=["in_person", "online", "online"])
    response = action(client_org, "export_csv", [a])
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    expected = _expected_row(a, ["Luring", "Daring", "Daring"])
    expected[-1] = expected[-1].strftime("%Y-%m-%d %H:%M")
    expected[7] = "'" + expected[7]  # "+62…" is text, never a formula (rakor.exports)
    assert rows == [HEADER, expected]


def test_send_portal_links_action(client_org, event, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("attendance.tasks.send_portal_link.delay", lambda pk: sent.append(pk))
    with_mail = RegistrationFactory(event=event)
    without = RegistrationFactory(event=event, participant=ParticipantFactory(email=""))
    with django_capture_on_commit_callbacks(execute=True):
        response = action(client_org, "send_portal_links", [with_mail, without])
    assert msgs(response) == ["Tautan portal dikirim ke 1 peserta yang aktif dan memiliki e-mail."]
    assert sent == [with_mail.pk]


def _xlsx_upload(rows, name="peserta.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nama", "nip", "unit", "hari_1"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_import_page_dry_run_then_apply(client_org, event):
    UnitFactory(code="kanwil-aceh")
    url = reverse("admin:attendance_registration_import")
    page = client_org.get(url).content.decode()
    assert "Uji coba" in page and reverse("admin:attendance_registration_import_template", args=[event.pk]) in page
    nip = valid_nip()
    response = client_org.post(url, {"event": event.pk, "file": _xlsx_upload(
        [["Ahmad", nip, "kanwil-aceh", "luring"], ["Budi", "123", "kanwil-aceh", "daring"]])})
    report = response.context["report"]
    assert [str(i) for i in report.issues] == ["Baris 3, kolom nip (B): NIP harus 18 digit; yang diisi 3 digit."]
    page = response.content.decode()
    assert "<td>3</td><td>nip (B)</td><td>NIP harus 18 digit; yang diisi 3 digit.</td>" in page
    assert "Impor 1 baris yang benar" in page
    assert Registration.objects.count() == 0
    token = response.context["token"]

    response = client_org.post(url, {"token": token, "apply": "1"})
    assert response.context["applied"] is True
    assert (response.context["report"].created, response.context["report"].skipped) == (1, 1)
    reg = Registration.objects.get()
    assert (reg.participant.id_number, reg.status, reg.channel) == (nip, "pending", "import")
    # The stored file is gone: the same confirmation cannot run twice.
    response = client_org.post(url, {"token": token, "apply": "1"}, follow=True)
    assert msgs(response) == ["Berkas uji coba tidak ditemukan lagi (mungkin sudah diimpor). Unggah ulang."]
    assert Registration.objects.count() == 1


def test_import_page_shows_file_errors(client_org, event):
    url = reverse("admin:attendance_registration_import")
    fake = io.BytesIO(b"bukan excel")
    fake.name = "peserta.xlsx"
    response = client_org.post(url, {"event": event.pk, "file": fake})
    assert response.context["file_error"].startswith("Berkas ini bukan berkas Excel (.xlsx) yang sah")
    fake = io.BytesIO(b"%PDF")
    fake.name = "peserta.pdf"
    response = client_org.post(url, {"event": event.pk, "file": fake})
    assert response.context["form"].errors["file"] == ["Unggah berkas .xlsx atau .csv (berkas ini: peserta.pdf)."]


def test_import_template_download(client_org, event):
    response = client_org.get(reverse("admin:attendance_registration_import_template", args=[event.pk]))
    header = next(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(header)[-3:] == ["hari_1", "hari_2", "hari_3"]


def test_import_page_is_for_organisers_only(client, event):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("admin:attendance_registration_import")).status_code == 403


def test_data_request_action_anonymises(client_org, event):
    reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Rina Marlina"))
    request = DataRequest.objects.create(participant=reg.participant, registration=reg, reason="Mohon dihapus.")
    response = client_org.post(reverse("admin:attendance_datarequest_changelist"), {
        "action": "anonymise_selected", "_selected_action": [request.pk], "index": 0}, follow=True)
    assert msgs(response) == ["Data pribadi 1 peserta dihapus; catatan kehadiran tetap disimpan."]
    participant = Participant.objects.get(pk=reg.participant_id)
    assert (participant.full_name, participant.id_number, participant.email) == ("(dihapus atas permintaan)", "", "")
    request.refresh_from_db()
    assert request.status == DataRequest.Status.DONE


def test_participant_admin_validates_nip(client_org):
    unit = UnitFactory()
    response = client_org.post(reverse("admin:attendance_participant_add"), {
        "full_name": "Ahmad", "id_kind": "nip", "id_number": "19781345200312100", "unit": unit.pk})
    assert response.context["adminform"].form.errors["id_number"] == ["NIP harus 18 digit; yang diisi 17 digit."]
    response = client_org.get(reverse("admin:attendance_participant_changelist") + "?q=ahmad")
    assert response.status_code == 200


def test_quota_admin_shows_use_per_day(client_org, event):
    unit = UnitFactory(name="Kanwil Aceh")
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=2)
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit), modes=["in_person", "online", "online"])
    page = client_org.get(reverse("admin:attendance_unitquota_changelist")).content.decode()
    assert "21/11 1/2" in page and "22/11 0/2" in page
