"""The front door, the landing per role after sign-in, and the organisers' event console (issue 12, items 1–2)."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from attendance.models import CheckIn, Registration
from rakor.models import Event
from tests.factories import EventFactory, RegistrationFactory, UnitFactory, UserFactory, coordinator, organiser, scanner
from tests.minutes.factories_minutes import notulis

pytestmark = pytest.mark.django_db
LANDING = "/akun/beranda/"


def today():
    return timezone.localdate()


def sign_in(client, user):
    response = client.post("/akun/masuk/", {"username": user.username, "password": "rahasia-uji-123"})
    assert response.status_code == 302
    return response


@pytest.fixture(autouse=True)
def _fast_hash(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def running():
    return EventFactory(slug="rakorwas-hari-ini", name="Rakorwas Hari Ini", start_date=today(),
                        end_date=today() + dt.timedelta(days=2))


def test_sign_in_goes_to_the_landing_then_each_role_to_its_work(client, running):
    EventFactory(slug="lama", start_date=today() - dt.timedelta(days=400), end_date=today() - dt.timedelta(days=398))
    unit = UnitFactory()
    expected = {
        "organiser": (organiser(), "/e/rakorwas-hari-ini/panitia/"),
        "scanner": (scanner(), "/e/rakorwas-hari-ini/scan/"),
        "coordinator": (coordinator(unit), "/e/rakorwas-hari-ini/unit/"),
        "notulis": (notulis(), "/notulen/"),
    }
    for role, (user, where) in expected.items():
        client.logout()
        assert sign_in(client, user)["Location"] == LANDING, role
        landed = client.get(LANDING)
        assert (role, landed.status_code, landed["Location"]) == (role, 302, where)
        assert client.get(where).status_code == 200, role  # never a 403


def test_several_events_today_offer_a_choice_to_the_organiser_and_the_desk(client, running):
    EventFactory(slug="rakernas", name="Rakernas Hari Ini", start_date=today(), end_date=today())
    client.force_login(organiser())
    page = client.get(LANDING).content.decode()
    assert re.findall(r'href="(/e/[^"]+/panitia/)"', page) == ["/e/rakorwas-hari-ini/panitia/", "/e/rakernas/panitia/"]
    client.force_login(scanner())
    page = client.get(LANDING).content.decode()
    assert re.findall(r'href="(/e/[^"]+/scan/)"', page) == ["/e/rakorwas-hari-ini/scan/", "/e/rakernas/scan/"]


def test_a_desk_operator_with_no_event_today_sees_a_list_not_a_403(client):
    EventFactory(slug="besok", name="Rakor Besok", start_date=today() + dt.timedelta(days=1),
                 end_date=today() + dt.timedelta(days=1))
    client.force_login(scanner())
    response = client.get(LANDING)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tidak ada acara yang berlangsung hari ini." in page
    assert 'href="/e/besok/scan/"' in page


def test_organiser_without_a_running_event_lands_on_the_next_one(client):
    EventFactory(slug="lalu", start_date=today() - dt.timedelta(days=30), end_date=today() - dt.timedelta(days=29))
    EventFactory(slug="nanti", start_date=today() + dt.timedelta(days=10), end_date=today() + dt.timedelta(days=12))
    EventFactory(slug="jauh", start_date=today() + dt.timedelta(days=90), end_date=today() + dt.timedelta(days=91))
    client.force_login(organiser())
    assert client.get(LANDING)["Location"] == "/e/nanti/panitia/"


def test_a_coordinator_with_several_events_lands_on_their_event_list(client, running):
    EventFactory(slug="rakernas", start_date=today(), end_date=today())
    client.force_login(coordinator(UnitFactory()))
    assert client.get(LANDING)["Location"] == reverse("attendance:coordinator_home")


def test_an_account_without_a_role_is_told_so_on_the_front_door(client, running):
    client.force_login(UserFactory())
    response = client.get(LANDING, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Akun Anda belum mendapat peran di Rakor." in response.content.decode()


def test_front_door_lists_open_events_and_recent_ones_with_their_links(client):
    EventFactory(slug="buka", name="Rakor Buka", start_date=today() + dt.timedelta(days=5),
                 end_date=today() + dt.timedelta(days=6))
    EventFactory(slug="tutup", name="Rakor Tutup", start_date=today() + dt.timedelta(days=5),
                 end_date=today() + dt.timedelta(days=6), registration_closes=timezone.now() - dt.timedelta(days=1))
    EventFactory(slug="rakorwas-2022", name="Rakorwas 2022", start_date=dt.date(2022, 11, 21),
                 end_date=dt.date(2022, 11, 23))
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    sections = re.split(r"<h2 id=", page)
    open_section = next(s for s in sections if s.startswith('"open"'))
    coming = next(s for s in sections if s.startswith('"coming"'))
    recent = next(s for s in sections if s.startswith('"recent"'))
    assert re.findall(r'<h3><a href="([^"]+)">([^<]+)</a>', open_section) == [("/e/buka/", "Rakor Buka")]
    assert 'href="/e/buka/register/"' in open_section
    assert re.findall(r'<h3><a href="([^"]+)">([^<]+)</a>', coming) == [("/e/tutup/", "Rakor Tutup")]
    assert "/e/tutup/register/" not in page
    assert re.findall(r'<h3><a href="([^"]+)">([^<]+)</a>', recent) == [("/e/rakorwas-2022/", "Rakorwas 2022")]


def test_front_door_with_no_events_says_so(client):
    page = client.get("/").content.decode()
    assert "Saat ini tidak ada acara yang membuka pendaftaran." in page
    assert "Belum ada acara yang selesai." in page


# ---------------------------------------------------------------- the event console


def test_console_shows_the_event_at_a_glance(client, running):
    import uuid

    from certificates.models import Certificate
    from minutes.models import Minutes
    from agenda.models import Session
    from tests.minutes.factories_minutes import make_session

    regs = [RegistrationFactory(event=running) for _ in range(3)]
    RegistrationFactory(event=running, status=Registration.Status.PENDING)
    RegistrationFactory(event=running, status=Registration.Status.CANCELLED)
    CheckIn.objects.create(event=running, registration=regs[0], kind=CheckIn.Kind.ENTRY, day=today(),
                           scanned_at=timezone.now(), nonce=uuid.uuid4(), result=CheckIn.Result.OK, gate="Lobi")
    live = make_session(running, title="Pembukaan")
    Session.objects.filter(pk=live.pk).update(status=Session.Status.LIVE)
    make_session(running, title="Pleno", hour=13)
    Minutes.objects.create(session=live, status=Minutes.Status.REVIEW)
    assert Certificate.objects.count() == 0
    client.force_login(organiser())

    response = client.get("/e/rakorwas-hari-ini/panitia/")

    page = response.content.decode()
    stats = dict((label, int(n)) for n, label in re.findall(
        r'<span class="n">(\d+)</span><span class="label">([^<]+)</span>', page))
    assert stats == {"terdaftar": 4, "menunggu persetujuan": 1, "hadir di lokasi hari ini": 1, "daring saat ini": 0,
                     "sesi sedang berlangsung": 1, "notulen menunggu pemeriksaan": 1, "sertifikat terbit": 0}
    assert "dari 2 sesi" in page


def test_console_navigation_reaches_every_tool_and_is_on_every_organiser_page(client, running):
    client.force_login(organiser())
    page = client.get("/e/rakorwas-hari-ini/panitia/").content.decode()
    nav = page[page.index('<nav class="console-nav"'):page.index("</nav>", page.index('<nav class="console-nav"'))]
    links = re.findall(r'<a[^>]* href="([^"]+)"', nav)
    slug = "rakorwas-hari-ini"
    assert links == [
        f"/e/{slug}/panitia/", f"/e/{slug}/panitia/undangan/", f"/e/{slug}/unit/", f"/e/{slug}/panitia/impor/",
        f"/e/{slug}/units/",
        f"/e/{slug}/agenda/manage/", f"/e/{slug}/devices/", f"/e/{slug}/scan/", f"/e/{slug}/dashboard/",
        f"/e/{slug}/tanya/", f"/e/{slug}/rekap/", f"/e/{slug}/notulen/", f"/e/{slug}/tindak-lanjut/",
        f"/e/{slug}/sertifikat/", f"/e/{slug}/panitia/evaluasi/", f"/e/{slug}/panitia/laporan/", f"/e/{slug}/audit/",
        f"/admin/rakor/event/{running.pk}/change/", "/akun/kunci/",
    ]
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.startswith("/e/") and not url.endswith("/scan/"):
            assert 'class="console-nav"' in response.content.decode(), url


def test_coordinators_do_not_see_the_console_navigation_nor_open_the_console(client, running):
    client.force_login(coordinator(UnitFactory()))
    assert 'class="console-nav"' not in client.get("/e/rakorwas-hari-ini/unit/").content.decode()
    assert client.get("/e/rakorwas-hari-ini/panitia/").status_code == 403
    assert client.get("/e/rakorwas-hari-ini/panitia/impor/").status_code == 403


# ---------------------------------------------------------------- import from the console


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["nama", "jenis_identitas", "nip", "jabatan", "pangkat_golongan", "unit", "email", "whatsapp",
                  "peran", "hari_1", "hari_2", "hari_3"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "peserta.xlsx"
    return buffer


def test_import_in_the_console_dry_runs_then_imports_with_its_steps(client, running):
    from tests.factories import valid_nip

    UnitFactory(code="kanwil-jabar", name="Kanwil Kemenag Provinsi Jawa Barat")
    client.force_login(organiser())
    url = "/e/rakorwas-hari-ini/panitia/impor/"
    first = client.get(url).content.decode()
    assert '<li aria-current="step">Unggah berkas</li>' in first
    assert f'<option value="{running.pk}" selected>' in first

    rows = [["Dr. H. Ahmad Fauzi, M.Ag.", "nip", valid_nip(), "Kabag TU", "Pembina (IV/a)", "kanwil-jabar",
             "ahmad@kemenag.go.id", "", "peserta", "luring", "daring", "daring"]]
    checked = client.post(url, {"event": running.pk, "file": workbook(rows)})
    page = checked.content.decode()
    assert '<li aria-current="step">Periksa hasil uji coba</li>' in page
    assert "Hasil uji coba (belum ada yang disimpan)" in page
    assert Registration.objects.filter(event=running).count() == 0
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)

    done = client.post(url, {"token": token, "apply": "1"}).content.decode()

    assert '<li aria-current="step">Impor selesai</li>' in done
    assert Registration.objects.filter(event=running).count() == 1
    assert 'class="console-nav"' in done
    # The back office's page keeps working.
    assert "Uji coba" in client.get(reverse("admin:attendance_registration_import")).content.decode()


def test_event_list_for_organisers(client, running):
    client.force_login(organiser())
    page = client.get("/panitia/").content.decode()
    assert 'href="/e/rakorwas-hari-ini/panitia/"' in page
    assert Event.objects.count() == 1
