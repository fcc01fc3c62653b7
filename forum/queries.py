"""Reads the forum pages share, with their joins set so that each page runs a fixed number of queries."""

from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import City, User
from accounts.roles import CORE_TESTERS, EVENT_STAFF, MODERATORS, SERVICE_DESK
from fancity.lib import raw
from forum.attachments import rows_sql as attachments_rows_sql
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
AUTHOR_FIELDS = ("username", "display_name", "avatar", "deleted_at", "is_superuser", "city")
BADGE_GROUPS = (EVENT_STAFF, SERVICE_DESK, MODERATORS, CORE_TESTERS)


@dataclass(frozen=True)  # its value is the key of the memoised links ({% pagination %}, forum.templatetags)
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


# What a board-page row shows (forum/_thread_row.html) and its unread mark needs: building 30 rows
# with every column of the thread and of two users cost more than the query itself.
_ROW_THREAD_FIELDS = (
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
)
_ROW_USER_FIELDS = ("username", "display_name", "deleted_at")  # of the author and the last poster
THREAD_ROW_FIELDS = (
    *_ROW_THREAD_FIELDS,
    *(f"{who}__{f}" for who in ("author", "last_poster") for f in _ROW_USER_FIELDS),
)


_BOARD_COLUMNS = raw.Columns(Board, "b")
_BOARD_SQL = f"SELECT {_BOARD_COLUMNS.select('')} FROM {Board._meta.db_table} WHERE slug = %s"


def board_for_page(slug: str) -> Board | None:
    """The board with this slug (hand-written like the page's rows: fancity.lib.raw)."""
    rows = raw.fetch(_BOARD_SQL, [slug])
    return _BOARD_COLUMNS.build(rows[0], 0) if rows else None


def public_threads(board: Board) -> QuerySet[Thread]:
    """The board's threads that lists show: all but the withdrawn ones (forum.withdrawal), which the
    board page's partial indexes leave out too."""
    return board.threads.filter(hidden_at__isnull=True)


# A board page's rows, written in SQL (fancity.lib.raw) like the thread page's: the ORM took longer
# to build 30 rows' query than PostgreSQL to answer it. The page's ids (and sort keys) come first
# from the index, whatever the page, then only those rows are joined to their two users.
_ROW_COLUMNS = raw.Columns(Thread, "t", (*_ROW_THREAD_FIELDS, "author", "last_poster"))
_ROW_AUTHOR_COLUMNS = raw.Columns(User, "a", _ROW_USER_FIELDS)
_ROW_LAST_POSTER_COLUMNS = raw.Columns(User, "l", _ROW_USER_FIELDS)
_ROW_PARTS = (_ROW_COLUMNS, _ROW_AUTHOR_COLUMNS, _ROW_LAST_POSTER_COLUMNS)
_ROWS_SQL = f"""
SELECT {", ".join(part.sql for part in _ROW_PARTS)}, {{read}} AS viewer_read_floor
FROM (SELECT id, {{keys}} FROM {Thread._meta.db_table} WHERE {{where}} ORDER BY {{order}} LIMIT %s OFFSET %s) page
JOIN {Thread._meta.db_table} t ON t.id = page.id
JOIN {User._meta.db_table} a ON a.id = t.author_id
LEFT JOIN {User._meta.db_table} l ON l.id = t.last_poster_id
ORDER BY {{page_order}}
""".strip()
_ROW_READ_FLOOR_SQL = f"(SELECT s.floor FROM {ReadMark._meta.db_table} s WHERE s.user_id = %s AND s.thread_id = t.id)"


def _thread_rows(
    where: str, params: list, order: tuple[str, ...], start: int, limit: int, viewer: User | None
) -> list[Thread]:
    """Board-page rows (forum/_thread_row.html) of the threads the `where` filter (SQL on forum_thread,
    with `params`) gives, ordered by `order` (field names, "-" for descending), `limit` of them from
    `start`; for a signed-in `viewer` with the floor they read up to (`viewer_read_floor`, None if never
    opened) as a column of the same query, for the unread marks (`read_floors`)."""
    signed_in = viewer is not None and viewer.is_authenticated
    keys = [name.lstrip("-") for name in order]
    directions = ["DESC" if name.startswith("-") else "ASC" for name in order]
    sql = _ROWS_SQL.format(
        read=_ROW_READ_FLOOR_SQL if signed_in else "NULL",
        keys=", ".join(keys),
        where=where,
        order=", ".join(f"{key} {d}" for key, d in zip(keys, directions, strict=True)),
        page_order=", ".join(f"page.{key} {d}" for key, d in zip(keys, directions, strict=True)),
    )
    threads = []
    for row in raw.fetch(sql, [*([viewer.pk] if signed_in else []), *params, limit, start]):
        (thread, author, last_poster), (read_floor,) = raw.split(row, _ROW_PARTS)
        raw.cache_related(thread, "author", author)
        raw.cache_related(thread, "last_poster", last_poster)
        if signed_in:
            thread.viewer_read_floor = read_floor
        threads.append(thread)
    return threads


