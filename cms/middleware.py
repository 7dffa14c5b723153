"""Vietnamese first: the site speaks Vietnamese unless the reader has chosen another language."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is not consulted.

    School computers and students' phones often run an English system; Hoclieu is for Vietnamese
    schools, so the language is the one chosen explicitly (the language cookie set by the footer's
    switcher, /i18n/setlang/) or else settings.LANGUAGE_CODE ("vi"). In the admin, Wagtail then
    applies a user's own preferred language from their account settings, if they set one.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
