from django.conf import settings
from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.utils import timezone, translation

from accounts import backends
from accounts.activity import record_activity
from fancity.lib.dbrouting import read_only

SESSION_KEY = "active_on"


def _user(request):
    """Django's `auth.get_user`, with the session key at hand for `accounts.backends.load_fan`."""
    if not hasattr(request, "_cached_user"):
        token = backends.SESSION_KEY.set(request.session.session_key)
        try:
            user = auth.get_user(request)
        finally:
            backends.SESSION_KEY.reset(token)
        if not user.is_authenticated and auth.SESSION_KEY in request.session:
            # Signed out elsewhere (the row is gone: a sign-out while Redis was unreachable left the
            # cached copy) or the account may no longer sign in: drop the session and its cached copy.
            request.session.flush()
        request._cached_user = user
    return request._cached_user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, loading the user through `_user` (one query: accounts.backends), at once. Sessions signed in
    before accounts.backends replaced Django's and allauth's backends have their stored backend path
    moved to its replacement (the session is saved once with it), so that nobody is signed out."""

    def process_request(self, request):
        super().process_request(request)
        old = request.session.get(auth.BACKEND_SESSION_KEY)
        if old in backends.RENAMED:
            request.session[auth.BACKEND_SESSION_KEY] = backends.RENAMED[old]
        # Loaded now rather than lazily: FanMiddleware reads it on every request anyway, and a lazy
        # object costs a function call on each of the hundreds of reads a page makes of it.
        request.user = _user(request)


class FanMiddleware:
    """For a signed-in fan: speak their preferred language, and record today's visit once.

    The visit is remembered in the session, so a fan's other requests that day write nothing
    (accounts.activity guards once more with the cache, across the fan's sessions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            today = timezone.localdate().isoformat()
            if request.session.get(SESSION_KEY) != today and not read_only():
                record_activity(user)
                request.session[SESSION_KEY] = today
        return self.get_response(request)
