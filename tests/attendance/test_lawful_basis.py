"""The lawful basis of every registration (UU PDP 27/2022 Pasal 20), however it was made.

A person registering themselves consents; a coordinator, an organiser or an import registers
others under the agency's public task (Pasal 20 ayat (2) huruf e), recorded with who, when
and the version of the notice they were shown; the coordinator's form and the import page
show that notice.
"""

import datetime as dt
import importlib
import io
import re
from html import unescape

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from attendance.forms import CONSENT_TEXT, PUBLIC_TASK_NOTICE
from attendance.importing import import_participants
from attendance.models import Registration, RegistrationDay
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, coordinator, organiser, valid_nip

pytestmark = pytest.mark.django_db

IN, ON = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE
NOW = dt.datetime(2030, 11, 1, 3, 4, 5, tzinfo=dt.timezone.utc)
NOTICE = (
    "Anda mendaftarkan orang lain. Data pribadinya (nama, NIP, jabatan, pangkat/golongan, unit kerja, e-mail dan "
    "nomor WhatsApp) diproses panitia untuk pendaftaran, presensi, sesi daring, notulen dan sertifikat acara ini, "
    "atas dasar pelaksanaan tugas dan kewenangan instansi menurut peraturan perundang-undangan (UU No. 27 Tahun "
    "2022 tentang Pelindungan Data Pribadi, Pasal 20 ayat (2) huruf e). Masukkan hanya data yang diperlukan dan "
    "benar, dan beri tahu orang yang Anda daftarkan: melalui tautan portal pribadinya ia dapat melihat seluruh "
    "datanya dan meminta penghapusan. Dasar pemrosesan ini dicatat bersama nama Anda dan waktunya."
)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)
    cache.clear()


@pytest.fixture
def event():
    return EventFactory(slug="rakorwas-2030", start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 23))


@pytest.fixture
def unit():
    return UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", code="kanwil-jabar")


def person(unit, name="Dra. Hj. Nur Aini, M.Pd.", **extra):
    return {
        "full_name": name, "id_kind": "nip", "id_number": valid_nip("P"), "position": "Kepala Subbagian Umum",
        "rank": "Penata (III/c)", "unit": unit.pk, "email": "nur.aini@kemenag.go.id", "whatsapp": "0812 3456 7890",
        "day_0": IN, "day_1": ON, "day_2": ON, **extra,
    }


def basis(registration: Registration) -> tuple:
    registration.refresh_from_db()
    return (registration.channel, registration.lawful_basis, registration.lawful_basis_at,
            registration.lawful_basis_notice, registration.registered_by)


def notice_on(html: str) -> str:
    match = re.search(r'<aside class="pdp-notice"[^>]*>(.*?)</aside>', html, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else ""


def test_self_registration_records_consent(client, event, unit):
    client.post(f"/e/{event.slug}/register/", {**person(unit), "consent": "on"})
    registration = Registration.objects.get()
    assert basis(registration) == ("self", "consent", NOW, settings.CONSENT_VERSION, None)
    assert (registration.consent_text, registration.consent_at) == (str(CONSENT_TEXT), NOW)


def test_a_coordinator_sees_the_notice_and_registers_under_the_public_task(client, event, unit):
    user = coordinator(unit)
    client.force_login(user)
    page = client.get(reverse("attendance:unit_add", args=[event.slug])).content.decode()
    assert notice_on(page) == f"Pemberitahuan pelindungan data pribadi {NOTICE} Versi pemberitahuan 2026-12-03."
    client.post(reverse("attendance:unit_add", args=[event.slug]), {**person(unit), "role": "participant"})
    registration = Registration.objects.get()
    assert basis(registration) == ("coordinator", "public_task", NOW, settings.PUBLIC_TASK_NOTICE_VERSION, user)
    assert (registration.consent_text, registration.consent_at) == ("", None)


def test_an_organiser_registers_under_the_public_task_too(client, event, unit):
    user = organiser()
    client.force_login(user)
    client.post(reverse("attendance:unit_add", args=[event.slug]), {**person(unit), "role": "speaker"})
    assert basis(Registration.objects.get()) == ("organiser", "public_task", NOW, "2026-12-03", user)


def test_the_notice_in_english(client, event, unit):
    client.force_login(coordinator(unit))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("attendance:unit_add", args=[event.slug])).content.decode()
    with translation.override("en"):
        assert notice_on(page) == f"Personal data protection notice {PUBLIC_TASK_NOTICE} Notice version 2026-12-03."
    assert notice_on(page).startswith("Personal data protection notice You are registering someone else.")


def _xlsx(rows) -> io.BytesIO:
    workbook = Workbook()
    workbook.active.append(["nama", "nip", "unit", "hari_1"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "peserta.xlsx"
    return buffer


def test_the_import_page_shows_the_notice_and_an_import_records_the_public_task(client, event, unit):
    user = organiser()
    client.force_login(user)
    url = reverse("admin:attendance_registration_import")
    assert notice_on(client.get(url).content.decode()) == (
        f"Pemberitahuan pelindungan data pribadi {NOTICE} Versi pemberitahuan 2026-12-03.")
    response = client.post(url, {"event": event.pk, "file": _xlsx([["Ahmad Fauzi", valid_nip(), "kanwil-jabar",
                                                                     "luring"]])})
    assert notice_on(response.content.decode()).startswith("Pemberitahuan pelindungan data pribadi Anda mendaftarkan")
    client.post(url, {"token": response.context["token"], "apply": "1"})
    assert basis(Registration.objects.get()) == ("import", "public_task", NOW, "2026-12-03", user)


def test_an_import_keeps_the_basis_of_a_registration_it_updates(event, unit):
    existing = RegistrationFactory(event=event, participant__unit=unit, channel=Registration.Channel.SELF,
                                   lawful_basis="consent", lawful_basis_at=NOW - dt.timedelta(days=3),
                                   lawful_basis_notice="2022-11-01")
    nip = existing.participant.id_number
    import_participants(event=event, source=_xlsx([["Ahmad Fauzi", nip, "kanwil-jabar", "daring"]]),
                        dry_run=False, by=organiser())
    assert basis(existing)[:4] == ("self", "consent", NOW - dt.timedelta(days=3), "2022-11-01")


def test_the_import_command_tells_the_operator(event, unit, tmp_path):
    path = tmp_path / "peserta.xlsx"
    path.write_bytes(_xlsx([["Ahmad Fauzi", valid_nip(), "kanwil-jabar", "luring"]]).getvalue())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_participants", event.slug, str(path), stdout=out, stderr=err)
    assert err.getvalue().strip() == f"Pemberitahuan pelindungan data pribadi (2026-12-03): {NOTICE}"
    assert basis(Registration.objects.get())[:4] == ("import", "public_task", NOW, "2026-12-03")


def test_the_migration_fills_in_consent_already_given_and_leaves_the_rest_unrecorded(event, unit):
    consented = RegistrationFactory(event=event, channel=Registration.Channel.SELF,
                                    consent_text="Saya menyetujui.", consent_version="2022-11-01",
                                    consent_at=NOW - dt.timedelta(days=30))
    by_coordinator = RegistrationFactory(event=event, channel=Registration.Channel.COORDINATOR)
    migration = importlib.import_module("attendance.migrations.0005_registration_lawful_basis")
    migration.consent_is_a_lawful_basis(apps, None)
    assert basis(consented)[1:4] == ("consent", NOW - dt.timedelta(days=30), "2022-11-01")
    assert basis(by_coordinator)[1:4] == ("", None, "")
