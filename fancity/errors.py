"""Error pages that must render while a part of the stack is down.

Django turns an exception raised in any middleware layer (sessions, authentication, the fan's
language) or view into a response inside that layer, so an outer middleware never sees it: the one
place that sees every uncaught exception is the 500 handler. When the exception is the database
not answering, fans get a 503 "back in a moment" page in their language instead of a 500.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils import translation
from django.views.defaults import server_error as default_server_error

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
    """handler500: a 503 while the database is unreachable, Django's plain 500 page otherwise."""
    if _database_unavailable(sys.exc_info()[1]):
        return database_unavailable(request)
    return default_server_error(request)
