"""Public visibility, written once: what an anonymous reader may read.

A **thread is public** when it is not withdrawn (`Thread.hidden_at`, forum.permissions) and its board is
not the private beta board (`Board.testers_only`). A **post is public** when it is neither deleted nor
hidden by a moderator (`Post.is_visible`) and its thread is public. Who wrote it does not matter: a
deleted account's posts stay public, signed "deleted user" (已注销), as the pages show them. A post held
for review (`HeldPost`) and a draft (`Draft`) are not posts: nothing here can make them public.

The rule is here three times, side by side: Python predicates for one object, SQL for the hand-written
statements (over the aliases a statement has joined) and `Q` objects for the ORM.
tests/forum/test_visibility.py builds every state and checks that the three agree (the SQL run on the
database), and that the board page's partial indexes still hold what `thread_shown_sql` says.

Lists show a viewer what is public, and the beta board too if they may see it (`sees_beta`, from
`forum.permissions.may_see_beta`). The per-viewer rules for one post or thread build on these:
`forum.permissions.can_see`, `forum.permissions.may_read_withdrawn` and `forum.permissions.may_read_post`
(for an anonymous reader it is `is_public_post`).
"""

from django.db.models import Q

from forum.models import Board, BoardKind, Post, Thread

_THREAD, _BOARD = Thread._meta.db_table, Board._meta.db_table


def _alias(alias: str) -> str:
    return f"{alias}." if alias else ""


# --- Python: one object --------------------------------------------------------------------------


def post_shown(post: Post) -> bool:
    """The post's own part: neither deleted nor hidden by a moderator."""
    return post.is_visible


def thread_shown(thread: Thread) -> bool:
    """The thread's own part: not withdrawn."""
    return thread.hidden_at is None


def board_public(board: Board) -> bool:
    """The board's own part: not the private beta board."""
    return not board.testers_only


def is_public_thread(thread: Thread, sees_beta: bool = False) -> bool:
    return thread_shown(thread) and (sees_beta or board_public(thread.board))


def is_public_post(post: Post, sees_beta: bool = False) -> bool:
    return post_shown(post) and is_public_thread(post.thread, sees_beta)


# --- SQL: the same rule over a statement's aliases -----------------------------------------------


def post_shown_sql(post: str = "p") -> str:
    a = _alias(post)
    return f"{a}deleted_at IS NULL AND {a}hidden_at IS NULL"


def thread_shown_sql(thread: str = "t") -> str:
    """`thread` "" for a statement on the thread table alone (and the partial indexes' predicate)."""
    return f"{_alias(thread)}hidden_at IS NULL"


def board_public_sql(board: str = "b") -> str:
    return f"{_alias(board)}kind <> '{BoardKind.BETA}'"


def public_thread_sql(thread: str = "t", board: str = "b", sees_beta: bool = False) -> str:
    """The thread `thread` joined to its board `board` (not read when `sees_beta`)."""
    return thread_shown_sql(thread) if sees_beta else f"{thread_shown_sql(thread)} AND {board_public_sql(board)}"


def public_post_sql(post: str = "p", thread: str = "t", board: str = "b", sees_beta: bool = False) -> str:
    """The post `post` joined to its thread `thread` and that thread's board `board`."""
    return f"{post_shown_sql(post)} AND {public_thread_sql(thread, board, sees_beta)}"


def candidate_post_sql(post: str = "p", sees_beta: bool = False) -> str:
    """A superset of the public posts, tested on the post's row alone, for a statement that must not join
    (search's ranking: a join there let the planner walk every thread): its own state, and its thread not
    on the beta board (a subquery of the beta board's threads, hashed once). A withdrawn thread's posts are
    hidden with it (forum.moderation.moderate.withdraw_thread), so they fail it too, except a post a moderator
    restored since or a moderator's reply in the locked thread: the statement that shows the rows must
    test `public_post_sql` again (search's hits do)."""
    if sees_beta:
        return post_shown_sql(post)
    beta_threads = (
        f"SELECT bt.id FROM {_THREAD} bt JOIN {_BOARD} bb ON bb.id = bt.board_id WHERE bb.kind = '{BoardKind.BETA}'"
    )
    return f"{post_shown_sql(post)} AND {post}.thread_id NOT IN ({beta_threads})"


# --- ORM: the same rule as Q objects (`prefix` reaches the model from the one queried) ------------


def post_shown_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}deleted_at__isnull": True, f"{prefix}hidden_at__isnull": True})


def thread_shown_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}hidden_at__isnull": True})


def board_public_q(prefix: str = "") -> Q:
    return ~Q(**{f"{prefix}kind": BoardKind.BETA})


def public_thread_q(prefix: str = "", sees_beta: bool = False) -> Q:
    """On Thread (`prefix` "thread__" from a model with a thread, such as Bookmark)."""
    q = thread_shown_q(prefix)
    return q if sees_beta else q & board_public_q(f"{prefix}board__")


def public_post_q(prefix: str = "", sees_beta: bool = False) -> Q:
    return post_shown_q(prefix) & public_thread_q(f"{prefix}thread__", sees_beta)
