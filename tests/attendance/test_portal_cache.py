"""The portal served cheaply (issue 15): its QR image, its 304s, the shared agenda, the status JSON from the cache."""

import datetime as dt
import html
import json
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from agenda.models import Session
from agenda.services import session_set_status
from attendance.checkin import checkin_perform
from attendance.models import Registration, RegistrationDay
from rakor.signing import parse_ticket
from tests.agenda.agenda_helpers import make_session
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def event():
    return EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 22))


@pytest.fixture
def registration(event):
    return RegistrationFactory(event=event, modes=["online", "in_person"])


def text(response) -> str:
    return html.unescape(response.content.decode())


# ---------------------------------------------------------------- the QR image


def test_qr_image_is_private_immutable_and_revalidates_with_304(client, registration):
    url = registration.portal_path + "qr.svg"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/svg+xml"
    assert first.content.decode().startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox=')
    assert first["Cache-Control"] == "private, max-age=31536000, immutable"
    etag = first["ETag"]
    assert etag.startswith('"qr-') and not etag.startswith("W/")
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "private, max-age=31536000, immutable"
    assert client.get(url, HTTP_IF_NONE_MATCH='"qr-something-else"').status_code == 200


def test_qr_image_encodes_the_ticket(client, registration):
    """The image is the ticket: the page's <img> shows what the door scanner reads (the payload, not the secret)."""
    svg = client.get(registration.portal_path + "qr.svg").content.decode()
    assert registration.portal_secret not in svg
    assert parse_ticket(registration.ticket).public_id == registration.public_id
    page = text(client.get(registration.portal_path))
    assert f'data-qr-ticket="{registration.ticket}"' in page  # drawn by the browser (portal-qr.js)
    assert f'<noscript><img class="qr" src="/t/{registration.portal_secret}/qr.svg" alt="Kode QR tiket"' in page


def test_revoked_ticket_has_no_qr_image_even_with_its_old_etag(client, registration):
    url = registration.portal_path + "qr.svg"
    etag = client.get(url)["ETag"]
    registration.ticket_revoked_at = timezone.now()
    registration.save()
    refused = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert refused.status_code == 404
    assert refused["Cache-Control"] == "private, no-store"
    assert "ETag" not in refused


def test_erased_participant_has_no_qr_image(client, registration):
    from attendance.services import participant_erase

    url = registration.portal_path + "qr.svg"
    etag = client.get(url)["ETag"]
    participant_erase(participant=registration.participant)
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_qr_image_guesses_count_as_portal_guesses(client, registration, settings):
    settings.PORTAL_GUESS_LIMIT = 2
    for i in range(2):
        assert client.get(f"/t/wrong-secret-{i}/qr.svg").status_code == 404
    blocked = client.get("/t/wrong-secret-9/qr.svg")
    assert blocked.status_code == 429
    assert blocked["Cache-Control"] == "private, no-store"
    assert client.get(registration.portal_path + "qr.svg").status_code == 200


# ---------------------------------------------------------------- the page's 304 and its ETag


def etag_of(client, registration) -> str:
    response = client.get(registration.portal_path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    return response["ETag"]


def test_portal_revisit_with_its_etag_gets_304(client, registration):
    assert not client.cookies  # a first visit: the page sets the CSRF cookie its language form needs
    etag = etag_of(client, registration)
    assert client.cookies
    again = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "private, no-cache"
    assert again["Referrer-Policy"] == "same-origin"


def test_portal_etag_changes_on_approval_and_revocation(client, registration):
    registration.status = Registration.Status.PENDING
    registration.save()
    pending = etag_of(client, registration)
    registration.status = Registration.Status.APPROVED
    registration.save()
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=pending)
    assert response.status_code == 200
    assert '<span class="badge">Disetujui</span>' in text(response)
    approved = response["ETag"]
    registration.ticket_revoked_at = timezone.now()
    registration.save()
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=approved)
    assert response.status_code == 200
    assert "Tiket Anda dicabut oleh panitia pada" in text(response)
    assert "qr.svg" not in text(response)


