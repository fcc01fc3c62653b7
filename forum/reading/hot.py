"""Hot threads (热门): ranked every few minutes by recent replies and likes with time decay.

`rank()` (beat task `forum.tasks.rank_hot_threads`, every 5 minutes) scores each thread by the
replies and likes of the last `WINDOW`, each counted as its weight divided by (age in hours + 2) to
the power `GRAVITY`, as Hacker News ranks stories: a reply of ten minutes ago counts about 2.5 times
one of two hours ago, and activity of three days ago hardly at all. It keeps the best `PER_BOARD`
of each board and the best `SITE_WIDE` overall in the `HotThread` table, replacing the old ranking
in one transaction. No page computes a score.

Pages read the lists through the cache (`for_board`, `for_site`: one GET); on a miss, or with Redis
down, one indexed query on that small table, which also applies visibility again: a thread moved
off the board, or whose first post was hidden or deleted since the ranking, is left out, and the
private beta board's threads are shown only to those who may see it. `forget` drops a thread from
the lists at once (a moderator hid or moved it).
"""

import datetime
from dataclasses import dataclass
from functools import partial

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from fancity.lib.names import in_page_language
from forum.models import Board, HotThread, Like, Post, Thread
from forum.permissions import may_see_beta
from forum.visibility import board_public_q, post_shown_q, post_shown_sql, thread_shown_q, thread_shown_sql

WINDOW = datetime.timedelta(days=3)
GRAVITY = 1.5
REPLY_WEIGHT = 1.0
LIKE_WEIGHT = 0.5
PER_BOARD = 10
SITE_WIDE = 50
SHOWN = 5  # on a board page and on the home page
CACHE_SECONDS = 60


@dataclass(frozen=True)
class HotItem:
    """What a hot list shows of a thread (kept in the cache, so no model instances)."""

    thread_id: int
    title: str
    reply_count: int
    is_featured: bool
    board_name: str
    board_name_en: str

    @property
    def board_label(self) -> str:
        return in_page_language(self.board_name, self.board_name_en)


def _sql() -> str:
    post, thread, like = Post._meta.db_table, Thread._meta.db_table, Like._meta.db_table
    return f"""
        WITH events AS (
            SELECT p.thread_id, p.created_at AS at, %(reply)s AS weight
            FROM {post} p JOIN {thread} t ON t.id = p.thread_id
            WHERE t.last_post_at >= %(since)s AND p.created_at >= %(since)s AND p.floor > 1
              AND {post_shown_sql("p")}
            UNION ALL
            SELECT p.thread_id, l.created_at, %(like)s
            FROM {like} l JOIN {post} p ON p.id = l.post_id
            WHERE l.created_at >= %(since)s AND {post_shown_sql("p")}
        ), scored AS (
            SELECT e.thread_id, t.board_id,
                   SUM(e.weight / power(GREATEST(EXTRACT(EPOCH FROM (%(now)s - e.at)), 0) / 3600.0 + 2, %(gravity)s))
                       AS score
            FROM events e JOIN {thread} t ON t.id = e.thread_id
            WHERE {thread_shown_sql("t")} AND NOT EXISTS (
                SELECT 1 FROM {post} f WHERE f.thread_id = t.id AND f.floor = 1 AND NOT ({post_shown_sql("f")})
            )
            GROUP BY e.thread_id, t.board_id
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY board_id ORDER BY score DESC, thread_id DESC) AS in_board,
                      row_number() OVER (ORDER BY score DESC, thread_id DESC) AS overall
            FROM scored
        )
        SELECT thread_id, board_id, score FROM ranked WHERE in_board <= %(per_board)s OR overall <= %(site_wide)s
    """


def _keys(board_ids) -> list[str]:
    return [f"forum:hot:board:{pk}" for pk in board_ids] + ["forum:hot:site:0", "forum:hot:site:1"]


def rank(now: datetime.datetime | None = None) -> int:
    """Score the threads and replace the hot lists; returns how many threads are listed."""
    now = now or timezone.now()
    params: dict[str, datetime.datetime | float] = {
        "now": now,
        "since": now - WINDOW,
        "reply": REPLY_WEIGHT,
        "like": LIKE_WEIGHT,
        "gravity": GRAVITY,
        "per_board": PER_BOARD,
        "site_wide": SITE_WIDE,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('forum.reading.hot.rank'))")  # one ranking at a time
            cursor.execute(_sql(), params)
            rows = cursor.fetchall()
        boards = set(HotThread.objects.values_list("board_id", flat=True).distinct())
        HotThread.objects.all().delete()
        HotThread.objects.bulk_create(
            [HotThread(thread_id=t, board_id=b, score=score, computed_at=now) for t, b, score in rows]
        )
        boards |= {b for _t, b, _s in rows}
        transaction.on_commit(partial(cache.delete_many, _keys(boards)))
    return len(rows)


def forget(thread: Thread) -> None:
    """Take `thread` out of the hot lists now (hidden, deleted or moved); the next ranking decides again."""
    boards = list(HotThread.objects.filter(thread_id=thread.pk).values_list("board_id", flat=True))
    if boards:
        HotThread.objects.filter(thread_id=thread.pk).delete()
        transaction.on_commit(partial(cache.delete_many, _keys(boards)))


def _visible() -> QuerySet[HotThread]:
    """Hot rows still on the board they were ranked on, not withdrawn, whose first post is neither hidden
    nor deleted (forum.visibility; the beta board is left to the reader's own test)."""
    gone = Post.objects.filter(thread=OuterRef("thread_id"), floor=1).exclude(post_shown_q())
    on_board = Q(thread__board_id=F("board_id")) & thread_shown_q("thread__")
    return HotThread.objects.filter(on_board).exclude(Exists(gone))


def _items(rows) -> list[HotItem]:
    return [
        HotItem(*row)
        for row in rows.order_by("-score", "-thread_id").values_list(
            "thread_id", "thread__title", "thread__reply_count", "thread__is_featured", "board__name", "board__name_en"
        )[:SHOWN]
    ]


def _cached(key: str, load) -> list[HotItem]:
    items = cache.get(key)
    if items is None:
        items = load()
        cache.set(key, items, CACHE_SECONDS)
    return items


def for_board(board: Board) -> list[HotItem]:
    """The board's hot threads, best first (the board page checks that the viewer may see the board)."""
    return _cached(f"forum:hot:board:{board.pk}", lambda: _items(_visible().filter(board=board)))


def for_site(user: User) -> list[HotItem]:
    """The hottest threads of every board `user` may see, best first (the home page)."""
    beta = may_see_beta(user)

    def load() -> list[HotItem]:
        rows = _visible()
        return _items(rows if beta else rows.filter(board_public_q("board__")))

    return _cached(f"forum:hot:site:{int(beta)}", load)
