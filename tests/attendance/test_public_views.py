"""Public event page and self-registration (issue "Registration and QR tickets")."""

import datetime as dt
import html
import re

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from attendance.forms import CONSENT_TEXT
from attendance.models import Participant, Registration, RegistrationDay
from rakor.models import Unit
from tests.factories import (
    EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory, UnitQuotaFactory, valid_nip,
)

pytestmark = pytest.mark.django_db

IN_PERSON, ONLINE = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE


def field_errors(content: bytes, name: str) -> list[str]:
    """The error messages shown next to one field (the <ul id="id_<name>-err">)."""
    match = re.search(rf'<ul class="errors" id="id_{name}-err">(.*?)</ul>', content.decode(), re.S)
    if not match:
        return []
    return [html.unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The empty registration form is a cached fragment; start each test without one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 23),
                        name="Rapat Koordinasi Pengawasan 2030")


@pytest.fixture
def unit():
    return UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Barat")


def form_data(unit, **overrides):
    data = {
        "full_name": "Dr. H. Ahmad Fauzi, M.Ag.", "id_kind": "nip", "id_number": valid_nip(),
        "position": "Kepala Bagian Tata Usaha", "rank": "Pembina (IV/a)", "unit": str(unit.pk),
        "email": "ahmad.fauzi@kemenag.go.id", "whatsapp": "081234567890",
        "day_0": IN_PERSON, "day_1": ONLINE, "day_2": ONLINE, "consent": "on",
    }
    data.update(overrides)
    return data


def register_url(event):
    return f"/e/{event.slug}/register/"


# ---------------------------------------------------------------- event page


def test_event_page_shows_the_event_and_help_lines(client, event):
    event.organiser_unit = UnitFactory(name="Inspektorat Jenderal", kind=Unit.Kind.ECHELON_I)
    event.save()
    response = client.get(f"/e/{event.slug}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Rapat Koordinasi Pengawasan 2030</h1>" in text
    assert "Transformasi Inspektorat Jenderal Menjadi Organisasi yang Adaptif dan Agile" in text
    assert "21 November 2030 – 23 November 2030" in text
    assert "Kamis, 21 November 2030" in text
    assert "Hotel Novotel Mangga Dua, Jakarta" in text
    assert "Inspektorat Jenderal</dd>" in text
    assert "Pendaftaran dibuka." in text
    assert f'href="/e/{event.slug}/register/">Daftar</a>' in text
    assert 'href="https://wa.me/6281234567801?text=' in text
    assert 'href="https://wa.me/6281234567802?text=' in text
    assert "<strong>WA Layanan</strong>" in text and "<strong>WA Pengaduan</strong>" in text


def test_event_page_when_registration_closed_has_no_button(client, event):
    event.registration_closes = timezone.now() - dt.timedelta(hours=1)
    event.save()
    text = client.get(f"/e/{event.slug}/").content.decode()
    assert "Pendaftaran sudah ditutup." in text
    assert ">Daftar</a>" not in text


def test_event_page_unknown_event_is_404(client):
    assert client.get("/e/tidak-ada/").status_code == 404


# ---------------------------------------------------------------- language


def test_register_page_is_in_indonesian_by_default(client, event, unit):
    text = client.get(register_url(event)).content.decode()
    assert '<html lang="id">' in text
    assert "<h1>Pendaftaran peserta</h1>" in text
    assert "Kirim pendaftaran" in text
    assert '<button name="language" value="en" lang="en">English</button>' in text


def test_language_switch_works_without_javascript(client, event, unit):
    response = client.post("/i18n/setlang/", {"language": "en", "next": register_url(event)})
    assert response.status_code == 302
    assert response["Location"] == register_url(event)
    text = client.get(register_url(event)).content.decode()
    assert '<html lang="en">' in text
    assert '<button name="language" value="id" lang="id">Bahasa Indonesia</button>' in text


# ---------------------------------------------------------------- successful registration


def test_successful_registration_creates_one_set_and_one_email(client, event, unit, django_capture_on_commit_callbacks):
    nip = valid_nip()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(event), form_data(unit, id_number=nip))
    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/{registration.portal_secret}/"
    assert Participant.objects.count() == 1
    assert registration.participant.id_number == nip
    assert registration.participant.whatsapp == "+6281234567890"
    assert registration.channel == Registration.Channel.SELF
    assert registration.consent_text == str(CONSENT_TEXT)
    assert registration.consent_at is not None
    assert list(registration.days.values_list("date", "mode")) == [
        (dt.date(2030, 11, 21), IN_PERSON), (dt.date(2030, 11, 22), ONLINE), (dt.date(2030, 11, 23), ONLINE),
    ]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ahmad.fauzi@kemenag.go.id"]
    assert registration.portal_url in mail.outbox[0].body
    assert "Rapat Koordinasi Pengawasan 2030" in mail.outbox[0].body
    assert "WA Layanan: +6281234567801" in mail.outbox[0].body
    assert registration.portal_url in mail.outbox[0].alternatives[0][0]


