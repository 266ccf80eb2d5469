"""The personal portal /t/<secret>/: ticket, QR, PDF, personal data, deletion request, guessing."""

import datetime as dt
import html
import io
import json

import pytest
from django.core.cache import cache
from django.utils import timezone
from pypdf import PdfReader

from attendance.models import DataRequest, Registration, RegistrationDay
from rakor.signing import parse_ticket, verify_ticket
from tests.factories import EventFactory, ParticipantFactory, RegistrationFactory, UnitFactory

pytestmark = pytest.mark.django_db

IN_PERSON, ONLINE = RegistrationDay.Mode.IN_PERSON, RegistrationDay.Mode.ONLINE


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registration():
    event = EventFactory(name="Rapat Koordinasi Pengawasan 2030", start_date=dt.date(2030, 11, 21),
                         end_date=dt.date(2030, 11, 22))
    participant = ParticipantFactory(
        full_name="Dra. Hj. Siti Aminah, M.Pd.",
        unit=UnitFactory(name="Kantor Wilayah Kementerian Agama Provinsi Banten"),
        email="siti.aminah@kemenag.go.id",
    )
    return RegistrationFactory(event=event, participant=participant, modes=[IN_PERSON, ONLINE])


def page(client, url):
    response = client.get(url)
    return response, html.unescape(response.content.decode())


def test_approved_portal_shows_person_days_qr_and_ticket(client, registration):
    response, text = page(client, registration.portal_path)
    assert response.status_code == 200
    assert '<h1 class="person">Dra. Hj. Siti Aminah, M.Pd.</h1>' in text
    assert "Kantor Wilayah Kementerian Agama Provinsi Banten" in text
    assert "<dt>Peran</dt><dd>Peserta</dd>" in text
    assert "<span>Kamis, 21 November 2030</span> <strong class=\"mode-in_person\">Luring (hadir di tempat)</strong>" in text
    assert "<span>Jumat, 22 November 2030</span> <strong class=\"mode-online\">Daring (online)</strong>" in text
    assert '<span class="badge">Disetujui</span>' in text
    # The browser draws the QR from the payload (issue 15, tests/e2e/test_portal_qr_browser.py); without
    # scripts the page shows its own image, /t/<secret>/qr.svg (test_portal_cache.py).
    assert f'<div class="qr-box" data-qr-ticket="{registration.ticket}"' in text
    assert f'<noscript><img class="qr" src="/t/{registration.portal_secret}/qr.svg" alt="Kode QR tiket"' in text
    assert '<script src="/static/rakor/vendor/qrcode.js" defer></script>' in text
    assert '<script src="/static/rakor/portal-qr.js" defer></script>' in text
    qr = client.get(registration.portal_path + "qr.svg").content.decode()
    assert qr.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox=') and 'class="qr"><path' in qr
    assert f">{registration.ticket}</textarea>" in text
    assert f'href="/t/{registration.portal_secret}/qr.png"' in text
    assert f'href="/t/{registration.portal_secret}/ticket.pdf"' in text
    assert 'href="https://wa.me/6281234567801?text=' in text
    assert 'href="https://wa.me/6281234567802?text=' in text
    assert '<meta name="robots" content="noindex, nofollow">' in text


def test_ticket_string_verifies_and_a_changed_character_does_not(registration):
    ticket = registration.ticket
    public_key = registration.event.public_key
    parsed = parse_ticket(ticket)
    assert parsed.public_id == registration.public_id
    assert parsed.event_slug == registration.event.slug
    assert verify_ticket(parsed, public_key=public_key) is True
    position = len(ticket.split(".")[0]) + len(registration.event.slug) + 3  # inside the public id
    forged = ticket[:position] + ("A" if ticket[position] != "A" else "B") + ticket[position + 1:]
    assert verify_ticket(parse_ticket(forged), public_key=public_key) is False


def test_portal_pages_are_private_and_send_no_referrer(client, registration):
    base = registration.portal_path
    for suffix in ("", "qr.svg", "qr.png", "ticket.pdf", "data/", "data/json/", "data/delete/"):
        response = client.get(base + suffix)
        assert response.status_code == 200, suffix
        # The page revalidates with its ETag, the QR image is immutable for its ticket (issue 15): private both.
        assert response["Cache-Control"] == {"": "private, no-cache", "qr.svg": "private, max-age=31536000, immutable"}.get(
            suffix, "private, no-store"), suffix
        assert response["Referrer-Policy"] == "same-origin", suffix


