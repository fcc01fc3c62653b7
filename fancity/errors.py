"""Error pages that must render while a part of the stack is down.

Django turns an exception raised in any middleware layer (sessions, authentication, the fan's
language) or view into a response inside that layer, so an outer middleware never sees it: the one
place that sees every uncaught exception is the 500 handler. When the exception is the database
not answering, fans get a 503 "back in a moment" page in their language instead of a 500.

Under DEBUG (the run command) Django shows its own technical pages instead of these: English, laid
out for a desktop, nothing like the site. Unless FANCITY_DEBUG_PAGES=1 asks for those, development
serves the site's pages too, with what Django would have said as text below them (`SiteNotFound`,
`SiteExceptionReporter`), so a newcomer's first missing page looks like the site they are building.
"""

import sys

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.http.multipartparser import MultiPartParserError
from django.template import loader
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter
from django.views.defaults import server_error as default_server_error

from fancity.lib import dbrouting

RETRY_AFTER_SECONDS = 30


def _database_unavailable(error: BaseException | None) -> bool:
    """True when `error`, or an exception it was raised from or during, is the database not answering."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page: rendered without the request context (its processors query the database), in the
    language the request asks for (cookie, then Accept-Language), since the fan's saved one is unreadable.
    """
    language = translation.get_language_from_request(request)
    with translation.override(language):
        body = loader.get_template("503.html").render({})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a 503 while the database is unreachable (the read-only page for a write while a replica
    serves the pages: fancity.lib.dbrouting), Django's plain 500 page otherwise."""
    if _database_unavailable(sys.exc_info()[1]):
        return dbrouting.write_refused(request) or database_unavailable(request)
    return default_server_error(request)


def _site_pages_in_debug() -> bool:
    return settings.DEBUG and not settings.FANCITY_DEBUG_PAGES


def _not_found(request: HttpRequest, detail: str) -> HttpResponse:
    body = loader.get_template("404.html").render({"debug_detail": detail}, request)
    return HttpResponseNotFound(body)


class SiteNotFound:
    """Middleware: under DEBUG, the site's 404 page (in the fan's language, for a phone) where Django
    would show its technical one, with Django's reason below it. Does nothing with DEBUG off, where
    Django renders 404.html itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and request.resolver_match is None and _site_pages_in_debug():
            # No URL pattern matched (CommonMiddleware, inside, has already tried the address with a slash).
            return _not_found(request, f"No URL pattern matches {request.path_info!r}.")
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and _site_pages_in_debug():
            view = request.resolver_match.view_name if request.resolver_match else "?"
            return _not_found(request, f"{request.path_info!r}: the view {view!r} raised Http404: {exception}")
        return None


class SiteExceptionReporter(ExceptionReporter):
    """DEFAULT_EXCEPTION_REPORTER: under DEBUG, an error is the page a fan would get (400, 503 or 500)
    with Django's traceback as text below it; FANCITY_DEBUG_PAGES=1 gives Django's technical page."""

    def get_traceback_html(self) -> SafeString:
        if not _site_pages_in_debug():
            return super().get_traceback_html()
        if isinstance(self.exc_value, BadRequest | SuspiciousOperation | MultiPartParserError):
            template = "400.html"
        elif _database_unavailable(self.exc_value):
            template = "503.html"
        else:
            template = "500.html"
        # Already a SafeString; the backend-neutral stub of render() says only str.
        return mark_safe(loader.get_template(template).render({"debug_detail": self.get_traceback_text()}))
