"""Branded error pages in the person's language, each saying what to do next (issue 12, item 8)."""

import pytest
from django.test import Client
from django.urls import path

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("rusak")


def forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("Halaman ini hanya untuk panitia.")


def broken(request):
    raise RuntimeError("boom")


def form(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


urlpatterns = [path("uji/400/", bad), path("uji/403/", forbidden), path("uji/500/", broken), path("uji/form/", form)]


@pytest.fixture(autouse=True)
def _urls(settings):
    from rakor import urls

    settings.ROOT_URLCONF = __name__
    globals().update(handler400=urls.handler400, handler403=urls.handler403, handler500=urls.handler500)
    import django.urls

    django.urls.clear_url_caches()
    # The error pages link home and to the sign-in: the project's URLs stay reachable.
    from django.urls import include

    if len(urlpatterns) == 4:
        urlpatterns.append(path("", include("rakor.urls")))
    yield
    django.urls.clear_url_caches()


EXPECTED = {
    "id": {
        400: ("Permintaan tidak dapat dibaca", "Muat ulang halaman lalu coba lagi."),
        403: ("Anda tidak punya akses ke halaman ini", "Masuk dengan akun yang diberikan panitia"),
        404: ("Halaman tidak ditemukan", "Periksa alamatnya, atau mulai dari beranda."),
        500: ("Terjadi kesalahan di server", "Coba lagi beberapa menit lagi."),
        "csrf": ("Formulir ini sudah kedaluwarsa", "Kembali ke halaman sebelumnya, muat ulang"),
    },
    "en": {
        400: ("The request could not be read", "Reload the page and try again."),
        403: ("You do not have access to this page", "Sign in with the account the organisers gave you"),
        404: ("Page not found", "Check the address, or start from the home page."),
        500: ("Something went wrong on the server", "Try again in a few minutes."),
        "csrf": ("This form has expired", "Go back to the previous page, reload it"),
    },
}


def fetch(language: str, kind):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.cookies["django_language"] = language
    if kind == "csrf":
        return client.post("/uji/form/", {"x": "1"})
    return client.get({400: "/uji/400/", 403: "/uji/403/", 404: "/tidak-ada/", 500: "/uji/500/"}[kind])


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("kind", [400, 403, 404, 500, "csrf"])
def test_error_page_in_the_persons_language_says_what_to_do(language, kind):
    response = fetch(language, kind)
    page = response.content.decode()
    title, advice = EXPECTED[language][kind]
    assert response.status_code == (403 if kind == "csrf" else kind)
    assert f"<h1>{title}</h1>" in page
    assert advice in page
    assert f'<html lang="{language}">' in page
    assert 'href="/"' in page  # a way out: the front door
    assert "<style" not in page and "style=" not in page  # the site's look, under the CSP


def test_a_signed_in_person_refused_a_page_is_offered_their_own_work(client):
    client.force_login(UserFactory())
    page = client.get("/uji/403/").content.decode()
    assert "Akun Anda tidak memiliki akses ke halaman ini." in page
    assert 'href="/akun/beranda/"' in page
    assert "Keterangan: Halaman ini hanya untuk panitia." in page
