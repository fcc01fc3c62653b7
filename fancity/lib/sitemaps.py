"""The base of every sitemap: absolute links on `SITE_URL`, and pages that are ranges of ids.

Django's sitemaps page their items with OFFSET and count them all for the index; on millions of
threads that is a scan per page. `IdRangePaginator` makes page N the rows with ids in
((N−1)·limit, N·limit]: each page is one range scan of the primary key, the index needs only the
largest id, and a page holds at most `limit` links (fewer where rows are left out).
"""

from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max, QuerySet


class SiteUrlSitemap(Sitemap):
    """Links on `SITE_URL`'s scheme and host, whichever host the crawler asked."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class _Page:
    def __init__(self, object_list):
        self.object_list = object_list


class IdRangePaginator:
    def __init__(self, queryset: QuerySet, per_page: int):
        self.queryset = queryset
        self.per_page = per_page

    @cached_property
    def num_pages(self) -> int:
        last = self.queryset.model.objects.aggregate(last=Max("pk"))["last"] or 0
        return max(1, -(-last // self.per_page))

    def page(self, number) -> _Page:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger from None
        if number < 1 or number > self.num_pages:
            raise EmptyPage
        start = (number - 1) * self.per_page
        return _Page(self.queryset.filter(pk__gt=start, pk__lte=start + self.per_page).order_by("pk"))


class IdRangeSitemap(SiteUrlSitemap):
    """A sitemap of many rows, paged by id (see the module's docstring)."""

    @property
    def paginator(self) -> IdRangePaginator:  # type: ignore[override]  # Sitemap uses only num_pages and page()
        queryset = self.items()
        assert isinstance(queryset, QuerySet), "an IdRangeSitemap's items are a queryset"
        return IdRangePaginator(queryset, self.limit)
