"""The site's URLs plus views that fail on purpose, to see the error pages a fan gets."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from fancity import urls as site


def bad_request(request):
    raise SuspiciousOperation("a test of the 400 page")


def broken(request):
    raise RuntimeError("a test of the 500 page")


handler500 = getattr(site, "handler500", "django.views.defaults.server_error")
urlpatterns = [path("test-400/", bad_request), path("test-500/", broken), *site.urlpatterns]
