"""The files browsers and crawlers ask for at fixed addresses: robots.txt, the web manifest, /favicon.ico."""

import functools

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

DAY = 24 * 3600


def _disallowed() -> list[str]:
    """What crawlers leave alone: staff and account pages, a fan's own pages, searches with a query."""
    return [
        reverse("admin:index"),
        "/accounts/",
        "/staff/",
        "/servicedesk/",
        reverse("settings"),
        reverse("notifications"),
        "/unsubscribe/",
        reverse("forum:moderation"),
        reverse("forum:pending"),
        reverse("forum:bookmarks"),
        reverse("forum:search") + "?",  # the empty search page may be indexed, no query of it
        reverse("meetups:mine"),
        reverse("meetups:propose"),
        # A meetup's staff and ticket pages (crawlers that know `*` skip them; the rest get a 404 or login).
        "/meetups/*/manage/",
        "/meetups/*/check-in/",
        "/meetups/*/attendees/",
        "/meetups/*/ticket/",
    ]


@require_GET
@cache_control(public=True, max_age=DAY)
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in _disallowed()), "Allow: /", ""]
    lines.append(f"Sitemap: {settings.SITE_URL}{reverse('sitemap_index')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=DAY)
def web_manifest(request):
    manifest = {
        "name": _("Fancity"),
        "short_name": _("Fancity"),
        "description": _("A community run by fans, with the brand's staff."),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b57d0",
        "icons": [
            {"src": static("icons/icon.svg"), "type": "image/svg+xml", "sizes": "any"},
            {"src": static("icons/icon-192.png"), "type": "image/png", "sizes": "192x192"},
            {"src": static("icons/icon-512.png"), "type": "image/png", "sizes": "512x512"},
        ],
    }
    return JsonResponse(manifest, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@functools.cache
def _favicon() -> bytes:
    path = finders.find("icons/favicon.ico")
    assert path is not None, "static/icons/favicon.ico is missing"
    with open(path, "rb") as icon:
        return icon.read()


@require_GET
@cache_control(public=True, max_age=7 * DAY)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links to (and old ones only for it)."""
    return HttpResponse(_favicon(), content_type="image/x-icon")
