"""Django's middleware run in the event loop under ASGI (rakor.middleware.InlineUnderAsgi, issue 15).

The same answers as under the sync handler (Django's test client), without the thread hops, and
the cases that touch the database (a session to save, messages stored beside a session) still
run in a thread: in the event loop Django would refuse them (SynchronousOnlyOperation).
"""

import collections
import datetime as dt

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync
from django.contrib.messages import get_messages
from django.contrib.messages import info as message_info
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from rakor import middleware as rm
from tests.asgi_client import AsgiClient
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

COMPARED = ("Content-Type", "Location", "Content-Language", "Vary", "Cache-Control", "X-Frame-Options",
            "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Content-Security-Policy",
            "Permissions-Policy", "ETag")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registration():
    event = EventFactory(start_date=dt.date(2030, 11, 21), end_date=dt.date(2030, 11, 22))
    return RegistrationFactory(event=event, modes=["online", "in_person"])


def headers_of(response) -> dict:
    return {h: response[h] if response.has_header(h) else None for h in COMPARED}


@pytest.mark.parametrize("path, cookies", [
    ("{portal}", ""),
    ("{portal}", "django_language=en"),
    ("{portal_no_slash}", ""),  # CommonMiddleware's slash
    ("/tidak-ada-halaman-ini/", ""),  # 404, LocaleMiddleware and CommonMiddleware's 404 branches
    ("/tidak-ada-halaman-ini", "django_language=en"),
    ("/t/bukan-rahasia-yang-benar-sama-sekali/", ""),  # the portal's unknown secret
])
def test_the_stack_answers_the_same_under_asgi_as_under_the_sync_handler(client, registration, path, cookies):
    path = path.format(portal=registration.portal_path, portal_no_slash=registration.portal_path.rstrip("/"))
    cookies = "; ".join(c for c in (cookies, "csrftoken=" + "k" * 32) if c)  # one CSRF cookie: one ETag
    for pair in cookies.split("; "):
        name, value = pair.split("=")
        client.cookies[name] = value
    headers = {"cookie": cookies}
    sync_answer = client.get(path)
    asgi_answer = AsgiClient().get(path, headers=headers)
    assert asgi_answer.status_code == sync_answer.status_code
    assert headers_of(asgi_answer) == headers_of(sync_answer)
    if sync_answer.status_code == 200:
        assert asgi_answer.content.decode().count("csrfmiddlewaretoken") == sync_answer.content.decode().count(
            "csrfmiddlewaretoken")


def test_a_post_without_csrf_token_is_refused_under_asgi_as_under_the_sync_handler():
    from django.test import Client

    sync_answer = Client(enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "en"})
    asgi_answer = AsgiClient().post("/i18n/setlang/", "language=en", content_type="application/x-www-form-urlencoded")
    assert sync_answer.status_code == asgi_answer.status_code == 403


def test_a_portal_view_under_asgi_hops_to_a_thread_only_for_the_view_and_the_signals(registration, monkeypatch):
    client = AsgiClient()
    client.get(registration.portal_path)
    hops = collections.Counter()
    init = sync.SyncToAsync.__init__

    def counting(self, func, *args, **kwargs):
        hops[getattr(func, "__qualname__", repr(func))] += 1
        return init(self, func, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__init__", counting)
    assert client.get(registration.portal_path).status_code == 200
    # Before: each of Django's middleware's process_request and process_response too (17 in all).
    assert set(hops) == {"Signal.asend.<locals>.sync_send", "portal", "HttpResponseBase.close"}


def _run_async(middleware_class, view, request):
    async def get_response(request):
        return view(request)

    return async_to_sync(middleware_class(get_response))(request)


def test_a_changed_session_is_saved_under_asgi(transactional_db):
    request = RequestFactory().get("/")
    request.COOKIES = {}

    def view(request):
        request.session["seen"] = "ya"
        return HttpResponse("ok")

    response = _run_async(rm.SessionMiddleware, view, request)
    key = response.cookies["sessionid"].value
    assert SessionStore(session_key=key)["seen"] == "ya"
    assert Session.objects.count() == 1


def test_messages_beside_a_stored_session_are_handled_under_asgi(transactional_db):
    stored = SessionStore()
    stored["who"] = "panitia"
    stored.save()
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key=stored.session_key)  # not loaded: storing reads it

    def view(request):
        message_info(request, "Tersimpan")
        return HttpResponse("ok")

    response = _run_async(rm.MessageMiddleware, view, request)
    assert "messages" in response.cookies
    later = RequestFactory().get("/")
    later.COOKIES = {"messages": response.cookies["messages"].value}
    later.session = SessionStore(session_key=stored.session_key)
    later._messages = default_storage(later)
    assert [m.message for m in get_messages(later)] == ["Tersimpan"]


def test_the_inline_middleware_are_djangos_own_under_the_sync_handler():
    from django.contrib.sessions.middleware import SessionMiddleware as Django

    assert issubclass(rm.SessionMiddleware, Django)
    assert rm.SessionMiddleware.__call__ is Django.__call__


def test_a_post_with_its_csrf_token_passes_under_asgi(registration):
    import re

    cookie = "csrftoken=" + "k" * 32
    page = AsgiClient().get(registration.portal_path, headers={"cookie": cookie})
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page.content.decode())[1]
    answer = AsgiClient().post("/i18n/setlang/", f"language=en&next=/&csrfmiddlewaretoken={token}",
                               content_type="application/x-www-form-urlencoded", headers={"cookie": cookie})
    assert answer.status_code == 302
    assert "django_language=en" in answer["Set-Cookie"]
