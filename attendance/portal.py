"""The participant portal's guard: a ticket secret in the URL (``/t/<secret>/``) instead of a sign-in.

``portal_view`` looks the secret up with the constant-time selector, counts unknown secrets
per client address (``attendance.ratelimit``) and marks every answer private, uncacheable and
without Referer (``rakor.access.private_response``). Any app's portal page (the agenda's
calendar, the join link, the certificate download) uses it; it is not a views module.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.defaults import page_not_found

from rakor.access import private_response
from rakor.net import client_ip

from .ratelimit import portal_guess_record_miss
from .selectors import registration_for_ticket_secret


def portal_secret_miss(request) -> HttpResponse:
    """The answer to an unknown portal secret: counted for the client's address (``attendance.ratelimit``).

    The project's ordinary 404 page (an unknown link looks like any other missing
    page); past the address's guess limit a 429 with Retry-After instead.
    """
    if portal_guess_record_miss(client_ip(request)):
        response = render(request, "attendance/public/too_many_guesses.html",
                          {"minutes": max(1, settings.PORTAL_GUESS_WINDOW // 60)}, status=429)
        response["Retry-After"] = str(settings.PORTAL_GUESS_WINDOW)
        return private_response(response)
    return private_response(page_not_found(request, Http404()))


def portal_view(view):
    """Resolve ``secret`` to the registration, or answer ``portal_secret_miss``.

    A correct secret is always served, whatever the misses of its address: see
    ``attendance.ratelimit`` for why.
    """

    @functools.wraps(view)
    def wrapper(request, secret: str, *args, **kwargs):
        registration = registration_for_ticket_secret(secret)
        if registration is None:
            return portal_secret_miss(request)
        return private_response(view(request, registration, *args, **kwargs))

    return wrapper
