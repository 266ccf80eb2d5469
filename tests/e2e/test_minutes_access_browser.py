"""The final notula as a coordinator and as an organiser, on a phone and a laptop (issue 19, least data shown).

Screenshots go to $MINUTES_SCREENSHOTS (or the test's tmp folder).
"""

import os
import uuid

import pytest
from django.conf import settings
from django.test import Client

from attendance.models import CheckIn
from rakor.models import Unit
from attendance.models import OnlineAttendance
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, coordinator, organiser
from tests.minutes.factories_minutes import final_minutes, make_session, notulis

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("after_the_sessions")]


def signed_in_page(browser, live_server, user, width, height):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_final_minutes_as_coordinator_and_as_organiser(browser, live_server, tmp_path, settings):
    from playwright.sync_api import expect

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    shots = os.environ.get("MINUTES_SCREENSHOTS") or str(tmp_path)
    event = EventFactory(name="Rakorwas 2022")
    session = make_session(event, title="Pleno: penguatan SPIP dan manajemen risiko")
    aceh = UnitFactory(name="Kanwil Kemenag Provinsi Aceh", province="Aceh")
    banda = Unit.objects.create(name="Kankemenag Kota Banda Aceh", code="kk-banda", parent=aceh,
                                kind=Unit.Kind.DISTRICT, province="Aceh")
    bali = UnitFactory(name="Kanwil Kemenag Provinsi Bali", province="Bali")
    people = [(aceh, "Dr. H. Teuku Ahmad, M.Ag.", True), (banda, "Cut Nyak Dhien, S.Pd.", False),
              (aceh, "Ir. Zulkifli Hasan", True), (bali, "I Made Suardana, S.H.", True),
              (bali, "Ni Luh Putu Sari, M.M.", False), (bali, "I Wayan Gede Santika", True)]
    nips = []
    for unit, name, in_room in people:
        reg = RegistrationFactory(event=event, participant=ParticipantFactory(full_name=name, unit=unit,
                                                                              position="Kepala Bagian Tata Usaha"))
        nips.append(reg.participant.id_number)
        if in_room:
            CheckIn.objects.create(event=event, registration=reg, kind=CheckIn.Kind.ENTRY, day=session.day,
                                   session=session, scanned_at=session.start, nonce=uuid.uuid4(),
                                   result=CheckIn.Result.OK, gate="Pintu Ballroom")
        else:
            OnlineAttendance.objects.create(registration=reg, session=session, first_joined_at=session.start,
                                            heartbeat_minutes=95)
    org = organiser(first_name="Panitia")
    final_minutes(session, notulis(), org)
    readers = {"coordinator": coordinator(aceh, first_name="Koordinator"), "organiser": org}
    for who, user in readers.items():
        for width, height in ((390, 844), (1280, 720)):
            context, page = signed_in_page(browser, live_server, user, width, height)
            page.goto(f"{live_server.url}/e/{event.slug}/notulen/{session.pk}/")
            page.locator(".nt-attachment summary").click()
            attachment = page.locator(".nt-attachment")
            expect(attachment).to_contain_text("Cut Nyak Dhien, S.Pd.")
            text = attachment.inner_text()
            if who == "coordinator":
                assert not any(nip in page.content() for nip in nips)
                assert "I Made Suardana" not in text
                assert "Hanya peserta dari Kanwil Kemenag Provinsi Aceh dan unit di bawahnya: 3 dari 6 orang" in text
            else:
                assert all(nip in text for nip in nips)
                assert "I Made Suardana" in text
            wide = page.evaluate("""(w) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5)
                .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", width)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (who, width, wide)
            attachment.scroll_into_view_if_needed()
            page.screenshot(path=os.path.join(shots, f"minutes-{who}-{width}.png"), full_page=True)
            context.close()
