"""Reads the forum pages share, with their joins set so that each page runs a fixed number of queries."""

from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import User
from accounts.roles import CORE_TESTERS, MODERATORS
from forum.attachments import annotation as attachments_annotation
from forum.boards import visible_boards
from forum.models import (
    POSTS_PER_PAGE,
    Board,
    Bookmark,
    FeedbackKind,
    FeedbackStatus,
    Like,
    MeToo,
    Post,
    ReadMark,
    StatusChange,
    Thread,
    Watch,
)

THREADS_PER_PAGE = 30
# What a post's header needs of its author (public_name, role badge, city).
AUTHOR_FIELDS = ("username", "display_name", "avatar", "deleted_at", "is_staff", "city")
BADGE_GROUPS = (MODERATORS, CORE_TESTERS)


@dataclass
class Pages:
    number: int
    count: int | None  # None when unknown (filtered lists): then only "next" is offered
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def window(self) -> list[int | None]:
        """Page numbers to show: first, last and two either side of the current one; None is a gap."""
        if self.count is None:
            return []
        shown = sorted({1, self.count, *range(max(1, self.number - 2), min(self.count, self.number + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


def board_index(user: User) -> QuerySet[Board]:
    return visible_boards(user).select_related("last_thread", "last_poster")


# What a board-page row shows (forum/_thread_row.html) and its unread mark needs: building 30 rows
# with every column of the thread and of two users cost more than the query itself.
THREAD_ROW_FIELDS = (
    "board_id",
    "title",
    "is_pinned",
    "is_locked",
    "is_featured",
    "post_count",
    "reply_count",
    "view_count",
    "me_too_count",
    "status",
    "feedback_kind",
    "created_at",
    "last_post_at",
    *(f"{who}__{f}" for who in ("author", "last_poster") for f in ("username", "display_name", "deleted_at")),
)


def _thread_list(threads: QuerySet, viewer: User | None = None) -> QuerySet:
    """Board-page rows; for a signed-in `viewer` with the floor they read up to (`viewer_read_floor`,
    None if never opened) as a column of the same query, for the unread marks (`read_floors`)."""
    threads = threads.select_related("author", "last_poster").only(*THREAD_ROW_FIELDS)
    if viewer is not None and viewer.is_authenticated:
        threads = threads.annotate(viewer_read_floor=RawSQL(_READ_FLOOR_SQL, [viewer.pk]))
    return threads


def public_threads(board: Board) -> QuerySet[Thread]:
    """The board's threads that lists show: all but the withdrawn ones (forum.withdrawal), which the
    board page's partial indexes leave out too."""
    return board.threads.filter(hidden_at__isnull=True)


def board_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[Thread], Pages]:
    """Pinned first, then newest activity. The page count comes from the board's counter."""
    count = max(1, -(-board.thread_count // THREADS_PER_PAGE))
    page = min(page, count)
    start = (page - 1) * THREADS_PER_PAGE
    # The page's ids first (an index-only scan, whatever the page), then only those rows with joins.
    ids = list(
        public_threads(board)
        .order_by("-is_pinned", "-last_post_at")
        .values_list("pk", flat=True)[start : start + THREADS_PER_PAGE]
    )
    rows = {t.pk: t for t in _thread_list(Thread.objects.filter(pk__in=ids), viewer)}
    return [rows[pk] for pk in ids if pk in rows], Pages(page, count, page < count)


def featured_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[Thread], Pages]:
    """The board's featured (精华) threads, newest activity first (a partial index holds them)."""
    start = (page - 1) * THREADS_PER_PAGE
    threads = public_threads(board).filter(is_featured=True).order_by("-last_post_at")
    rows = list(_thread_list(threads, viewer)[start : start + THREADS_PER_PAGE + 1])
    return rows[:THREADS_PER_PAGE], Pages(page, None, len(rows) > THREADS_PER_PAGE)


FEEDBACK_SORTS = {"votes": ["-me_too_count", "-created_at"], "newest": ["-created_at"], "unanswered": ["created_at"]}


def feedback_threads(
    board: Board, page: int, status: str = "", kind: str = "", sort: str = "", viewer: User | None = None
) -> tuple[list[Thread], Pages]:
    """The feedback list, filtered and sorted; a page more is fetched to know whether there is a next one."""
    threads = public_threads(board)
    if status in FeedbackStatus.values:
        threads = threads.filter(status=status)
    if kind in FeedbackKind.values:
        threads = threads.filter(feedback_kind=kind)
    if sort == "unanswered":
        threads = threads.filter(first_staff_reply_at__isnull=True)
    order = FEEDBACK_SORTS.get(sort)
    threads = threads.order_by(*order) if order else threads.order_by("-is_pinned", "-last_post_at")
    start = (page - 1) * THREADS_PER_PAGE
    rows = list(_thread_list(threads, viewer)[start : start + THREADS_PER_PAGE + 1])
    return rows[:THREADS_PER_PAGE], Pages(page, None, len(rows) > THREADS_PER_PAGE)


def thread_for_page(pk: int, viewer: User | None = None) -> Thread:
    """The thread and its board, and for a signed-in `viewer` their state on it as columns of the same
    query (`thread_state`); the official answer (feedback only) comes in a query of its own."""
    threads = Thread.objects.select_related("board")
    if viewer is not None and viewer.is_authenticated:
        threads = threads.annotate(**_state_columns(viewer))
    thread = threads.get(pk=pk)
    if thread.official_post_id:
        thread.official_post = Post.objects.select_related("author").get(pk=thread.official_post_id)
    return thread


def _posts_for_page(posts: QuerySet[Post], viewer: User | None = None) -> QuerySet[Post]:
    """`posts` with what the thread page shows of them: only the columns it shows (no password, bio,
    search vector); the role badge's groups as an array in the authors query instead of a prefetch
    (which builds a manager per author); the attachments as a JSON column of the posts query."""
    authors = (
        User.objects.select_related("city")
        .only(*AUTHOR_FIELDS, "city__name", "city__name_en")
        .annotate(
            forum_roles=ArraySubquery(Group.objects.filter(user=OuterRef("pk"), name__in=BADGE_GROUPS).values("name"))
        )
    )
    quotes = Post.objects.select_related("author").only(
        "floor", "html", "deleted_at", "hidden_at", *(f"author__{f}" for f in AUTHOR_FIELDS)
    )
    # Authors and quotes come by prefetch, not by join: the planner cannot know that a floor range
    # holds 20 rows, and a join planned for thousands of rows costs more than four small queries.
    if viewer is not None and viewer.is_authenticated:  # whether they liked each post, in the same query
        posts = posts.annotate(viewer_liked=RawSQL(_LIKED_SQL, [viewer.pk]))
    return (
        posts.defer("body", "search")
        .annotate(attachment_rows=attachments_annotation())  # in this query, not one more (forum.attachments)
        .prefetch_related(Prefetch("author", queryset=authors), Prefetch("quote", queryset=quotes))
    )


def thread_posts(thread: Thread, page: int, viewer: User | None = None) -> list[Post]:
    """Page N holds floors 20(N-1)+1 .. 20N: an index range on (thread, floor), never an OFFSET."""
    first = (page - 1) * POSTS_PER_PAGE + 1
    posts = Post.objects.filter(thread=thread, floor__gte=first, floor__lt=first + POSTS_PER_PAGE)
    return list(_posts_for_page(posts, viewer).order_by("floor"))


@dataclass
class OpPages:
    """只看楼主 paging by floor key: `before` is the first floor shown (for "previous"), `after` the
    last (for "next"); None where there is nothing that way."""

    before: int | None
    after: int | None


def op_posts(
    thread: Thread, after: int | None = None, before: int | None = None, viewer: User | None = None
) -> tuple[list[Post], OpPages]:
    """The thread author's floors, 20 at a time by key on (thread, author, floor): after floor `after`,
    or the 20 before floor `before`, or the first 20. One more row is read to know whether there is more."""
    posts = Post.objects.filter(thread=thread, author_id=thread.author_id)
    if before is not None and after is None:
        rows = list(_posts_for_page(posts.filter(floor__lt=before), viewer).order_by("-floor")[: POSTS_PER_PAGE + 1])
        more_before = len(rows) > POSTS_PER_PAGE
        rows = rows[:POSTS_PER_PAGE][::-1]
        more_after = True
    else:
        if after is not None:
            posts = posts.filter(floor__gt=after)
        rows = list(_posts_for_page(posts, viewer).order_by("floor")[: POSTS_PER_PAGE + 1])
        more_after = len(rows) > POSTS_PER_PAGE
        rows = rows[:POSTS_PER_PAGE]
        more_before = after is not None
    if not rows:
        return [], OpPages(None, None)
    return rows, OpPages(rows[0].floor if more_before else None, rows[-1].floor if more_after else None)


def liked_post_ids(user: User, posts: list[Post]) -> set[int]:
    if not user.is_authenticated or not posts:
        return set()
    if hasattr(posts[0], "viewer_liked"):  # read with the posts (thread_posts with a viewer)
        return {p.pk for p in posts if p.viewer_liked}
    return set(Like.objects.filter(user=user, post__in=[p.pk for p in posts]).values_list("post_id", flat=True))


class ThreadState(NamedTuple):
    watching: bool = False
    read_floor: int = 0
    me_too: bool = False
    bookmarked: bool = False


# One fan's state on a thread, as SQL on the thread's row (the one parameter is the fan's id): the
# thread page reads it as columns of the thread's own query (thread_for_page), so a signed-in page
# costs no query for it. A new piece of per-viewer state is one more entry here and in ThreadState.
_THREAD = Thread._meta.db_table
_STATE_SQL = {
    "watching": f"EXISTS (SELECT 1 FROM {Watch._meta.db_table} s WHERE s.user_id = %s AND s.thread_id = {_THREAD}.id)",
    "read_floor": f"COALESCE((SELECT s.floor FROM {ReadMark._meta.db_table} s "
    f"WHERE s.user_id = %s AND s.thread_id = {_THREAD}.id), 0)",
    "me_too": f"EXISTS (SELECT 1 FROM {MeToo._meta.db_table} s WHERE s.user_id = %s AND s.thread_id = {_THREAD}.id)",
    "bookmarked": f"EXISTS (SELECT 1 FROM {Bookmark._meta.db_table} s "
    f"WHERE s.user_id = %s AND s.thread_id = {_THREAD}.id)",
}
_READ_FLOOR_SQL = f"SELECT s.floor FROM {ReadMark._meta.db_table} s WHERE s.user_id = %s AND s.thread_id = {_THREAD}.id"
_LIKED_SQL = (
    f"EXISTS (SELECT 1 FROM {Like._meta.db_table} s WHERE s.user_id = %s AND s.post_id = {Post._meta.db_table}.id)"
)


def _state_columns(user: User) -> dict[str, RawSQL]:
    return {f"viewer_{name}": RawSQL(sql, [user.pk]) for name, sql in _STATE_SQL.items()}


def thread_state(user: User, thread: Thread) -> ThreadState:
    """Watching, floor read up to, voted "me too", bookmarked: one fan and one thread. No query when
    the thread came from `thread_for_page(pk, viewer=user)`, else one."""
    if not user.is_authenticated:
        return ThreadState()
    if not hasattr(thread, "viewer_watching"):
        columns = _state_columns(user)
        row = Thread.objects.filter(pk=thread.pk).annotate(**columns).values(*columns).first() or {}
        for name, value in row.items():
            setattr(thread, name, value)
    return ThreadState(
        **{name: getattr(thread, f"viewer_{name}", default) for name, default in ThreadState._field_defaults.items()}
    )


def read_floors(user: User, threads: list[Thread]) -> dict[int, int]:
    if not user.is_authenticated or not threads:
        return {}
    if hasattr(threads[0], "viewer_read_floor"):  # read with the rows (_thread_list with a viewer)
        return {t.pk: t.viewer_read_floor for t in threads if t.viewer_read_floor is not None}
    return dict(
        ReadMark.objects.filter(user=user, thread__in=[t.pk for t in threads]).values_list("thread_id", "floor")
    )


def status_log(thread: Thread) -> list[StatusChange]:
    if not thread.is_feedback:
        return []
    return list(thread.status_changes.select_related("changed_by"))