def test_portal_etag_changes_with_a_checkin(client, registration, event):
    etag = etag_of(client, registration)
    checkin_perform(event=event, ticket=registration.ticket, nonce=uuid.uuid4(),
                    scanned_at=dt.datetime.combine(event.days[1], dt.time(8, 5), tzinfo=event.tz))
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "08:05" in text(response)


def test_portal_etag_changes_with_the_days_mode_and_the_persons_data(client, registration):
    etag = etag_of(client, registration)
    RegistrationDay.objects.filter(registration=registration).update(mode=RegistrationDay.Mode.ONLINE)
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Tunjukkan kode QR di bawah ini kepada petugas registrasi" not in text(response)
    etag = response["ETag"]
    type(registration.participant).objects.filter(pk=registration.participant_id).update(position="Kepala Bagian Umum")
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Kepala Bagian Umum" in text(response)


def test_portal_etag_changes_with_the_language(client, registration, settings):
    etag = etag_of(client, registration)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Registration status" in text(response)
    assert response["ETag"] != etag


def test_portal_etag_changes_when_a_session_goes_live(client, registration, event):
    session = make_session(event, "Pembukaan oleh Menteri", day_index=0)
    etag = etag_of(client, registration)
    session_set_status(session=session, status=Session.Status.LIVE)
    response = client.get(registration.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert 'data-status="live"' in text(response)


def test_portal_etag_changes_when_a_certificate_is_issued(client):
    from certificates import services
    from tests.certificates.factories_certificates import (
        attended_everything,
        past_event,
        templates,
    )
    from tests.certificates.factories_certificates import (
        registration as certificate_registration,
    )

    event, _sessions = past_event(slug="rakorwas-etag")
    templates(event)
    reg = certificate_registration(event)
    attended_everything(reg)
    etag = etag_of(client, reg)
    services.issue_all(event=event, processes=1)
    response = client.get(reg.portal_path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Unduh sertifikat (PDF)" in text(response)


# ---------------------------------------------------------------- the shared agenda


def test_agenda_is_rendered_once_and_shared_with_each_persons_own_links(client, event, monkeypatch):
    from attendance import portal_cache

    make_session(event, "Pembukaan", day_index=1, mode=Session.Mode.ONLINE)
    renders = []
    real = portal_cache.render_to_string
    monkeypatch.setattr(portal_cache, "render_to_string", lambda *a, **k: renders.append(a[0]) or real(*a, **k))
    a, b = (RegistrationFactory(event=event, modes=["online", "online"]) for _ in range(2))
    page_a, page_b = text(client.get(a.portal_path)), text(client.get(b.portal_path))
    assert renders == ["agenda/agenda.html"]
    session = Session.objects.get()
    assert f'href="/t/{a.portal_secret}/join/{session.pk}/"' in page_a
    assert f'href="/t/{b.portal_secret}/join/{session.pk}/"' in page_b
    assert a.portal_secret not in page_b and b.portal_secret not in page_a
    assert f'href="/t/{b.portal_secret}/agenda.ics"' in page_b


def test_agenda_differs_for_who_may_not_join(client, event):
    make_session(event, "Pembukaan", day_index=1, mode=Session.Mode.HYBRID)
    online = RegistrationFactory(event=event, modes=["online", "online"])
    in_person = RegistrationFactory(event=event, modes=["in_person", "in_person"])
    assert "/join/" in text(client.get(online.portal_path))
    assert "/join/" not in text(client.get(in_person.portal_path))


def test_shared_agenda_is_invalidated_when_a_session_goes_live(client, event):
    session = make_session(event, "Pembukaan", day_index=1, mode=Session.Mode.ONLINE)
    a, b = (RegistrationFactory(event=event, modes=["online", "online"]) for _ in range(2))
    assert 'data-status="scheduled"' in text(client.get(a.portal_path))
    session_set_status(session=session, status=Session.Status.LIVE)
    page = text(client.get(b.portal_path))
    assert 'data-status="live"' in page and 'data-status="scheduled"' not in page
    assert f'href="/t/{b.portal_secret}/join/{session.pk}/"' in page
    session.title = "Pembukaan oleh Menteri"
    session.save()
    assert "Pembukaan oleh Menteri" in text(client.get(a.portal_path))


# ---------------------------------------------------------------- the status JSON


def test_status_json_is_served_from_cache_with_etag_and_sees_a_session_go_live_at_once(client, event,
                                                                                       django_assert_num_queries):
    session = make_session(event, "Pembukaan", day_index=0)
    url = f"/e/{event.slug}/sessions/status.json"
    first = client.get(url)
    assert [s["status"] for s in json.loads(first.content)["sessions"]] == ["scheduled"]
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    session_set_status(session=session, status=Session.Status.LIVE)
    live = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert live.status_code == 200
    assert [s["status"] for s in json.loads(live.content)["sessions"]] == ["live"]
    assert live["ETag"] != first["ETag"]
    assert client.get("/e/no-such-event/sessions/status.json").status_code == 404


# ---------------------------------------------------------------- the join link's waiting page, before the session opens


def test_waiting_page_before_the_session_is_rendered_once_and_served_with_each_persons_links(event, monkeypatch):
    import re

    from django.template import loader
    from django.test import Client

    session = make_session(event, "Pembukaan oleh Menteri", day_index=1, mode=Session.Mode.ONLINE)
    renders = []
    real = loader.render_to_string
    monkeypatch.setattr(loader, "render_to_string", lambda name, *a, **k: renders.append(name) or real(name, *a, **k))
    a, b = (RegistrationFactory(event=event, modes=["online", "online"]) for _ in range(2))
    for person in (a, b):
        client = Client(enforce_csrf_checks=True)
        response = client.get(f"/t/{person.portal_secret}/join/{session.pk}/")
        page = text(response)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "<h1>Pembukaan oleh Menteri</h1>" in page
        assert "Sesi dimulai pukul 09:00" in page
        assert f'<a class="button" href="/t/{person.portal_secret}/">Kembali ke portal</a>' in page
        assert f'<input type="hidden" name="next" value="/t/{person.portal_secret}/join/{session.pk}/">' in page
        other = b if person is a else a
        assert other.portal_secret not in page
        # The language form carries this person's own CSRF token: switching language works.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        switched = client.post("/i18n/setlang/", {"csrfmiddlewaretoken": token, "language": "en",
                                                  "next": f"/t/{person.portal_secret}/"})
        assert switched.status_code == 302
    assert renders.count("attendance/join/waiting.html") == 1
    session.title = "Pembukaan oleh Bapak Menteri"
    session.save()
    assert "<h1>Pembukaan oleh Bapak Menteri</h1>" in text(Client().get(f"/t/{a.portal_secret}/join/{session.pk}/"))


