"""Who may open a page: the access decorators every app's views use, and the private-response headers.

One place for the checks (Zulip's discipline, STYLE.md): a view says who it is for with one
decorator, never with checks of its own. Anonymous visitors are sent to the sign-in page
(rakor.views_signin); a signed-in user without the role gets 403 with a sentence saying who the
page is for. Every staff page is never cached.

The participant portal's own guard (``portal_view``: a ticket secret in the URL instead of a
sign-in) lives with the secret in ``attendance.portal``; the headers it sets are
``private_response`` here.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .roles import coordinator_unit, is_organiser


def login_url() -> str:
    """The staff sign-in page (rakor.urls_auth, "login") when it is installed, else settings.LOGIN_URL."""
    try:
        return reverse("login")
    except NoReverseMatch:
        return resolve_url(settings.LOGIN_URL)


def role_required(allowed, message):
    """A decorator: signed in (else the sign-in page) and ``allowed(user)`` (else 403 with ``message``)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url())
            if not allowed(request.user):
                raise PermissionDenied(str(message()))
            return never_cache(view)(request, *args, **kwargs)

        return wrapper

    return decorator


def is_organiser_or_coordinator(user) -> bool:
    return is_organiser(user) or coordinator_unit(user) is not None


# Organisers only (devices, dashboard, agenda, meeting reports, certificates).
organiser_only = role_required(is_organiser, lambda: _("Halaman ini hanya untuk panitia."))
# Organisers, and unit coordinators limited to their unit subtree by the view's selectors (daftar hadir, recap).
organiser_or_coordinator = role_required(is_organiser_or_coordinator, lambda: _("Halaman ini hanya untuk panitia."))
# The coordinators' pages (their own delegation), which organisers use for every unit.
staff_area = role_required(is_organiser_or_coordinator,
                           lambda: _("Halaman ini hanya untuk koordinator unit dan panitia."))

# Any signed-in user (the minutes): the view's own policy then decides what they may see.
signed_in = role_required(lambda user: True, lambda: "")


def private_response(response: HttpResponse) -> HttpResponse:
    """Headers of a page whose URL holds a secret (the portal's ``/t/<secret>/``, the join link).

    No shared caches, no Referer to the WhatsApp/meeting sites we link to. A redirect (the join
    link's, to the meeting platform) sends no Referer at all; a page sends one only to ourselves
    (same-origin, not no-referrer: with no-referrer Chromium posts the page's forms, the language
    switch and the deletion request, with "Origin: null" and CSRF refuses them).
    ``Cache-Control`` is "private, no-store" unless the view set ``response.private_cache_control``
    to another private policy (the portal page and its QR image, attendance.views.portal).
    """
    # A view may allow the browser (never a shared cache) to keep its answer: the portal page
    # revalidates with its ETag, the QR image is immutable for its ticket.
    policy = getattr(response, "private_cache_control", "")
    response["Cache-Control"] = policy if policy.startswith("private,") else "private, no-store"
    # A 304 revalidates a page: the browser updates the page's stored headers with these.
    redirect = 300 <= response.status_code < 400 and response.status_code != 304
    response["Referrer-Policy"] = "no-referrer" if redirect else "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response
