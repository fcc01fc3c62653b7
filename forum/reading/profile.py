"""A fan's threads and posts, newest first, for their profile (`/forum/u/<username>/threads|posts/`).

Paged by key, never by OFFSET: `?before=<id>` shows what is older than that thread or post, ordered
by (created_at, id) on the existing (author, -created_at) indexes, so the thousandth page of a fan
with 100,000 posts is an index range like the first. The profile page (accounts, below the forum)
links here through settings.ACCOUNT_PROFILE_PANELS (`profile_panel`).

What a viewer sees is what is public (forum.visibility: posts deleted or hidden by a moderator and
threads withdrawn from public view are left out for every viewer, the fan included), and the private
beta board's for a viewer who may see it (forum.boards).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet, Subquery
from django.db.models.functions import Left
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from accounts.models import User
from forum.models import Post, Thread
from forum.permissions import may_see_beta
from forum.reading.queries import THREAD_ROW_FIELDS
from forum.visibility import public_post_q, public_thread_q

PER_PAGE = 30
EXCERPT_HTML = 1000  # characters of a post's HTML read for its excerpt
EXCERPT_CHARS = 140


@dataclass
class ProfilePage:
    rows: list
    next_before: int | None  # the `before=` of the next (older) page, None on the last one


def _older_than(rows: QuerySet, model: type[Thread] | type[Post], before: int | None) -> QuerySet:
    """Rows after `before` in (-created_at, -id) order. The cursor's time is a subquery (an InitPlan
    PostgreSQL runs once), and the redundant `created_at <=` lets the index range start there."""
    if before is None:
        return rows
    at = Subquery(model.objects.filter(pk=before).order_by().values("created_at")[:1])
    return rows.filter(created_at__lte=at).filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=before))


def _page(rows: QuerySet, model, before: int | None) -> ProfilePage:
    found = list(_older_than(rows, model, before).order_by("-created_at", "-id")[: PER_PAGE + 1])
    shown = found[:PER_PAGE]
    return ProfilePage(shown, shown[-1].pk if len(found) > PER_PAGE else None)


def fan_threads(viewer: User, fan: User, before: int | None = None) -> ProfilePage:
    threads = (
        Thread.objects.filter(public_thread_q(sees_beta=may_see_beta(viewer)), author=fan)
        .select_related("author", "last_poster")
        .only(*THREAD_ROW_FIELDS)
    )
    return _page(threads, Thread, before)


def excerpt(html_head: str) -> str:
    """Plain text from the start of a post's HTML (cut before a tag left open by the cut)."""
    cut = html_head.rfind("<")
    if cut > html_head.rfind(">"):
        html_head = html_head[:cut]
    return Truncator(strip_tags(html_head)).chars(EXCERPT_CHARS)


def fan_posts(viewer: User, fan: User, before: int | None = None) -> ProfilePage:
    posts = (
        Post.objects.filter(public_post_q(sees_beta=may_see_beta(viewer)), author=fan)
        .select_related("thread")
        .only("floor", "created_at", "thread__title")
        .annotate(html_head=Left("html", EXCERPT_HTML))
    )
    page = _page(posts, Post, before)
    for post in page.rows:
        post.excerpt = excerpt(post.html_head)
    return page


def profile_panel(request: HttpRequest, fan: User) -> tuple[str, dict]:
    """The forum's part of a profile page (settings.ACCOUNT_PROFILE_PANELS): links, no query."""
    return "forum/profile_panel.html", {
        "forum_threads_url": reverse("forum:fan_threads", args=[fan.username]),
        "forum_posts_url": reverse("forum:fan_posts", args=[fan.username]),
    }
