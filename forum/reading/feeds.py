"""Atom feeds: the newest threads of a board, and of the announcements board."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from forum.boards import announcements_board
from forum.models import Board, Thread
from forum.visibility import board_public, post_shown, thread_shown_q
from forum.writing.markup import plain_excerpt

ITEMS = 30


class PlainTextAtom1Feed(Atom1Feed):
    """Atom whose entry summaries are declared `type="text"`: they hold a plain-text excerpt of the first
    post, so a feed reader shows a fan's `<img src=x onerror=…>` code span as those characters and
    `a < b && c > d` as written. (Django's Atom1Feed declares every summary `type="html"`, which tells the
    reader to parse the excerpt as markup.)"""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class BoardFeed(Feed):
    feed_type = PlainTextAtom1Feed

    def get_object(self, request, slug=None):
        board = announcements_board() if slug is None else get_object_or_404(Board, slug=slug)
        if not board_public(board):
            raise Http404  # feed readers are anonymous: only public boards have a feed
        return board

    def title(self, board):
        return _("Fancity forum: %(board)s") % {"board": board.label}

    def link(self, board):
        return board.get_absolute_url()

    def subtitle(self, board):
        return board.blurb

    def items(self, board):
        return (
            Thread.objects.filter(thread_shown_q(), board=board)  # a public board's public threads
            .select_related("author")
            .prefetch_related("posts")
            .order_by("-created_at")[:ITEMS]
        )

    def item_title(self, thread):
        return thread.title

    def item_description(self, thread):
        first = next((p for p in thread.posts.all() if p.floor == 1), None)
        return plain_excerpt(first.html, 400) if first and post_shown(first) else ""

    def item_author_name(self, thread):
        return thread.author.public_name

    def item_pubdate(self, thread):
        return thread.created_at

    def item_updateddate(self, thread):
        return thread.last_post_at