def test_after_registration_the_portal_shows_a_one_time_banner(client, event, unit):
    response = client.post(register_url(event), form_data(unit), follow=True)
    text = html.unescape(response.content.decode())
    banner = ("Pendaftaran berhasil. Simpan (bookmark) halaman ini: inilah tautan pribadi Anda untuk tiket, "
              "agenda dan sertifikat. Tautan yang sama dikirim ke ahmad.fauzi@kemenag.go.id.")
    assert banner in text
    assert "Dr. H. Ahmad Fauzi, M.Ag." in text
    again = html.unescape(client.get(response.redirect_chain[-1][0]).content.decode())
    assert banner not in again


def test_registration_without_email_says_the_link_was_not_sent(client, event, unit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(event), form_data(unit, email=""), follow=True)
    assert "Anda tidak mengisi e-mail, jadi tautan ini tidak dikirim" in response.content.decode()
    assert mail.outbox == []


def test_registration_needing_approval_is_pending(client, event, unit):
    event.requires_approval = True
    event.save()
    client.post(register_url(event), form_data(unit))
    assert Registration.objects.get().status == Registration.Status.PENDING


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "nip, message",
    [
        ("197802302003121003", 'Tanggal lahir (digit 1–8, "19780230") bukan tanggal yang benar.'),
        ("197805122003123003", 'Digit jenis kelamin (digit 15, "3") harus 1 (laki-laki) atau 2 (perempuan).'),
        ("19780512200312100", "NIP harus 18 digit; yang diisi 17 digit."),
        ("1978051220031210034", "NIP harus 18 digit; yang diisi 19 digit."),
        ("19780512200312100A", "NIP hanya boleh berisi angka; ditemukan: 'A'."),
    ],
)
def test_wrong_nip_is_shown_next_to_the_field_naming_the_part(client, event, unit, nip, message):
    response = client.post(register_url(event), form_data(unit, id_number=nip))
    assert response.status_code == 200
    assert field_errors(response.content, "id_number") == [message]
    assert "Pendaftaran belum tersimpan. Periksa isian yang ditandai di bawah." in response.content.decode()
    assert Registration.objects.count() == 0
    assert mail.outbox == []


def test_nothing_typed_is_lost_on_an_error(client, event, unit):
    UnitFactory(name="Unit Lain")
    data = form_data(unit, id_number="197802302003121003", day_0=ONLINE, day_2=IN_PERSON)
    text = client.post(register_url(event), data).content.decode()
    assert 'value="Dr. H. Ahmad Fauzi, M.Ag."' in text
    assert 'value="197802302003121003"' in text
    assert 'value="Kepala Bagian Tata Usaha"' in text
    assert 'value="Pembina (IV/a)"' in text
    assert 'value="ahmad.fauzi@kemenag.go.id"' in text
    assert 'value="081234567890"' in text
    # The unit picker's option carries its search text (rakor.widgets.UnitPicker) before "selected".
    assert re.search(rf'<option value="{unit.pk}"[^>]* selected>Kantor Wilayah Kementerian Agama Provinsi Jawa Barat'
                     r'</option>', text)
    assert re.search(r'name="day_0" value="online"[^>]*checked', text)
    assert re.search(r'name="day_1" value="online"[^>]*checked', text)
    assert re.search(r'name="day_2" value="in_person"[^>]*checked', text)
    assert re.search(r'name="consent"[^>]*checked', text)


def test_missing_consent_is_refused(client, event, unit):
    data = form_data(unit)
    del data["consent"]
    response = client.post(register_url(event), data)
    assert field_errors(response.content, "consent") == ["Persetujuan pengolahan data pribadi diperlukan untuk mendaftar."]
    assert Registration.objects.count() == 0


