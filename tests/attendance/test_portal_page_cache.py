"""The portal page kept under its ETag state (issue 15): a reload without a validator is the page a render gives."""

import datetime as dt
import html
import re
import uuid

import pytest
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from agenda.models import Session
from agenda.services import session_set_status
from attendance.checkin import checkin_perform
from tests.agenda.agenda_helpers import make_session
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')


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


def rendered(response) -> bool:
    return "attendance/public/portal.html" in [t.name for t in response.templates]


def tokens(response) -> list[str]:
    return TOKEN.findall(response.content.decode())


def same_page(a, b) -> bool:
    """Equal but for the CSRF form tokens (each render masks the cookie's secret anew)."""
    return TOKEN.sub("", a.content.decode()) == TOKEN.sub("", b.content.decode())


HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary", "Referrer-Policy", "Content-Security-Policy",
           "Permissions-Policy", "X-Frame-Options")


def test_a_reload_without_validator_is_served_without_rendering_and_equals_a_fresh_render(client, registration,
                                                                                            settings):
    first = client.get(registration.portal_path)
    assert first.status_code == 200 and rendered(first)
    again = client.get(registration.portal_path)
    assert again.status_code == 200 and not rendered(again)
    settings.PORTAL_PAGE_SECONDS = 0  # the page as rendered without the cache
    fresh = client.get(registration.portal_path)
    assert rendered(fresh)
    assert same_page(again, fresh) and same_page(first, fresh)
    assert registration.portal_secret in again.content.decode()
    assert "Pembukaan" not in again.content.decode()  # (no agenda yet; see the test with a session)
    assert {h: again.get(h) for h in HEADERS} == {h: fresh.get(h) for h in HEADERS}
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert tokens(again) and all(_unmask_cipher_token(t) == secret for t in tokens(again))


def test_a_second_device_gets_the_kept_page_with_a_token_of_its_own_csrf_cookie(registration, settings):
    phone, laptop = Client(), Client()
    first = phone.get(registration.portal_path)
    second = laptop.get(registration.portal_path)  # no cookie yet: the page sets one, as a render does
    assert not rendered(second)
    assert second.cookies[settings.CSRF_COOKIE_NAME].value != first.cookies[settings.CSRF_COOKIE_NAME].value
    assert same_page(first, second)
    laptop_secret = laptop.cookies[settings.CSRF_COOKIE_NAME].value
    assert tokens(second) and all(_unmask_cipher_token(t) == laptop_secret for t in tokens(second))
    # the form posts with that token: the language switch answers as for a rendered page
    switched = laptop.post("/i18n/setlang/", {"language": "en", "next": registration.portal_path,
                                              "csrfmiddlewaretoken": tokens(second)[0]})
    assert switched.status_code == 302


def test_the_kept_page_carries_the_current_agenda_and_follows_a_session_going_live(client, registration, event):
    session = make_session(event, "Pembukaan oleh Menteri", day_index=0)
    first = client.get(registration.portal_path)
    assert "Pembukaan oleh Menteri" in html.unescape(first.content.decode())
    again = client.get(registration.portal_path)
    assert not rendered(again) and same_page(first, again)
    session_set_status(session=session, status=Session.Status.LIVE)
    live = client.get(registration.portal_path)
    assert live["ETag"] != first["ETag"]
    assert not same_page(first, live)


def test_a_checkin_and_the_language_give_pages_of_their_own(client, registration, event, settings):
    first = client.get(registration.portal_path)
    checkin_perform(event=event, ticket=registration.ticket, nonce=uuid.uuid4(),
                    scanned_at=dt.datetime.combine(event.days[1], dt.time(8, 5), tzinfo=event.tz))
    after = client.get(registration.portal_path)
    assert rendered(after) and "08:05" in html.unescape(after.content.decode())
    assert "08:05" in html.unescape(client.get(registration.portal_path).content.decode())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(registration.portal_path)
    assert rendered(english) and "Registration status" in english.content.decode()
    kept = client.get(registration.portal_path)
    assert not rendered(kept) and "Registration status" in kept.content.decode()
    assert first["ETag"] != english["ETag"]


def test_a_page_with_messages_waiting_is_rendered_and_not_kept(client, registration, settings):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.SUCCESS, "Pesan untuk Anda")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    with_message = client.get(registration.portal_path)
    assert rendered(with_message) and "Pesan untuk Anda" in with_message.content.decode()
    assert "ETag" not in with_message
    plain = client.get(registration.portal_path)
    assert rendered(plain) and "Pesan untuk Anda" not in plain.content.decode()
