"""The unit picker in a browser (issue 12, item 4), and the approval pages on a phone and a laptop (item 3).

Set JOURNEYS_FLOW_SHOTS=/some/dir to keep the screenshots (390×844 and 1280×720 of every page).
"""

import datetime as dt
import os

import pytest
from django.conf import settings
from django.test import Client

from attendance.models import Registration, RegistrationDay
from rakor.models import Unit
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, coordinator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "laptop": (1280, 720)}


@pytest.fixture
def units():
    jabar = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat", short_name="Kanwil Jabar",
                        code="kanwil-jabar", province="Jawa Barat")
    kab = Unit.objects.create(name="Kantor Kementerian Agama Kabupaten Bandung", short_name="Kankemenag Kab. Bandung",
                              code="kemenag-kab-bandung", kind=Unit.Kind.DISTRICT, parent=jabar, province="Jawa Barat")
    kota = Unit.objects.create(name="Kantor Kementerian Agama Kota Bandung", short_name="Kankemenag Kota Bandung",
                               code="kemenag-kota-bandung", kind=Unit.Kind.DISTRICT, parent=jabar,
                               province="Jawa Barat")
    UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Aceh", code="kanwil-aceh", province="Aceh")
    return jabar, kab, kota


@pytest.fixture
def event():
    return EventFactory(name="Rapat Koordinasi Pengawasan 2030", slug="rakor-2030", start_date=dt.date(2030, 11, 21),
                        end_date=dt.date(2030, 11, 23), requires_approval=True)


def test_typing_bandung_finds_kankemenag_kab_bandung_and_shows_its_full_name(live_server, phone, units, event):
    _jabar, kab, _kota = units
    phone.goto(f"{live_server.url}/e/{event.slug}/register/")
    box = phone.locator(".unit-picker-input")
    box.fill("bandung")
    options = phone.locator(".unit-picker-list [role=option]")
    assert options.all_inner_texts() == ["Kantor Kementerian Agama Kabupaten Bandung Kankemenag Kab. Bandung",
                                         "Kantor Kementerian Agama Kota Bandung Kankemenag Kota Bandung"]
    assert phone.locator(".unit-picker-list .unit-picker-group").all_inner_texts() == [
        "Kantor Kemenag Kab/Kota · Jawa Barat"]
    box.fill("kankemenag kab. bandung")
    assert options.count() == 1
    phone.keyboard.press("ArrowDown")
    phone.keyboard.press("Enter")
    assert phone.locator("#id_unit").input_value() == str(kab.pk)
    assert box.input_value() == "Kantor Kementerian Agama Kabupaten Bandung"
    assert phone.locator(".unit-picker-chosen").inner_text() == "Unit terpilih: Kantor Kementerian Agama Kabupaten Bandung"
    box.fill("kanwil jabar")
    assert options.all_inner_texts() == ["Kantor Wilayah Kementerian Agama Provinsi Jawa Barat Kanwil Jabar"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def _signed_in(browser, live_server, user, width, height):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_coordinator_pages_fit_a_phone_and_a_laptop(browser, live_server, units, event, tmp_path):
    jabar, kab, kota = units
    shots = os.environ.get("JOURNEYS_FLOW_SHOTS") or str(tmp_path)
    for i, (name, unit, modes) in enumerate([
            ("Dr. H. Ahmad Fauzi, M.Ag.", kab, None), ("Siti Aminah, S.Pd.", kota, [RegistrationDay.Mode.ONLINE] * 3),
            ("Drs. Bambang Sutrisno Wicaksono Hadiningrat, M.Si.", jabar, None)]):
        RegistrationFactory(event=event, status=Registration.Status.PENDING, modes=modes, participant=ParticipantFactory(
            full_name=name, unit=unit, email=f"p{i}@kemenag.go.id"))
    pending = Registration.objects.order_by("pk").first()
    user = coordinator(jabar, first_name="Kabag", last_name="TU Jabar")
    pages = {
        "approvals": f"/e/{event.slug}/persetujuan/",
        "refuse": f"/e/{event.slug}/persetujuan/{pending.public_id}/tolak/",
        "seats": f"/e/{event.slug}/unit/kursi/",
        "add": f"/e/{event.slug}/unit/add/",
        "resend": f"/e/{event.slug}/tautan-hilang/",
        "register": f"/e/{event.slug}/register/",
        "registrations": f"/e/{event.slug}/unit/",
        "coordinator-home": "/koordinator/",
        "event": f"/e/{event.slug}/",
    }
    for size, (width, height) in SIZES.items():
        context, page = _signed_in(browser, live_server, user, width, height)
        for key, path in pages.items():
            page.goto(live_server.url + path)
            if key in ("add", "register"):
                page.locator(".unit-picker-input").fill("bandung")
            page.screenshot(path=f"{shots}/{key}-{size}.png", full_page=True)
            # The delegation table and the events table are older wide tables (the responsive work is
            # another helper's, issue 12 item 9): shot, not measured here.
            if size == "phone" and key not in ("registrations", "coordinator-home"):
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, key
        context.close()


def test_what_has_happened_pages_at_mid_event(browser, live_server, tmp_path):
    """Issue 12, item 6: the pages that say what is still to come, shot mid-event (no assertion on their width:
    the organiser pages' layout is another helper's)."""
    import time_machine

    from certificates.services import template_create_defaults
    from agenda.models import Session
    from tests.certificates.factories_certificates import at, make_session
    from tests.factories import organiser
    from tests.minutes.factories_minutes import content, notulis, open_minutes
    from minutes import services as minutes_services

    shots = os.environ.get("JOURNEYS_FLOW_SHOTS") or str(tmp_path)
    event = EventFactory(name="Rakorwas Berjalan", slug="rakor-berjalan", start_date=dt.date(2030, 3, 4),
                         end_date=dt.date(2030, 3, 5))
    opening = make_session(event, "Pembukaan", day_index=0, start="09:00", minutes=60, mode=Session.Mode.IN_PERSON)
    plenary = make_session(event, "Pleno I", day_index=0, start="10:30", minutes=90)
    make_session(event, "Pleno II", day_index=1, start="09:00", minutes=90)
    Session.objects.filter(event=event).update(status=Session.Status.SCHEDULED)
    template_create_defaults(event=event)
    org, taker = organiser(first_name="Panitia", last_name="Pusat"), notulis()
    minutes = open_minutes(plenary, [taker], by=org)
    minutes_services.save_draft(minutes=minutes, by=taker, content=content(), base_revision=minutes.revision_number,
                                submit=True)
    unit = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Banten")
    RegistrationFactory(event=event, participant=ParticipantFactory(full_name="Luring Belum", unit=unit))
    pages = {
        "certificates": f"/e/{event.slug}/sertifikat/",
        "minutes": f"/e/{event.slug}/notulen/{plenary.pk}/",
        "attendance": f"/e/{event.slug}/unit/kehadiran/?day=2030-03-05",
        "agenda-manage": f"/e/{event.slug}/agenda/manage/",
    }
    assert opening.pk
    with time_machine.travel(at(event, 0, "11:00"), tick=True):
        for size, (width, height) in SIZES.items():
            context, page = _signed_in(browser, live_server, org, width, height)
            for key, path in pages.items():
                page.goto(live_server.url + path)
                page.screenshot(path=f"{shots}/{key}-{size}.png", full_page=True)
            context.close()