def test_agenda_state_says_what_agenda_context_shows(event):
    """The shared agenda's key (agenda_state) follows the same rules as the agenda it stands for."""
    from agenda.selectors import agenda_context, agenda_state, event_sessions
    from tests.agenda.agenda_helpers import at

    make_session(event, "Pembukaan", day_index=0, start="09:00", minutes=60, join_opens_minutes_before=15)
    make_session(event, "Pleno", day_index=0, start="10:30", minutes=90)
    ended = make_session(event, "Penutupan", day_index=1, start="13:00", minutes=60)
    ended.status = Session.Status.ENDED
    ended.save()
    sessions = event_sessions(event)
    may = {s.pk: s.title != "Pleno" for s in sessions}

    class Personal:
        registration, ical_url = None, ""

        def join_path(self, s):
            return f"/join/{s.pk}/" if may[s.pk] else ""

    for now in (at(event, 0, "07:00"), at(event, 0, "08:50"), at(event, 0, "09:30"), at(event, 0, "10:00"),
                at(event, 1, "12:00"), at(event, 1, "14:30"), at(event, 0, "07:00") - dt.timedelta(days=30)):
        agenda = agenda_context(event, personal=Personal(), now=now, sessions=sessions)["agenda"]
        items = [i for day in agenda["days"] for i in day["sessions"]]
        before = [i["id"] for i in items if i["now_before"]]
        shown = (agenda["today"], agenda["current_day"],
                 tuple((i["id"], i["is_now"], i["is_past"], i["may_join"], i["join_open"]) for i in items),
                 before[0] if before else None, agenda["now"].strftime("%H:%M") if before else "")
        assert agenda_state(event, sessions, now=now, may_join=lambda s: may[s.pk]) == shown, now
