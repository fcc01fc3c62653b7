"""Who is told of a new report on a board, and what the navigation counts waiting work on for a
moderator. Who moderates which board is forum.permissions.can_moderate."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import MODERATORS, holders
from forum.models import Board, BoardModerator


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
