"""Project middleware: the language the person chose, the scheme a trusted proxy reports, and Django's own
middleware run in the event loop under ASGI.

Inline under ASGI: Django's ``MiddlewareMixin`` runs every ``process_request`` and ``process_response``
in a thread under ASGI (``sync_to_async``), so the project's stack cost a portal view 17 thread
hops (measured, issue 15), each a context copy, a future and a wake-up of the loop. None of
Django's middleware below does I/O in the common case, so ``InlineUnderAsgi`` runs them in the
event loop and hops only for the cases that may touch the database: a session to save or to
read, messages to store, a form to read for the CSRF check of an unsafe method.

``settings.MIDDLEWARE`` keeps Django's names (its deploy checks — HSTS, SSL redirect, CSRF cookie —
look for them by name and pass silently without them); the ASGI handler (``rakor.asgi``) loads
these subclasses in their place (``INLINE_UNDER_ASGI``). Under WSGI and Django's test client the
stack is Django's own, unchanged; under the ASGI handler the subclasses answer the same
(tests/rakor/test_inline_middleware.py).

Language choice: Bahasa Indonesia unless the person chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a civil
servant whose phone is set to English would land on an English page they did not
ask for. Here only the language cookie set by the switch (/i18n/setlang/) counts.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.core.handlers.asgi import ASGIHandler
from django.middleware import clickjacking, common, csrf, security
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language

from .net import forwarded_scheme


class InlineUnderAsgi:
    """Mixin for a ``MiddlewareMixin``: under ASGI, ``process_request`` and ``process_response`` run in the
    event loop, unless ``_request_in_thread`` / ``_response_in_thread`` say this request's may do I/O."""

    def _request_in_thread(self, request) -> bool:
        return False

    def _response_in_thread(self, request, response) -> bool:
        return False

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            if self._request_in_thread(request):
                response = await sync_to_async(self.process_request, thread_sensitive=True)(request)
            else:
                response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            if self._response_in_thread(request, response):
                response = await sync_to_async(self.process_response, thread_sensitive=True)(request, response)
            else:
                response = self.process_response(request, response)
        return response


def _session_loaded_or_none(request) -> bool:
    """True when reading or changing ``request.session`` reads nothing: no session, none loaded-to-be, or loaded."""
    session = getattr(request, "session", None)
    return session is None or session.session_key is None or hasattr(session, "_session_cache")


class SecurityMiddleware(InlineUnderAsgi, security.SecurityMiddleware):
    pass


class SessionMiddleware(InlineUnderAsgi, sessions_middleware.SessionMiddleware):
    def _response_in_thread(self, request, response) -> bool:
        session = getattr(request, "session", None)  # saved when changed (or always, by setting): I/O
        return session is not None and (session.modified or settings.SESSION_SAVE_EVERY_REQUEST)


class CommonMiddleware(InlineUnderAsgi, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(InlineUnderAsgi, csrf.CsrfViewMiddleware):
    """Its ``process_view`` too: in the loop for a safe method (nothing read), in a thread for a form to check."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response):
        super().__init__(get_response)
        if iscoroutinefunction(get_response):
            sync_view = super().process_view

            async def process_view(request, callback, callback_args, callback_kwargs):
                if request.method in self.SAFE and not settings.CSRF_USE_SESSIONS:
                    return sync_view(request, callback, callback_args, callback_kwargs)
                return await sync_to_async(sync_view, thread_sensitive=True)(
                    request, callback, callback_args, callback_kwargs)

            self.process_view = process_view

    def _request_in_thread(self, request) -> bool:
        return settings.CSRF_USE_SESSIONS and not _session_loaded_or_none(request)

    def _response_in_thread(self, request, response) -> bool:
        return settings.CSRF_USE_SESSIONS and not _session_loaded_or_none(request)


class AuthenticationMiddleware(InlineUnderAsgi, auth_middleware.AuthenticationMiddleware):
    pass  # the user is read lazily, in the view's thread


class MessageMiddleware(InlineUnderAsgi, messages_middleware.MessageMiddleware):
    def _response_in_thread(self, request, response) -> bool:
        storage = getattr(request, "_messages", None)  # storing reads the session (fallback storage)
        return storage is not None and (storage.used or storage.added_new) and not _session_loaded_or_none(request)


class XFrameOptionsMiddleware(InlineUnderAsgi, clickjacking.XFrameOptionsMiddleware):
    pass


class ChosenLanguageMiddleware(InlineUnderAsgi, LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class TrustedProxyMiddleware:
    """The scheme the client used, from X-Forwarded-Proto, only when a trusted proxy says so (``rakor.net``).

    Django's SECURE_PROXY_SSL_HEADER believes the header from anyone; this believes it
    only from ``settings.TRUSTED_PROXIES``, by the same rule as the client's address, and
    removes it otherwise (so that setting, too, sees only what a trusted proxy said).
    Sync and async without a thread hop (it does no I/O).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    @staticmethod
    def _apply(request) -> None:
        scheme = forwarded_scheme(request)
        # Django's SECURE_PROXY_SSL_HEADER (set when TRUSTED_PROXIES is) reads this header: it keeps only
        # what a trusted proxy said, so no client can call its plain-HTTP request secure.
        request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        if scheme is not None:
            request.META["HTTP_X_FORWARDED_PROTO"] = scheme
            request._get_scheme = lambda: scheme

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        self._apply(request)
        return self.get_response(request)

    async def __acall__(self, request):
        self._apply(request)
        return await self.get_response(request)


# Django's middleware, by the name settings.MIDDLEWARE gives it, and what the ASGI handler loads instead.
INLINE_UNDER_ASGI = {
    "django.middleware.security.SecurityMiddleware": "rakor.middleware.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware": "rakor.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware": "rakor.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware": "rakor.middleware.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "rakor.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware": "rakor.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "rakor.middleware.XFrameOptionsMiddleware",
}


class InlineASGIHandler(ASGIHandler):
    """Django's ASGI handler, with ``INLINE_UNDER_ASGI``'s classes in place of Django's (loaded once, at start)."""

    def load_middleware(self, is_async=False):
        names = settings.MIDDLEWARE
        settings.MIDDLEWARE = [INLINE_UNDER_ASGI.get(name, name) for name in names]
        try:
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = names

