"""Who moderates which board: the one rule, `can_moderate(user, board)`, and the same rule in SQL
for many boards (`moderated_boards`), which the moderation page, the log and the navigation count
use. tests/forum/test_moderation_permissions.py checks that the two agree for every kind of user.

A board's own moderators (版主, `BoardModerator`, appointed by staff in the admin) moderate that
board; site-wide moderators (the Moderators role, accounts.roles) and superusers moderate every
board they can see. A banned, deactivated or deleted account moderates nothing.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import MODERATORS, holders, is_moderator
from forum.boards import can_see, visible_boards
from forum.models import Board, BoardModerator

# The boards a fan was appointed to, read with their own row on every signed-in page
# (settings.ACCOUNT_FAN_COLUMNS, accounts.backends): no query, no cache, never out of date.
APPOINTED_BOARDS_SQL = f"ARRAY(SELECT board_id FROM {BoardModerator._meta.db_table} WHERE user_id = {{user}})"


def _own_board_ids(user: User) -> frozenset[int]:
    """The boards `user` was appointed to: from their row, or read once per user object when it was
    loaded otherwise (a task, a test)."""
    if not hasattr(user, "_moderated_board_ids"):
        ids = getattr(user, "appointed_board_ids", None)
        if ids is None:
            ids = BoardModerator.objects.filter(user_id=user.pk).values_list("board_id", flat=True)
        user._moderated_board_ids = frozenset(ids)
    return user._moderated_board_ids


def appointed_boards(user: User) -> frozenset[int]:
    """The ids of the boards `user` was appointed to moderate (no query for the signed-in fan)."""
    return _own_board_ids(user)


def is_site_moderator(user: User) -> bool:
    return may_act(user) and is_moderator(user)


def can_moderate(user: User, board: Board) -> bool:
    """The one check for every moderation power on `board`: views, writes, templates and queries."""
    if not may_act(user) or not can_see(user, board):
        return False
    return is_moderator(user) or board.pk in _own_board_ids(user)


def moderated_boards(user: User) -> QuerySet[Board]:
    """The boards `can_moderate(user, board)` lets `user` moderate, as SQL."""
    if not may_act(user):
        return Board.objects.none()
    boards = visible_boards(user)
    if is_moderator(user):
        return boards
    return boards.filter(pk__in=BoardModerator.objects.filter(user_id=user.pk).values("board_id"))


def moderates_anything(user: User) -> bool:
    return may_act(user) and (is_moderator(user) or bool(_own_board_ids(user)))


def moderators_of(board: Board) -> QuerySet[User]:
    """Who is told of a new report on `board`: its own moderators, or the site-wide ones if it has none."""
    own = User.objects.filter(pk__in=BoardModerator.objects.filter(board=board).values("user_id"), is_active=True)
    if own.exists():
        return own
    return holders(User.objects.all(), MODERATORS).filter(is_superuser=False)


# --- the navigation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NavBoards:
    """The boards the navigation counts waiting work on: every board (site-wide) or these ids; the
    private beta board only for its testers. The same rule as `moderated_boards`."""

    every: bool
    ids: tuple[int, ...]
    beta: bool


def nav_boards(user: User, *, site: bool, tester: bool, own: list[int]) -> NavBoards | None:
    """What the navigation counts for `user`, from facts their own row brought (forum.context_processors);
    None for a fan who moderates nothing."""
    if not may_act(user) or not (site or own):
        return None
    return NavBoards(every=site, ids=tuple(sorted(own)), beta=tester or user.is_superuser)
