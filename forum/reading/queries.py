"""Reads the forum pages share, with their joins set so that each page runs a fixed number of queries."""

from dataclasses import dataclass, replace
from typing import NamedTuple

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import City, User
from community.devices import device_names
from fancity.lib import cards, raw, when
from forum.attachments import rows_sql as attachments_rows_sql
from forum.attachments import shown_images
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
from forum.reading.cards import PostCard, ThreadRow
from forum.visibility import thread_shown_q, thread_shown_sql

THREADS_PER_PAGE = 30


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


# What the ORM loads of a thread for its board-page row elsewhere (bookmarks, profiles): the card's
# fields, and what the unread mark and the lists' order need.
THREAD_ROW_FIELDS = (*cards.orm_fields(ThreadRow), "post_count", "created_at", "board_id")


def thread_row(thread: Thread, read_floors: dict[int, int] | None = None, now=None) -> ThreadRow:
    """The row of a thread the ORM loaded with `THREAD_ROW_FIELDS` (and its two users). `read_floors`
    (a signed-in viewer's, `read_floors`) marks the row unread where there are floors past theirs."""
    return cards.from_instance(
        ThreadRow,
        thread,
        last_words=when.ago(thread.last_post_at, now or when.clock()),
        unread=read_floors is not None and thread.post_count > read_floors.get(thread.pk, 0),
    )


def _signed_in_ids(viewer: User | None) -> list[int]:
    """The statement parameters of a signed-in `viewer` (their id), none for an anonymous reader."""
    return [viewer.pk] if viewer is not None and viewer.is_authenticated else []


_BOARD_COLUMNS = raw.Columns(Board, "b")
_BOARD_SQL = f"SELECT {_BOARD_COLUMNS.select('')} FROM {Board._meta.db_table} WHERE slug = %s"


def board_for_page(slug: str) -> Board | None:
    """The board with this slug (hand-written like the page's rows: fancity.lib.raw)."""
    rows = raw.fetch(_BOARD_SQL, [slug])
    return _BOARD_COLUMNS.build(rows[0], 0) if rows else None


def public_threads(board: Board) -> QuerySet[Thread]:
    """The board's threads that lists show: all but the withdrawn ones (forum.visibility; the board is
    checked visible to the reader), which the board page's partial indexes leave out too."""
    return board.threads.filter(thread_shown_q())


# A board page's rows, written in SQL like the thread page's: the ORM took longer to build 30 rows'
# query than PostgreSQL to answer it. The page's ids (and sort keys) come first from the index,
# whatever the page, then only those rows are joined to their two users.
_ROWS_SQL = f"""
SELECT {cards.select(ThreadRow, "t")}, t.post_count, {{read}} AS viewer_read_floor
FROM (SELECT id, {{keys}} FROM {Thread._meta.db_table} WHERE {{where}} ORDER BY {{order}} LIMIT %s OFFSET %s) page
JOIN {Thread._meta.db_table} t ON t.id = page.id
JOIN {User._meta.db_table} a ON a.id = t.author_id
LEFT JOIN {User._meta.db_table} l ON l.id = t.last_poster_id
ORDER BY {{page_order}}
""".strip()
_ROW_WIDTH = cards.width(ThreadRow)
_ROW_LAST_POST_AT = cards.columns(ThreadRow, "t").index("t.last_post_at")
_ROW_READ_FLOOR_SQL = f"(SELECT s.floor FROM {ReadMark._meta.db_table} s WHERE s.user_id = %s AND s.thread_id = t.id)"


def _thread_rows(
    where: str, params: list, order: tuple[str, ...], start: int, limit: int, viewer: User | None
) -> list[ThreadRow]:
    """Board-page rows (forum/_thread_row.html) of the threads the `where` filter (SQL on forum_thread,
    with `params`) gives, ordered by `order` (field names, "-" for descending), `limit` of them from
    `start`; for a signed-in `viewer` marked unread where they have floors to read (the floor they read
    up to is a column of the same query)."""
    viewer_ids = _signed_in_ids(viewer)
    signed_in = bool(viewer_ids)
    keys = [name.lstrip("-") for name in order]
    directions = ["DESC" if name.startswith("-") else "ASC" for name in order]
    sql = _ROWS_SQL.format(
        read=_ROW_READ_FLOOR_SQL if signed_in else "NULL",
        keys=", ".join(keys),
        where=where,
        order=", ".join(f"{key} {d}" for key, d in zip(keys, directions, strict=True)),
        page_order=", ".join(f"page.{key} {d}" for key, d in zip(keys, directions, strict=True)),
    )
    now = when.clock()
    rows = []
    for row in raw.fetch(sql, [*viewer_ids, *params, limit, start]):
        post_count, read_floor = row[_ROW_WIDTH:]
        rows.append(
            cards.build(
                ThreadRow,
                row,
                last_words=when.ago(row[_ROW_LAST_POST_AT], now),
                unread=signed_in and post_count > (read_floor or 0),
            )
        )
    return rows


