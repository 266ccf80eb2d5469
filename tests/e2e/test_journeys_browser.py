"""Issue 12: each role signs in and lands on its work; no participant, desk or coordinator page scrolls
sideways at 390 px; the projector dashboard's tables do not overlap at 1280×720 and 1920×1080.

Screenshots go to $JOURNEYS_SCREENSHOTS (or the test's tmp folder).
"""

import datetime as dt
import os
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from attendance.models import CheckIn, CheckInWindow, Registration
from rakor.models import Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, coordinator, organiser,
    scanner,
)
from tests.minutes.factories_minutes import make_session, notulis

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_UNIT = "Kantor Kementerian Agama Kabupaten Kepulauan Siau Tagulandang Biaro Provinsi Sulawesi Utara"


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    today = timezone.localdate()
    event = EventFactory(slug="rakorwas-uji", name="Rapat Koordinasi Pengawasan (Rakorwas) Uji Tampilan",
                         start_date=today, end_date=today + dt.timedelta(days=2))
    for day in event.days:
        CheckInWindow.objects.create(event=event, date=day, opens=dt.time(0, 0), closes=dt.time(23, 59, 59))
    kanwil = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Sulawesi Utara", province="Sulawesi Utara")
    district = Unit.objects.create(name=LONG_UNIT, code="kk-sitaro", parent=kanwil, kind=Unit.Kind.DISTRICT,
                                   province="Sulawesi Utara")
    UnitQuotaFactory(event=event, unit=kanwil, in_person_seats=5)
    regs = []
    for i in range(12):
        unit = district if i % 2 else kanwil
        regs.append(RegistrationFactory(event=event, participant=ParticipantFactory(
            unit=unit, full_name=f"Dr. H. Muhammad Abdurrahman Wahid Kusumanegara {i}, S.Ag., M.Pd.I.",
            email=f"peserta.dengan.alamat.yang.panjang.sekali{i}@kemenag.go.id")))
    RegistrationFactory(event=event, status=Registration.Status.PENDING,
                        participant=ParticipantFactory(unit=district))
    for reg in regs[:8]:
        CheckIn.objects.create(event=event, registration=reg, kind=CheckIn.Kind.ENTRY, day=today,
                               scanned_at=timezone.now(), nonce=uuid.uuid4(), result=CheckIn.Result.OK,
                               gate="Meja Registrasi 1 Lobi Ballroom Utama")
    session = make_session(event, title="Pleno: penguatan sistem pengendalian intern pemerintah dan manajemen risiko")
    session.stream_url = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    session.meeting_url = "https://zoom.example/j/81234567890"
    session.save()
    users = {"organiser": organiser(username="panitia"), "scanner": scanner(username="petugas"),
             "coordinator": coordinator(kanwil, username="koordinator"), "notulis": notulis(username="notulis")}
    return {"event": event, "regs": regs, "users": users, "kanwil": kanwil, "session": session}


def shots_dir(tmp_path) -> str:
    path = os.environ.get("JOURNEYS_SCREENSHOTS") or str(tmp_path)
    os.makedirs(path, exist_ok=True)
    return path


def signed_in(browser, live_server, user, width, height):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    if user is not None:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_each_role_signs_in_and_lands_on_its_work(browser, live_server, world, tmp_path):
    slug = world["event"].slug
    expected = {
        "organiser": (f"/e/{slug}/panitia/", "Konsol acara"),
        "scanner": (f"/e/{slug}/scan/", None),
        "coordinator": (f"/e/{slug}/unit/", None),
        "notulis": ("/notulen/", None),
    }
    shots = shots_dir(tmp_path)
    for role, (path, heading) in expected.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Masuk untuk panitia, koordinator unit, petugas registrasi, dan notulis").click()
        page.fill("input[name=username]", world["users"][role].username)
        page.fill("input[name=password]", "rahasia-uji-123")
        response_status = []
        page.on("response", lambda r, seen=response_status: seen.append(r.status)
                if r.request.resource_type == "document" else None)
        page.locator("main form button").click()
        page.wait_for_url(f"{live_server.url}{path}")
        assert 403 not in response_status, role
        if heading:
            assert page.locator("h1").first.inner_text() == heading
        page.screenshot(path=os.path.join(shots, f"landing-{role}-390.png"), full_page=True)
        context.close()


def _pages(world) -> dict:
    event, reg, session = world["event"], world["regs"][1], world["session"]
    secret = reg.portal_secret
    return {
        "participant": [None, [
            "/", f"/e/{event.slug}/", f"/e/{event.slug}/register/", f"/t/{secret}/", f"/t/{secret}/data/",
            f"/t/{secret}/data/delete/", f"/t/{secret}/join/{session.pk}/?stream=1", "/v/", "/tidak-ada/",
        ]],
        "desk": [world["users"]["scanner"], ["/akun/beranda/", f"/e/{event.slug}/scan/"]],
        "coordinator": [world["users"]["coordinator"], [
            "/koordinator/", f"/e/{event.slug}/unit/", f"/e/{event.slug}/unit/kehadiran/",
            f"/e/{event.slug}/unit/add/", f"/e/{event.slug}/units/", f"/e/{event.slug}/rekap/",
            f"/e/{event.slug}/tindak-lanjut/", f"/e/{event.slug}/notulen/",
        ]],
        "organiser": [world["users"]["organiser"], [
            f"/e/{event.slug}/panitia/", f"/e/{event.slug}/panitia/impor/", f"/e/{event.slug}/audit/",
            f"/e/{event.slug}/dashboard/",
        ]],
    }


WIDE = """(w) => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 0.5)
    .slice(0, 6).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def test_no_page_of_the_journeys_scrolls_sideways_on_a_phone(browser, live_server, world, tmp_path):
    from agenda.models import Session

    Session.objects.filter(pk=world["session"].pk).update(status=Session.Status.LIVE)
    shots = shots_dir(tmp_path)
    problems = []
    for who, (user, paths) in _pages(world).items():
        client = Client()
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", is_mobile=True,
                                      has_touch=True)
        if user is not None:
            client.force_login(user)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                  "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                  "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        for n, path in enumerate(paths):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                problems.append((who, path, width, page.evaluate(WIDE, 390)))
            page.screenshot(path=os.path.join(shots, f"phone-{who}-{n}.png"), full_page=True)
        context.close()
    assert problems == []


def _boxes(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.grid > section')].map(s => {
        const r = s.querySelector('table').getBoundingClientRect();
        return [s.querySelector('h2').textContent, [r.left, r.top, r.right, r.bottom]];
    }))""")


def _overlap(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


@pytest.mark.parametrize("width,height", [(1280, 720), (1920, 1080)])
def test_dashboard_tables_do_not_overlap_on_a_projector(browser, live_server, world, tmp_path, width, height):
    context, page = signed_in(browser, live_server, world["users"]["organiser"], width, height)
    page.goto(f"{live_server.url}/e/{world['event'].slug}/dashboard/")
    page.wait_for_selector("#per-unit tr")
    boxes = _boxes(page)
    assert sorted(boxes) == ["Kedatangan terakhir", "Per provinsi", "Per unit"]
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not _overlap(boxes[a], boxes[b]), (a, boxes[a], b, boxes[b])
    for name, (left, _top, right, _bottom) in boxes.items():
        assert left >= 0 and right <= width, (name, left, right)  # nothing cut off at the sides
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The chart keeps its labels: the axis times are drawn as text.
    assert page.locator("#arrivals-chart svg text").count() >= 3
    page.screenshot(path=os.path.join(shots_dir(tmp_path), f"dashboard-{width}.png"))
    context.close()