def test_pending_portal_explains_and_shows_no_ticket(client, registration):
    registration.status = Registration.Status.PENDING
    registration.save()
    response, text = page(client, registration.portal_path)
    assert '<span class="badge">Menunggu persetujuan</span>' in text
    assert "sedang menunggu persetujuan panitia atau koordinator unit" in text
    assert "Tiket QR muncul di sini setelah pendaftaran Anda disetujui." in text
    assert "<svg" not in text and "qr.svg" not in text
    assert "data-qr-ticket" not in text and "portal-qr.js" not in text
    assert registration.ticket not in text
    assert client.get(registration.portal_path + "qr.png").status_code == 404
    assert client.get(registration.portal_path + "qr.svg").status_code == 404
    assert client.get(registration.portal_path + "ticket.pdf").status_code == 404


@pytest.mark.parametrize("status, label", [("rejected", "Ditolak"), ("cancelled", "Dibatalkan")])
def test_rejected_or_cancelled_portal_shows_the_reason(client, registration, status, label):
    registration.status = status
    registration.status_reason = "Kuota provinsi sudah penuh; silakan ikut daring."
    registration.save()
    _response, text = page(client, registration.portal_path)
    assert f'<span class="badge">{label}</span>' in text
    assert '<strong class="reason">Kuota provinsi sudah penuh; silakan ikut daring.</strong>' in text
    assert "<svg" not in text and "qr.svg" not in text


def test_revoked_ticket_shows_no_qr(client, registration):
    registration.ticket_revoked_at = timezone.now()
    registration.save()
    _response, text = page(client, registration.portal_path)
    assert "Tiket Anda dicabut oleh panitia pada" in text
    assert "<svg" not in text and "qr.svg" not in text
    assert client.get(registration.portal_path + "qr.png").status_code == 404
    assert client.get(registration.portal_path + "qr.svg").status_code == 404