def test_same_nip_twice_shows_the_duplicate_message_and_keeps_one_row(client, event, unit,
                                                                     django_capture_on_commit_callbacks):
    nip = valid_nip()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(event), form_data(unit, id_number=nip))
        response = client.post(register_url(event), form_data(unit, id_number=nip, email="lain@kemenag.go.id"))
    assert response.status_code == 200
    # The message does not name the person: whoever types a NIP must not learn who it belongs to.
    assert field_errors(response.content, "id_number") == [
        "Nomor identitas atau e-mail ini sudah terdaftar di acara ini. Buka tautan portal yang sudah dikirim ke "
        "e-mail/WhatsApp pemiliknya, atau hubungi panitia bila tautan hilang."
    ]
    assert Registration.objects.count() == 1
    assert Participant.objects.count() == 1
    assert len(mail.outbox) == 1


def test_quota_exceeded_names_the_unit_and_its_quota_next_to_the_day(client, event, unit):
    UnitQuotaFactory(event=event, unit=unit, in_person_seats=1)
    RegistrationFactory(event=event, participant=ParticipantFactory(unit=unit), modes=[IN_PERSON, ONLINE, ONLINE])
    response = client.post(register_url(event), form_data(unit))
    assert field_errors(response.content, "day_0") == [
        "Kuota luring Kantor Wilayah Kementerian Agama Provinsi Jawa Barat (1 kursi) sudah penuh untuk "
        "Kamis, 21 November 2030: 1 kursi sudah terpakai. Pilih daring untuk hari itu atau hubungi panitia."
    ]
    assert Registration.objects.count() == 1


def test_closed_registration_shows_a_message_and_no_form(client, event, unit):
    event.registration_closes = timezone.now() - dt.timedelta(minutes=1)
    event.save()
    text = client.get(register_url(event)).content.decode()
    assert "<h2>Pendaftaran sudah ditutup</h2>" in text
    assert 'id="register-form"' not in text
    response = client.post(register_url(event), form_data(unit))
    assert response.status_code == 200
    assert Registration.objects.count() == 0


def test_registration_not_yet_open_says_when_it_opens(client, event, unit):
    event.registration_opens = dt.datetime(2030, 1, 2, 1, 0, tzinfo=dt.timezone.utc)
    event.save()
    text = client.get(register_url(event)).content.decode()
    assert "<h2>Pendaftaran belum dibuka</h2>" in text
    assert "Pendaftaran dibuka Rabu, 2 Januari 2030 08:00 WIB." in text
    assert 'id="register-form"' not in text


# ---------------------------------------------------------------- small and fast on a phone


def test_form_is_a_plain_post_that_works_without_javascript(client, event, unit):
    text = client.get(register_url(event)).content.decode()
    assert '<form method="post" action="" class="register" id="register-form" novalidate>' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert '<button type="submit" class="button big">Kirim pendaftaran</button>' in text
    # The inline check is deferred progressive enhancement, never required.
    assert '<script src="/static/rakor/register.js" defer></script>' in text


def _linked_assets(text: str) -> list[str]:
    return re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', text)


def test_register_page_with_the_whole_unit_tree_is_under_100_kb(client, event):
    parent = UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Jawa Tengah")
    Unit.objects.bulk_create([
        Unit(name=f"Kantor Kementerian Agama Kabupaten Contoh Nomor {i}", code=f"kab-{i}",
             kind=Unit.Kind.DISTRICT, parent=parent, path=f"{parent.path}x{i}/")
        for i in range(600)
    ])
    response = client.get(register_url(event))
    text = response.content.decode()
    assets = _linked_assets(text)
    assert sorted(assets) == ["rakor/register.js", "rakor/site.css", "rakor/unit-picker.js"]
    total = len(response.content) + sum(len(open(finders.find(a), "rb").read()) for a in assets)
    assert text.count("<option") == 602
    assert total < 100 * 1024


def test_register_page_queries_do_not_grow_with_units(client, event, django_assert_num_queries):
    UnitFactory()
    with django_assert_num_queries(2):  # the event with the unit tree version; the units
        client.get(register_url(event))
    cache.clear()
    for i in range(5):
        UnitFactory()
    with django_assert_num_queries(2):
        client.get(register_url(event))
    # Next visits: event and form from the cache, no database at all.
    with django_assert_num_queries(0):
        client.get(register_url(event))


