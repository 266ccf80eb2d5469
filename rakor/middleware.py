"""Project middleware: the language the person chose, and the scheme a trusted proxy reports.

Language choice: Bahasa Indonesia unless the person chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a civil
servant whose phone is set to English would land on an English page they did not
ask for. Here only the language cookie set by the switch (/i18n/setlang/) counts.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language

from .net import forwarded_scheme


class ChosenLanguageMiddleware(LocaleMiddleware):
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