def test_qr_png(client, registration):
    response = client.get(registration.portal_path + "qr.png")
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_ticket_pdf_is_a6_with_name_and_ticket(client, registration):
    response = client.get(registration.portal_path + "ticket.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response.content[:4] == b"%PDF"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (105, 148)
    text = reader.pages[0].extract_text()
    assert "Dra. Hj. Siti Aminah, M.Pd." in text
    assert "Kantor Wilayah Kementerian Agama Provinsi Banten" in text
    assert "Rapat Koordinasi Pengawasan 2030" in text
    assert "Luring (hadir di tempat)" in text


def test_data_page_shows_own_data_and_never_another_participants(client, registration):
    other = RegistrationFactory(event=registration.event, participant=ParticipantFactory(
        full_name="Drs. Bambang Sutrisno", email="bambang@kemenag.go.id"))
    registration.consent_text = "Saya menyetujui pengolahan data pribadi saya."
    registration.consent_version = "2022-11-01"
    registration.consent_at = dt.datetime(2030, 11, 1, 3, 4, 5, tzinfo=dt.timezone.utc)
    registration.save()
    _response, text = page(client, registration.portal_path + "data/")
    p = registration.participant
    assert "<dt>Nama lengkap dan gelar</dt><dd>Dra. Hj. Siti Aminah, M.Pd.</dd>" in text
    assert f"<dt>Nomor identitas</dt><dd>{p.id_number}</dd>" in text
    assert "<dt>E-mail</dt><dd>siti.aminah@kemenag.go.id</dd>" in text
    assert "<dt>Nomor WhatsApp</dt><dd>+6281234567890</dd>" in text
    assert "Saya menyetujui pengolahan data pribadi saya." in text
    assert "Diberikan pada 1 November 2030 10:04:05 WIB (versi 2022-11-01)." in text
    assert "Kamis, 21 November 2030: Luring (hadir di tempat)" in text
    assert "Bambang" not in text
    assert other.participant.id_number not in text
    assert other.portal_secret not in text


def test_data_json_download_holds_only_this_person(client, registration):
    other = RegistrationFactory(event=registration.event)
    response = client.get(registration.portal_path + "data/json/")
    assert response["Content-Disposition"] == f'attachment; filename="data-saya-{registration.event.slug}.json"'
    data = json.loads(response.content)
    assert data["participant"]["full_name"] == "Dra. Hj. Siti Aminah, M.Pd."
    assert data["participant"]["id_number"] == registration.participant.id_number
    assert data["registration"]["public_id"] == registration.public_id
    assert [d["date"] for d in data["registration"]["days"]] == ["2030-11-21", "2030-11-22"]
    assert other.participant.full_name not in response.content.decode()
    assert other.portal_secret not in response.content.decode()


def test_data_json_lists_other_events_without_their_links(client, registration):
    elsewhere = RegistrationFactory(participant=registration.participant)
    data = json.loads(client.get(registration.portal_path + "data/json/").content)
    assert [r["event"] for r in data["other_registrations"]] == [elsewhere.event.name]
    assert elsewhere.portal_secret not in json.dumps(data)


def test_delete_request_needs_confirmation_then_is_recorded(client, registration):
    url = registration.portal_path + "data/delete/"
    response = client.post(url, {"reason": "Saya pindah tugas."})
    assert response.status_code == 200
    assert "Centang pernyataan ini untuk mengajukan penghapusan." in response.content.decode()
    assert DataRequest.objects.count() == 0

    response = client.post(url, {"confirm": "on", "reason": "Saya pindah tugas."}, follow=True)
    text = html.unescape(response.content.decode())
    request = DataRequest.objects.get()
    assert request.participant == registration.participant
    assert request.registration == registration
    assert request.reason == "Saya pindah tugas."
    assert request.status == DataRequest.Status.OPEN
    assert "Permintaan penghapusan data Anda sudah dicatat. Panitia akan memprosesnya." in text
    assert "Permintaan Anda tercatat pada" in text
    assert "Ajukan penghapusan data" not in text

    client.post(url, {"confirm": "on"})
    assert DataRequest.objects.count() == 1


def test_unknown_secret_is_the_ordinary_404(client, registration):
    response = client.get("/t/bukan-rahasia-yang-benar/")
    ordinary = client.get("/halaman-yang-tidak-ada/")
    assert response.status_code == 404
    assert response.content == ordinary.content
    assert response["Cache-Control"] == "private, no-store"


def test_guessing_secrets_is_blocked_for_the_whole_window(client, registration, settings):
    settings.PORTAL_GUESS_LIMIT = 3
    for i in range(3):
        assert client.get(f"/t/tebakan-{i}/").status_code == 404
    blocked = client.get("/t/tebakan-4/")
    assert blocked.status_code == 429
    assert "Terlalu banyak tautan portal yang tidak dikenal dari jaringan Anda." in blocked.content.decode()
    assert blocked["Retry-After"] == str(settings.PORTAL_GUESS_WINDOW)
    assert blocked["Cache-Control"] == "private, no-store"
    assert client.get("/t/tebakan-5/").status_code == 429
    # Another address is not affected.
    assert client.get("/t/tebakan-6/", REMOTE_ADDR="10.0.0.9").status_code == 404


def test_a_correct_secret_is_served_while_its_address_is_blocked(client, registration, settings):
    """Everyone behind a venue's NAT shares one address: one guesser there must not lock them out."""
    settings.PORTAL_GUESS_LIMIT = 3
    for i in range(10):
        client.get(f"/t/tebakan-{i}/")
    assert client.get("/t/tebakan-lagi/").status_code == 429
    page = client.get(registration.portal_path)
    assert page.status_code == 200
    assert "Dra. Hj. Siti Aminah, M.Pd." in page.content.decode()
    assert client.get(registration.portal_path + "qr.png").status_code == 200
    # ... and serving it neither lifts the block for unknown secrets nor counts as a miss.
    assert client.get("/t/tebakan-lagi/").status_code == 429


def test_a_spoofed_forwarded_for_does_not_escape_the_limit(client, registration, settings):
    """X-Forwarded-For from a peer that is not a trusted proxy is the client's own invention."""
    settings.PORTAL_GUESS_LIMIT = 3
    settings.TRUSTED_PROXIES = []
    answers = [client.get(f"/t/tebakan-{i}/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code for i in range(6)]
    assert answers == [404, 404, 404, 429, 429, 429]


def test_behind_trusted_proxies_the_limit_keys_on_the_client(client, registration, settings):
    settings.PORTAL_GUESS_LIMIT = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def guess(client_address, n):
        return client.get(f"/t/tebakan-{n}/", REMOTE_ADDR="10.0.0.2",
                          HTTP_X_FORWARDED_FOR=f"6.6.6.6, {client_address}, 10.1.1.1").status_code

    assert [guess("203.0.113.7", n) for n in range(3)] == [404, 404, 429]
    # Another client behind the same load balancer and nginx is not blocked.
    assert guess("203.0.113.8", 9) == 404


def test_correct_secret_does_not_count_as_a_guess(client, registration, settings):
    settings.PORTAL_GUESS_LIMIT = 2
    for _ in range(5):
        assert client.get(registration.portal_path).status_code == 200


def test_anonymised_participant_link_stops_working(client, registration):
    from attendance.services import participant_erase

    old = registration.portal_path
    participant_erase(participant=registration.participant)
    assert client.get(old).status_code == 404


@pytest.mark.parametrize("n", [1, 3])
def test_portal_queries_do_not_grow_with_sessions_or_checkins(client, n, django_assert_num_queries):
    """registration, its days and check-ins (one statement), the agenda (sessions, their units), the evaluation:
    whatever their number (the question box reads the agenda's cached sessions)."""
    import uuid

    from attendance.checkin import checkin_perform
    from tests.agenda.agenda_helpers import make_session

    event = EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 23))
    reg = RegistrationFactory(event=event)
    for i in range(n):
        make_session(event, f"Sesi {i}", day_index=i)
        checkin_perform(event=event, ticket=reg.ticket, nonce=uuid.uuid4(),
                        scanned_at=dt.datetime.combine(event.days[i], dt.time(8), tzinfo=event.tz))
    with django_assert_num_queries(5):  # registration; days and check-ins (attendance.portal_sql); the sessions
        # and their units, once; whether the event has an evaluation (its card), once
        html_text = client.get(reg.portal_path).content.decode()
    assert html_text.count('data-session-id="') == n
    other = RegistrationFactory(event=event)
    # The agenda's sessions and the event's evaluation are cached now (attendance.portal_cache): the person only.
    with django_assert_num_queries(2):
        html_text = client.get(other.portal_path).content.decode()
    assert html_text.count('data-session-id="') == n
    assert reg.portal_secret not in html_text  # the shared agenda carries each person's own links


def test_portal_lists_my_own_checkins_only(client):
    import datetime as dt
    import uuid

    from attendance.checkin import checkin_perform
    from tests.factories import RegistrationFactory

    mine = RegistrationFactory()
    other = RegistrationFactory(event=mine.event)
    for reg, hour in ((mine, 8), (other, 9)):
        checkin_perform(event=reg.event, ticket=reg.ticket, nonce=uuid.uuid4(),
                        scanned_at=dt.datetime.combine(reg.event.days[0], dt.time(hour, 5), tzinfo=reg.event.tz))
    html = client.get(f"/t/{mine.portal_secret}/").content.decode()
    assert "Kehadiran saya" in html
    assert "08:05" in html
    assert "09:05" not in html


def test_online_only_participant_is_told_how_to_join_not_to_show_a_qr(client):
    online = RegistrationFactory(modes=["online", "online", "online"])
    in_person = RegistrationFactory(event=online.event)
    online_html = html.unescape(client.get(online.portal_path).content.decode())
    assert "Anda mengikuti secara daring: tombol Bergabung pada agenda di bawah aktif saat sesi dimulai." in online_html
    assert "Tunjukkan kode QR di bawah ini kepada petugas registrasi" not in online_html
    in_person_html = html.unescape(client.get(in_person.portal_path).content.decode())
    assert "Tunjukkan kode QR di bawah ini kepada petugas registrasi saat hadir di tempat." in in_person_html


def test_the_qr_encoder_ships_unmodified_with_its_licence():
    """static/rakor/vendor/qrcode.js is qrcode-generator 2.0.4 as published on npm (dist/qrcode.js)."""
    import hashlib
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static/rakor/vendor"
    readme = (vendor / "README.txt").read_text()
    assert "qrcode-generator 2.0.4" in readme and "MIT License" in readme
    assert "MIT License" in (vendor / "qrcode-generator.LICENSE").read_text()
    code = (vendor / "qrcode.js").read_bytes()
    assert b"Copyright (c) 2009 Kazuhiko Arase" in code and b"Licensed under the MIT license" in code
    assert hashlib.sha256(code).hexdigest() == "79ec86f82856005b1c887905cfccfcfbec3821ca61c7fd5a952faa5f778f791c"
