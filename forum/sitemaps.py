"""The forum in the sitemap: the boards anyone may read and their threads that are not withdrawn."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max

from fancity.lib.sitemaps import IdRangeSitemap, SiteUrlSitemap
from forum.boards import visible_boards
from forum.models import Thread


def _public_boards():
    return visible_boards(AnonymousUser())  # crawlers are anonymous: the private beta board is left out


class BoardSitemap(SiteUrlSitemap):
    changefreq = "hourly"

    def items(self):
        return _public_boards().order_by("position", "id")

    def lastmod(self, board):
        return board.last_post_at


class ThreadSitemap(IdRangeSitemap):
    def items(self):
        return Thread.objects.filter(board__in=_public_boards(), hidden_at__isnull=True).only("id", "last_post_at")

    def lastmod(self, thread):
        return thread.last_post_at

    def get_latest_lastmod(self):
        # The boards keep the time of their last post: the newest of a few rows, never a scan of the threads.
        return _public_boards().aggregate(last=Max("last_post_at"))["last"]
