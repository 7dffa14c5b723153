"""Site-wide middleware: the reader's language, caching by proxies, and a busy SQLite database."""

import logging

from django.conf import settings
from django.db.utils import OperationalError
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control

logger = logging.getLogger("hoclieu")


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


def cache_control_directives(response):
    """The directive names of `response`'s Cache-Control header, lower-cased, as a set of str.

    `Cache-Control: max-age=60, Public` gives {"max-age", "public"}; no header gives an empty set.
    Directive names are case-insensitive (RFC 9111 §5.2).
    """
    header = response.get("Cache-Control", "")
    return {part.split("=", 1)[0].strip().lower() for part in header.split(",") if part.strip()}


class PrivateUnlessPublicMiddleware:
    """Add `Cache-Control: private` to every response not explicitly marked `public`.

    Most of Hoclieu's pages depend on who is reading: the header names the signed-in user, material
    lists and search results leave out what the reader may not see, school- or group-only materials
    are served to members only. A shared cache (a school's proxy, a CDN) that kept such a response
    could hand it to the next reader. `private` forbids shared caches to store the response while
    letting the reader's own browser keep it (RFC 9111 §5.2.2.7). A view whose response is the same
    for everyone (a published public material's file) says so with `Cache-Control: public`
    (RFC 9111 §5.2.2.9); such responses pass untouched. Other directives already present (max-age,
    no-store, ...) are kept; django.utils.cache.patch_cache_control merges them.

    Static files (under STATIC_URL) are left alone: WhiteNoise, above this middleware, normally
    answers them before this runs, and any that reach Django are the same for every reader.
    Sits high in settings.MIDDLEWARE so that it sees the final response of everything below it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else None

    def __call__(self, request):
        response = self.get_response(request)
        if self.static_prefix and request.path_info.startswith(self.static_prefix):
            return response
        if "public" not in cache_control_directives(response):
            patch_cache_control(response, private=True)
        return response


def is_database_busy(exception):
    """True if `exception` is SQLite's "database is locked": the write lock stayed taken by another
    connection for longer than the connection's timeout (OPTIONS["timeout"], in seconds).

    Django wraps the driver's sqlite3.OperationalError in django.db.utils.OperationalError, keeping
    SQLite's message (https://www.sqlite.org/rescode.html#busy).
    """
    return isinstance(exception, OperationalError) and "database is locked" in str(exception)


class DatabaseBusyMiddleware:
    """Turn SQLite's "database is locked" into `503 Service Unavailable` with `Retry-After: 5`.

    With SQLite one connection writes at a time; under a burst of uploads and the task worker a
    request may wait out its lock timeout. That is a passing state, not a fault of the site, so the
    reader gets cms/templates/503.html ("the system is busy, try again in a few seconds") rather than
    the 500 page, and a client or proxy may retry after 5 seconds (RFC 9110 §15.6.4 and §10.2.3).
    Logged at warning level on the "hoclieu" logger. Any other exception is left to Django.

    Only exceptions raised by a view (or while rendering its TemplateResponse) reach
    process_exception; one raised by another middleware still gives a 500. The page is rendered
    without the request, so nothing in it touches the locked database (no request.user).
    """

    retry_after_seconds = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        """Return the 503 response for a "database is locked" error, None for anything else."""
        if not is_database_busy(exception):
            return None
        logger.warning("Cơ sở dữ liệu đang bận (database is locked): %s %s -> 503",
                       request.method, request.get_full_path())
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(self.retry_after_seconds)
        return response
