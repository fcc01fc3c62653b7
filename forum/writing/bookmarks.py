"""Bookmarks (收藏): threads a fan keeps, listed newest first on their bookmarks page.

A form says the state it wants (on=1 or on=0), and adding is an INSERT ... ON CONFLICT DO NOTHING on
the unique (user, thread) pair, so a double click or a resent form changes nothing twice. Whether the
viewer has bookmarked a thread is read on the thread page in the per-viewer state query
(`forum.reading.queries.thread_state`), not in a query of its own.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from accounts.models import User
from forum.models import Bookmark, Thread
from forum.permissions import can_see, may_see_beta
from forum.reading.queries import THREAD_ROW_FIELDS
from forum.visibility import public_thread_q

PER_PAGE = 30


def set_bookmark(user: User, thread: Thread, on: bool) -> bool:
    """Bookmark `thread` for `user` (on) or drop the bookmark (off); return the new state."""
    if not user.is_authenticated or not user.is_active or not can_see(user, thread.board):
        raise PermissionDenied
    if on:
        Bookmark.objects.bulk_create([Bookmark(user=user, thread=thread)], ignore_conflicts=True)
    else:
        Bookmark.objects.filter(user=user, thread=thread).delete()
    return on


@dataclass
class BookmarkPage:
    bookmarks: list[Bookmark]
    next_before: int | None  # the `before=` of the next (older) page, None on the last one


def _visible(user: User, bookmarks: QuerySet[Bookmark]) -> QuerySet[Bookmark]:
    """Public threads (forum.visibility), and the private beta board's for those who may see it: a thread
    withdrawn from public view, or moved to a board the fan may not see, drops out of their list."""
    return bookmarks.filter(public_thread_q("thread__", sees_beta=may_see_beta(user)))


def bookmarks_page(user: User, before: int | None = None) -> BookmarkPage:
    """`user`'s bookmarks older than the bookmark `before`, newest first: a range on (user, -id), never an
    OFFSET, so the hundredth page costs what the first does. One row more tells whether there is a next."""
    rows = (
        Bookmark.objects.filter(user=user)
        .select_related("thread", "thread__author", "thread__last_poster")
        .only("created_at", "user_id", "thread_id", *(f"thread__{f}" for f in THREAD_ROW_FIELDS))
        .order_by("-id")
    )
    if before is not None:
        rows = rows.filter(pk__lt=before)
    found = list(_visible(user, rows)[: PER_PAGE + 1])
    shown = found[:PER_PAGE]
    return BookmarkPage(shown, shown[-1].pk if len(found) > PER_PAGE else None)


def bookmarks_data(user: User) -> dict:
    """The fan's part of the data export (settings.PERSONAL_DATA_EXPORTS)."""
    return {
        "forum_bookmarks": [
            {"thread": thread_id, "created_at": created_at.isoformat()}
            for thread_id, created_at in Bookmark.objects.filter(user=user)
            .order_by("pk")
            .values_list("thread_id", "created_at")
        ]
    }


def erase_bookmarks(user: User) -> None:
    """In the account deletion's transaction (settings.PERSONAL_DATA_ERASERS): bookmarks say only
    something about the fan, so they go."""
    Bookmark.objects.filter(user=user).delete()
