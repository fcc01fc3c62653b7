"""The forum in the sitemap: the public boards and their public threads (forum.visibility)."""

from django.db.models import Max

from fancity.lib.sitemaps import IdRangeSitemap, SiteUrlSitemap
from forum.models import Board, Thread
from forum.visibility import board_public_q, public_thread_q


def _public_boards():
    return Board.objects.filter(board_public_q())  # crawlers are anonymous: the private beta board is left out


class BoardSitemap(SiteUrlSitemap):
    changefreq = "hourly"

    def items(self):
        return _public_boards().order_by("position", "id")

    def lastmod(self, board):
        return board.last_post_at


class ThreadSitemap(IdRangeSitemap):
    def items(self):
        return Thread.objects.filter(public_thread_q()).only("id", "last_post_at")

    def lastmod(self, thread):
        return thread.last_post_at

    def get_latest_lastmod(self):
        # The boards keep the time of their last post: the newest of a few rows, never a scan of the threads.
        return _public_boards().aggregate(last=Max("last_post_at"))["last"]
