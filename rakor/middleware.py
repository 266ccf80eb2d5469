"""Language choice: Bahasa Indonesia unless the person chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a civil
servant whose phone is set to English would land on an English page they did not
ask for. Here only the language cookie set by the switch (/i18n/setlang/) counts.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