def test_a_new_unit_appears_once_the_event_cache_expires(client, event, unit, monkeypatch):
    from attendance.views import public as views_public

    assert "Kantor Kementerian Agama Kota Baru" not in client.get(register_url(event)).content.decode()
    UnitFactory(name="Kantor Kementerian Agama Kota Baru", kind=Unit.Kind.DISTRICT)
    # Within REGISTER_EVENT_CACHE_SECONDS the page may still show the old list...
    assert "Kantor Kementerian Agama Kota Baru" not in client.get(register_url(event)).content.decode()
    # ...after it, the unit count changes the form's cache key: the new unit shows at once.
    cache.delete(f"rakor:register-event:{event.slug}")
    assert "Kantor Kementerian Agama Kota Baru" in client.get(register_url(event)).content.decode()


def test_closing_registration_is_never_bypassed_by_the_cache(client, event, unit):
    client.get(register_url(event))  # event cached as open
    event.registration_closes = timezone.now() - dt.timedelta(minutes=1)
    event.save()
    response = client.post(register_url(event), form_data(unit))
    assert "<h2>Pendaftaran sudah ditutup</h2>" in response.content.decode()
    assert Registration.objects.count() == 0


def test_cached_form_follows_the_language(client, event, unit):
    client.get(register_url(event))
    client.post("/i18n/setlang/", {"language": "en", "next": register_url(event)})
    text = client.get(register_url(event)).content.decode()
    assert '<html lang="en">' in text
    assert 'id="id_full_name"' in text


def test_known_nip_with_other_contact_does_not_reveal_the_portal(client, django_capture_on_commit_callbacks):
    """Typing someone else's NIP must not hand over their ticket: the link goes to the contact on record."""
    from attendance.models import Participant, Registration
    from tests.factories import EventFactory, ParticipantFactory, UnitFactory

    unit = UnitFactory()
    owner = ParticipantFactory(unit=unit, email="pemilik@kemenag.go.id", whatsapp="+6281234567890")
    event = EventFactory()
    data = {"full_name": "Orang Lain", "id_kind": "nip", "id_number": owner.id_number, "unit": unit.pk,
            "email": "penyusup@contoh.id", "whatsapp": "", "consent": "on",
            **{f"day_{i}": "online" for i in range(len(event.days))}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/e/{event.slug}/register/", data, follow=True)
    registration = Registration.objects.get(event=event)
    assert registration.portal_secret not in response.content.decode()
    assert response.redirect_chain[-1][0] == f"/e/{event.slug}/"
    assert [str(m) for m in response.context["messages"]] == [
        "Pendaftaran Anda tersimpan. NIP ini sudah tercatat dengan kontak lain, jadi demi keamanan tautan portal dan "
        "tiket hanya dikirim ke kontak yang tercatat (pe***@kemenag.go.id). Bila kontak itu tidak lagi Anda gunakan, "
        "hubungi WA Layanan panitia."]
    assert Participant.objects.get().email == "pemilik@kemenag.go.id"
    from django.core import mail

    assert [m.to for m in mail.outbox] == [["pemilik@kemenag.go.id"]]


def test_cached_register_page_gives_each_visitor_a_working_csrf_token():
    """The page is cached for first visits; the CSRF token in it must still be each visitor's own."""
    import re

    from django.test import Client

    from attendance.models import Registration
    from tests.factories import EventFactory, UnitFactory

    event, unit = EventFactory(), UnitFactory()
    tokens = []
    for n in range(2):
        browser = Client(enforce_csrf_checks=True)
        html = browser.get(f"/e/{event.slug}/register/").content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        data = {"csrfmiddlewaretoken": token, "full_name": f"Peserta {n}", "id_kind": "other", "id_number": f"TAMU-{n}",
                "unit": unit.pk, "email": f"tamu{n}@contoh.id", "consent": "on",
                **{f"day_{i}": "online" for i in range(len(event.days))}}
        assert browser.post(f"/e/{event.slug}/register/", data).status_code == 302
    assert tokens[0] != tokens[1]
    assert "__rakor_csrf_token__" not in html
    assert Registration.objects.filter(event=event).count() == 2
