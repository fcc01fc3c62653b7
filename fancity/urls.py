from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_page
from django.views.static import serve

from fancity import health, site_files, views
from forum.sitemaps import BoardSitemap, ThreadSitemap
from meetups.sitemaps import MeetupSitemap

# A database outage is a 503 "back in a moment" page, not a 500 (fancity.errors).
handler500 = "fancity.errors.server_error"

# The admin speaks the brand too: 粉丝城管理后台 in Chinese, Fancity admin in English.
admin.site.site_header = _("Fancity admin")
admin.site.site_title = _("Fancity admin")

SITEMAPS = {"boards": BoardSitemap, "threads": ThreadSitemap, "meetups": MeetupSitemap}
SITEMAP_CACHE = 3600  # crawlers may ask often; a new thread reaches the sitemap within the hour

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("robots.txt", site_files.robots_txt, name="robots_txt"),
    path("favicon.ico", site_files.favicon, name="favicon"),
    path("manifest.webmanifest", site_files.web_manifest, name="web_manifest"),
    path(
        "sitemap.xml",
        cache_page(SITEMAP_CACHE)(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap_index",
    ),
    path(
        "sitemap-<section>.xml",
        cache_page(SITEMAP_CACHE)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("community.urls")),
    path("messages/", include("messaging.urls")),
    path("forum/", include("forum.urls")),
    path("meetups/", include("meetups.urls")),
    path("", include("servicedesk.urls")),
    path("", include("servicedesk.wechat.urls")),
    path("admin/", admin.site.urls),
]
if settings.DEBUG or settings.SERVE_MEDIA:
    # Public uploads on the local filesystem (avatars, images in posts); private files live elsewhere
    # (STORAGES["private"]) and only views that check permissions stream them.
    urlpatterns += [
        re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT})
    ]
