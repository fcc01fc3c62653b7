from django.conf import settings
from django.utils import timezone, translation

from accounts.activity import record_activity

SESSION_KEY = "active_on"


class FanMiddleware:
    """For a signed-in fan: speak their preferred language, and record today's visit once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            today = timezone.localdate().isoformat()
            if request.session.get(SESSION_KEY) != today:
                record_activity(user)
                request.session[SESSION_KEY] = today
        return self.get_response(request)
