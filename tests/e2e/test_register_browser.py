"""A participant registers on a phone and lands on their portal with the QR ticket."""

import datetime as dt

import pytest

from attendance.models import Registration
from tests.factories import EventFactory, UnitFactory, valid_nip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def event():
    UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Aceh")
    UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Timur")
    return EventFactory(name="Rapat Koordinasi Pengawasan 2030", start_date=dt.date(2030, 11, 21),
                        end_date=dt.date(2030, 11, 23))


def fill_form(page, *, nip):
    page.fill("#id_full_name", "Dr. H. Ahmad Fauzi, M.Ag.")
    page.check("input[name=id_kind][value=nip]")
    page.fill("#id_id_number", nip)
    page.fill("#id_position", "Kepala Bagian Tata Usaha")
    page.select_option("#id_unit", label="Kantor Wilayah Kementerian Agama Provinsi Jawa Timur")
    page.fill("#id_email", "ahmad.fauzi@kemenag.go.id")
    page.fill("#id_whatsapp", "081234567890")
    page.check("input[name=day_0][value=in_person]")
    page.check("#id_consent")


def test_register_on_a_phone_and_see_the_ticket(live_server, phone, event):
    phone.goto(f"{live_server.url}/e/{event.slug}/register/")
    assert phone.locator("h1").inner_text() == "Pendaftaran peserta"
    fill_form(phone, nip=valid_nip())
    phone.locator("#id_id_number").blur()
    assert phone.locator("#nip-hint").inner_text() == "Format NIP benar."
    phone.screenshot(path="/tmp/register.png", full_page=True)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/t/**")

    registration = Registration.objects.get()
    assert phone.url == f"{live_server.url}/t/{registration.portal_secret}/"
    assert phone.locator("h1.person").inner_text() == "Dr. H. Ahmad Fauzi, M.Ag."
    qr = phone.locator(".qr-box[data-qr-drawn] svg.qr")  # drawn by the browser from the ticket (issue 15)
    qr.wait_for()
    assert qr.count() == 1
    assert phone.locator("#ticket-string").input_value() == registration.ticket
    assert "Pendaftaran berhasil." in phone.locator(".messages").inner_text()
    phone.screenshot(path="/tmp/portal.png", full_page=True)


def test_wrong_nip_shows_the_inline_and_the_server_message(live_server, phone, event):
    phone.goto(f"{live_server.url}/e/{event.slug}/register/")
    fill_form(phone, nip="197802302003121003")
    phone.locator("#id_id_number").blur()
    message = 'Tanggal lahir (digit 1–8, "19780230") bukan tanggal yang benar.'
    assert phone.locator("#nip-hint").inner_text() == message
    # The inline check never blocks: the form still goes to the server, which says the same.
    phone.click("button[type=submit]")
    phone.wait_for_selector("#id_id_number-err")
    assert phone.locator("#id_id_number-err").inner_text() == message
    assert phone.locator("#id_full_name").input_value() == "Dr. H. Ahmad Fauzi, M.Ag."
    assert Registration.objects.count() == 0
    phone.screenshot(path="/tmp/register_error.png", full_page=True)