_LISTED = "board_id = %s AND hidden_at IS NULL"  # public_threads, in SQL
BOARD_ORDER = ("-is_pinned", "-last_post_at")


def board_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[Thread], Pages]:
    """Pinned first, then newest activity. The page count comes from the board's counter."""
    count = max(1, -(-board.thread_count // THREADS_PER_PAGE))
    page = min(page, count)
    start = (page - 1) * THREADS_PER_PAGE
    threads = _thread_rows(_LISTED, [board.pk], BOARD_ORDER, start, THREADS_PER_PAGE, viewer)
    return threads, Pages(page, count, page < count)


def featured_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[Thread], Pages]:
    """The board's featured (精华) threads, newest activity first (a partial index holds them)."""
    start = (page - 1) * THREADS_PER_PAGE
    rows = _thread_rows(
        f"{_LISTED} AND is_featured", [board.pk], ("-last_post_at",), start, THREADS_PER_PAGE + 1, viewer
    )
    return rows[:THREADS_PER_PAGE], Pages(page, None, len(rows) > THREADS_PER_PAGE)


FEEDBACK_SORTS = {"votes": ("-me_too_count", "-created_at"), "newest": ("-created_at",), "unanswered": ("created_at",)}


def feedback_threads(
    board: Board, page: int, status: str = "", kind: str = "", sort: str = "", viewer: User | None = None
) -> tuple[list[Thread], Pages]:
    """The feedback list, filtered and sorted; a page more is fetched to know whether there is a next one."""
    where, params = _LISTED, [board.pk]
    if status in FeedbackStatus.values:
        where, params = f"{where} AND status = %s", [*params, status]
    if kind in FeedbackKind.values:
        where, params = f"{where} AND feedback_kind = %s", [*params, kind]
    if sort == "unanswered":
        where = f"{where} AND first_staff_reply_at IS NULL"
    start = (page - 1) * THREADS_PER_PAGE
    rows = _thread_rows(where, params, FEEDBACK_SORTS.get(sort, BOARD_ORDER), start, THREADS_PER_PAGE + 1, viewer)
    return rows[:THREADS_PER_PAGE], Pages(page, None, len(rows) > THREADS_PER_PAGE)


# The thread page's two reads are written in SQL (fancity.lib.raw): building them with the ORM
# (annotations, subqueries, prefetches) cost many times the CPU PostgreSQL spends on them.
_THREAD_COLUMNS = raw.Columns(Thread, Thread._meta.db_table)
_THREAD_SQL = (
    f"SELECT {_THREAD_COLUMNS.sql}, {_BOARD_COLUMNS.sql}{{state}} FROM {Thread._meta.db_table} "
    f"JOIN {Board._meta.db_table} b ON b.id = {Thread._meta.db_table}.board_id WHERE {Thread._meta.db_table}.id = %s"
)


def thread_for_page(pk: int, viewer: User | None = None) -> Thread:
    """The thread and its board (Thread.DoesNotExist if there is none), and for a signed-in `viewer`
    their state on it as columns of the same query (`thread_state`); the official answer (feedback
    only) comes in a query of its own."""
    signed_in = viewer is not None and viewer.is_authenticated
    state = "".join(f", {sql} AS viewer_{name}" for name, sql in _STATE_SQL.items()) if signed_in else ""
    rows = raw.fetch(_THREAD_SQL.format(state=state), [*([viewer.pk] * len(_STATE_SQL) if signed_in else []), pk])
    if not rows:
        raise Thread.DoesNotExist
    (thread, board), state = raw.split(rows[0], (_THREAD_COLUMNS, _BOARD_COLUMNS))
    raw.cache_related(thread, "board", board)
    for name, value in zip(_STATE_SQL, state, strict=False):  # none for an anonymous reader
        setattr(thread, f"viewer_{name}", value)
    if thread.official_post_id:
        thread.official_post = Post.objects.select_related("author").get(pk=thread.official_post_id)
    return thread


# What the thread page shows of a post, its author (the header: public_name, role badge, city), the
# quoted post and its author; the body and search vector stay out.
_POST_COLUMNS = raw.Columns(
    Post,
    "p",
    ("thread", "floor", "author", "html", "by_staff", "quote", "created_at", "edited_at", "deleted_at")
    + ("hidden_at", "hidden_by", "hidden_reason", "like_count"),
)
_AUTHOR_COLUMNS = raw.Columns(User, "u", AUTHOR_FIELDS)
_CITY_COLUMNS = raw.Columns(City, "c", ("name", "name_en"))
_QUOTE_COLUMNS = raw.Columns(Post, "q", ("floor", "html", "deleted_at", "hidden_at", "author"))
_QUOTE_AUTHOR_COLUMNS = raw.Columns(User, "qu", ("username", "display_name", "deleted_at"))
_POST_PARTS = (_POST_COLUMNS, _AUTHOR_COLUMNS, _CITY_COLUMNS, _QUOTE_COLUMNS, _QUOTE_AUTHOR_COLUMNS)
_USER, _POST = User._meta.db_table, Post._meta.db_table
# The page's posts come from a subquery with a LIMIT, so that the planner knows there are at most 21
# rows to join (a floor range's row count it cannot estimate, and a join planned for thousands of
# rows would cost more than the page).
_POSTS_SQL = f"""
SELECT {", ".join(part.sql for part in _POST_PARTS)},
  ARRAY(SELECT g.name FROM {User.groups.through._meta.db_table} ug JOIN {Group._meta.db_table} g ON g.id = ug.group_id
        WHERE ug.user_id = u.id AND g.name = ANY(%s)) AS roles,
  {attachments_rows_sql("p.id")} AS attachment_rows,
  {{liked}} AS viewer_liked
FROM (SELECT {_POST_COLUMNS.select("")} FROM {_POST} WHERE {{where}} ORDER BY floor {{direction}} LIMIT %s) p
JOIN {_USER} u ON u.id = p.author_id
LEFT JOIN {City._meta.db_table} c ON c.id = u.city_id
LEFT JOIN {_POST} q ON q.id = p.quote_id
LEFT JOIN {_USER} qu ON qu.id = q.author_id
ORDER BY p.floor {{direction}}
""".strip()
_LIKED_SQL = f"EXISTS (SELECT 1 FROM {Like._meta.db_table} s WHERE s.user_id = %s AND s.post_id = p.id)"


def _posts(where: str, params: list, limit: int, viewer: User | None, descending: bool = False) -> list[Post]:
    """Up to `limit` posts of the `where` filter (SQL on forum_post, with `params`) in floor order, with
    what the thread page shows of them in one query: the author (with `forum_roles`, the badge's group
    names, and city), the quoted post and its author, `attachment_rows` (forum.attachments.decorate)
    and, for a signed-in `viewer`, whether they liked each post (`viewer_liked`)."""
    signed_in = viewer is not None and viewer.is_authenticated
    sql = _POSTS_SQL.format(
        liked=_LIKED_SQL if signed_in else "NULL", where=where, direction="DESC" if descending else "ASC"
    )
    rows = raw.fetch(sql, [list(BADGE_GROUPS), *([viewer.pk] if signed_in else []), *params, limit])
    posts = []
    for row in rows:
        (post, author, city, quote, quote_author), (roles, attachment_rows, liked) = raw.split(row, _POST_PARTS)
        author.forum_roles, post.attachment_rows = roles, attachment_rows
        raw.cache_related(author, "city", city)
        raw.cache_related(post, "author", author)
        if quote is not None:
            raw.cache_related(quote, "author", quote_author)
        raw.cache_related(post, "quote", quote)
        if signed_in:
            post.viewer_liked = liked
        posts.append(post)
    return posts


def thread_posts(thread: Thread, page: int, viewer: User | None = None) -> list[Post]:
    """Page N holds floors 20(N-1)+1 .. 20N: an index range on (thread, floor), never an OFFSET."""
    first = (page - 1) * POSTS_PER_PAGE + 1
    return _posts(
        "thread_id = %s AND floor >= %s AND floor < %s",
        [thread.pk, first, first + POSTS_PER_PAGE],
        POSTS_PER_PAGE,
        viewer,
    )


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
    where, params = "thread_id = %s AND author_id = %s", [thread.pk, thread.author_id]
    if before is not None and after is None:
        rows = _posts(f"{where} AND floor < %s", [*params, before], POSTS_PER_PAGE + 1, viewer, descending=True)
        more_before = len(rows) > POSTS_PER_PAGE
        rows = rows[:POSTS_PER_PAGE][::-1]
        more_after = True
    else:
        if after is not None:
            where, params = f"{where} AND floor > %s", [*params, after]
        rows = _posts(where, params, POSTS_PER_PAGE + 1, viewer)
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
    if hasattr(threads[0], "viewer_read_floor"):  # read with the rows (_thread_rows with a viewer)
        return {t.pk: t.viewer_read_floor for t in threads if t.viewer_read_floor is not None}
    return dict(
        ReadMark.objects.filter(user=user, thread__in=[t.pk for t in threads]).values_list("thread_id", "floor")
    )


_CHANGE_COLUMNS = raw.Columns(StatusChange, "c")
_CHANGER_COLUMNS = raw.Columns(User, "u", ("username", "display_name", "deleted_at"))
_STATUS_LOG_SQL = (
    f"SELECT {_CHANGE_COLUMNS.sql}, {_CHANGER_COLUMNS.sql} FROM {StatusChange._meta.db_table} c "
    f"JOIN {User._meta.db_table} u ON u.id = c.changed_by_id WHERE c.thread_id = %s ORDER BY c.changed_at, c.id"
)


def status_log(thread: Thread) -> list[StatusChange]:
    """A feedback thread's status changes, oldest first, with who made them (hand-written like the page's
    other reads)."""
    if not thread.is_feedback:
        return []
    changes = []
    for row in raw.fetch(_STATUS_LOG_SQL, [thread.pk]):
        change = _CHANGE_COLUMNS.build(row, 0)
        raw.cache_related(change, "changed_by", _CHANGER_COLUMNS.build(row, _CHANGE_COLUMNS.width))
        changes.append(change)
    return changes