_LISTED = f"board_id = %s AND {thread_shown_sql('')}"  # public_threads, in SQL (the partial indexes' predicate)
BOARD_ORDER = ("-is_pinned", "-last_post_at")


def board_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[ThreadRow], Pages]:
    """Pinned first, then newest activity. The page count comes from the board's counter."""
    count = max(1, -(-board.thread_count // THREADS_PER_PAGE))
    page = min(page, count)
    start = (page - 1) * THREADS_PER_PAGE
    threads = _thread_rows(_LISTED, [board.pk], BOARD_ORDER, start, THREADS_PER_PAGE, viewer)
    return threads, Pages(page, count, page < count)


def featured_threads(board: Board, page: int, viewer: User | None = None) -> tuple[list[ThreadRow], Pages]:
    """The board's featured (精华) threads, newest activity first (a partial index holds them)."""
    start = (page - 1) * THREADS_PER_PAGE
    rows = _thread_rows(
        f"{_LISTED} AND is_featured", [board.pk], ("-last_post_at",), start, THREADS_PER_PAGE + 1, viewer
    )
    return rows[:THREADS_PER_PAGE], Pages(page, None, len(rows) > THREADS_PER_PAGE)


FEEDBACK_SORTS = {"votes": ("-me_too_count", "-created_at"), "newest": ("-created_at",), "unanswered": ("created_at",)}


def feedback_threads(
    board: Board,
    page: int,
    status: str = "",
    kind: str = "",
    sort: str = "",
    viewer: User | None = None,
    device: str = "",
) -> tuple[list[ThreadRow], Pages]:
    """The feedback list, filtered and sorted; a page more is fetched to know whether there is a next one.
    `device` is one of the device names staff keep (community device tags): the reporter's device."""
    where = _LISTED
    params: list[object] = [board.pk]
    if status in FeedbackStatus.values:
        where, params = f"{where} AND status = %s", [*params, status]
    if kind in FeedbackKind.values:
        where, params = f"{where} AND feedback_kind = %s", [*params, kind]
    if device and device in device_names():
        where, params = f"{where} AND device_model = %s", [*params, device]
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
    viewer_ids = _signed_in_ids(viewer)
    signed_in = bool(viewer_ids)
    state = "".join(f", {sql} AS viewer_{name}" for name, sql in _STATE_SQL.items()) if signed_in else ""
    rows = raw.fetch(_THREAD_SQL.format(state=state), [*viewer_ids * len(_STATE_SQL), pk])
    if not rows:
        raise Thread.DoesNotExist
    row = rows[0]
    thread = _THREAD_COLUMNS.build_present(row, 0)
    thread.board = _BOARD_COLUMNS.build_present(row, _THREAD_COLUMNS.width)
    viewer_state = row[_THREAD_COLUMNS.width + _BOARD_COLUMNS.width :]
    for name, value in zip(_STATE_SQL, viewer_state, strict=False):  # none for an anonymous reader
        setattr(thread, f"viewer_{name}", value)
    if thread.official_post_id:
        thread.official_post = Post.objects.select_related("author").get(pk=thread.official_post_id)
    return thread


@dataclass(frozen=True)
class PagePosts:
    """A thread page's posts: the cards every viewer sees (forum.reading.cards.PostCard) and, by post id, what
    only some viewers see under them: a hidden post's reason, its attachments' rows (the logs, for
    those who may read them: forum.attachments.readable_logs) and, for a signed-in reader, the posts
    they liked."""

    cards: list[PostCard]
    hidden_reasons: dict[int, str]
    attachment_rows: dict[int, tuple]
    liked: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.cards)


# The page's posts come from a subquery with a LIMIT, so that the planner knows there are at most 21
# rows to join (a floor range's row count it cannot estimate, and a join planned for thousands of
# rows would cost more than the page). The SELECT list is PostCard's (forum.reading.cards: its aliases).
_USER, _POST = User._meta.db_table, Post._meta.db_table
_PAGE_POST_COLUMNS = sorted(
    {c.removeprefix("p.") for c in cards.columns(PostCard, "p") if c.startswith("p.")}
    | {"hidden_reason", "author_id", "quote_id"}
)
_POSTS_SQL = f"""
SELECT {cards.select(PostCard, "p")}, p.hidden_reason,
  {attachments_rows_sql("p.id")} AS attachment_rows,
  {{liked}} AS viewer_liked
FROM (SELECT {", ".join(_PAGE_POST_COLUMNS)} FROM {_POST} WHERE {{where}} ORDER BY floor {{direction}} LIMIT %s) p
JOIN {_USER} u ON u.id = p.author_id
LEFT JOIN {City._meta.db_table} c ON c.id = u.city_id
LEFT JOIN {_POST} q ON q.id = p.quote_id
LEFT JOIN {_USER} qu ON qu.id = q.author_id
ORDER BY p.floor {{direction}}
""".strip()
_POST_WIDTH = cards.width(PostCard)
_POST_CREATED_AT = cards.columns(PostCard, "p").index("p.created_at")
_POST_FLOOR = cards.columns(PostCard, "p").index("p.floor")
_POST_AUTHOR_ID = cards.columns(PostCard, "p").index("u.id")
_POST_HIDDEN_AT = cards.columns(PostCard, "p").index("p.hidden_at")
_LIKED_SQL = f"EXISTS (SELECT 1 FROM {Like._meta.db_table} s WHERE s.user_id = %s AND s.post_id = p.id)"


def _posts(
    thread: Thread, where: str, params: list, limit: int, viewer: User | None, descending: bool = False
) -> PagePosts:
    """Up to `limit` posts of `thread` that the `where` filter (SQL on forum_post, with `params`) gives,
    in floor order, with all the thread page shows of them in one query."""
    viewer_ids = _signed_in_ids(viewer)
    signed_in = bool(viewer_ids)
    sql = _POSTS_SQL.format(
        liked=_LIKED_SQL if signed_in else "NULL", where=where, direction="DESC" if descending else "ASC"
    )
    now = when.clock()
    withdrawn = thread.hidden_at is not None
    shown, reasons, attachment_rows, liked = [], {}, {}, set()
    for row in raw.fetch(sql, [*viewer_ids, *params, limit]):
        reason, rows, viewer_liked = row[_POST_WIDTH:]
        card = cards.build(
            PostCard,
            row,
            by_op=row[_POST_FLOOR] > 1 and row[_POST_AUTHOR_ID] == thread.author_id,
            created_words=when.ago(row[_POST_CREATED_AT], now),
            images=shown_images(rows, private=withdrawn or row[_POST_HIDDEN_AT] is not None),
        )
        shown.append(card)
        reasons[card.id], attachment_rows[card.id] = reason, tuple(rows)
        if viewer_liked:
            liked.add(card.id)
    return PagePosts(shown, reasons, attachment_rows, frozenset(liked))


def thread_posts(thread: Thread, page: int, viewer: User | None = None) -> PagePosts:
    """Page N holds floors 20(N-1)+1 .. 20N: an index range on (thread, floor), never an OFFSET."""
    first = (page - 1) * POSTS_PER_PAGE + 1
    return _posts(
        thread,
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
) -> tuple[PagePosts, OpPages]:
    """The thread author's floors, 20 at a time by key on (thread, author, floor): after floor `after`,
    or the 20 before floor `before`, or the first 20. One more row is read to know whether there is more."""
    where, params = "thread_id = %s AND author_id = %s", [thread.pk, thread.author_id]
    if before is not None and after is None:
        read = _posts(thread, f"{where} AND floor < %s", [*params, before], POSTS_PER_PAGE + 1, viewer, True)
        more_before = len(read.cards) > POSTS_PER_PAGE
        read = replace(read, cards=read.cards[:POSTS_PER_PAGE][::-1])
        more_after = True
    else:
        if after is not None:
            where, params = f"{where} AND floor > %s", [*params, after]
        read = _posts(thread, where, params, POSTS_PER_PAGE + 1, viewer)
        more_after = len(read.cards) > POSTS_PER_PAGE
        read = replace(read, cards=read.cards[:POSTS_PER_PAGE])
        more_before = after is not None
    if not read.cards:
        return read, OpPages(None, None)
    return read, OpPages(read.cards[0].floor if more_before else None, read.cards[-1].floor if more_after else None)


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
    return ThreadState._make(
        getattr(thread, f"viewer_{name}", default) for name, default in ThreadState._field_defaults.items()
    )


def read_floors(user: User, threads: list[Thread]) -> dict[int, int]:
    """The floor `user` read up to in each of `threads` they have opened (for lists the ORM loads)."""
    if not user.is_authenticated or not threads:
        return {}
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
        change = _CHANGE_COLUMNS.build_present(row, 0)
        change.changed_by = _CHANGER_COLUMNS.build_present(row, _CHANGE_COLUMNS.width)
        changes.append(change)
    return changes
