"""Who may see or do what in the forum, written once: seeing a board, moderating it, posting,
editing, announcing, the posting limits, moving threads, banning, reading a post (and its images, its
files and its earlier versions) and a withdrawn thread. Whether a thing is public at all (no reader
needed) is forum.visibility, which these rules build on; whether an account may act anywhere on the
site (not signed out, deactivated, deleted or banned) is accounts.moderation.may_act.

Every power comes from a role (accounts.roles) or from the board (`can_moderate`); `is_staff` only
opens the admin and grants nothing here:

- see the private beta board (内测专区): Core testers; every other board: everyone;
- moderate a board: its own moderators (版主, `BoardModerator`, appointed by staff in the admin), and
  site-wide moderators (the Moderators role) and superusers on every board they can see; a banned,
  deactivated or deleted account moderates nothing;
- start a thread in an announcement board (官方公告), or move one there: Event staff (meetup
  announcements are posted in their name);
- post, preview, save drafts and attach files without the fans' limits: the staff roles (Moderators,
  Event staff, Service desk) and accounts given `forum.post_without_limits` (the desk's bot);
- edit a post: its author, for 30 minutes (staff roles: their own posts at any time); nobody edits
  someone else's post, nor a hidden one;
- an "official" post (`Post.by_staff`): written by a holder of a staff role;
- never banned: superusers, the staff roles, and the moderators appointed to the board;
- read a hidden post and its images: its author and the board's moderators; earlier versions'
  text: the author and the board's moderators; a log file: its uploader and the service desk;
- a withdrawn thread (moved into a private request by the desk, or withdrawn by a moderator): its
  page, posts and images answer 404 to everyone but its author, the board's moderators and the
  service desk, who see a "withdrawn" banner; only the desk restores it.

Where SQL needs a rule for many rows (`visible_boards`, `moderated_boards`, `beta_readers`,
`APPOINTED_BOARDS_SQL`), it stands next to the Python; tests/forum/test_permissions.py and
test_moderation_permissions.py check that the two agree, and tests/forum/test_role_matrix.py checks
each power for each role, and that `is_staff` alone gets none of them. Superusers hold every role.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import (
    CORE_TESTERS,
    EVENT_STAFF,
    MODERATORS,
    SERVICE_DESK,
    has_role,
    holders,
    is_core_tester,
    is_desk_staff,
    is_event_staff,
    is_moderator,
)
from forum.models import Board, BoardKind, BoardModerator, Post, Thread
from forum.visibility import board_public, board_public_q, is_public_post, thread_shown

EDIT_WINDOW = datetime.timedelta(minutes=30)
STAFF_ROLES = (MODERATORS, EVENT_STAFF, SERVICE_DESK)
BAN_DAYS = (1, 7, 30)  # and None: for good, which only site-wide moderators may give


def holds_staff_role(user: User) -> bool:
    """A superuser or a member of a staff role (not Core testers, who are fans)."""
    return any(has_role(user, role) for role in STAFF_ROLES)


# --- seeing -------------------------------------------------------------------------------------


# Who may see the private beta board: the Core testers role (accounts.roles), in Python for one
# user and in SQL for many (tests/forum/test_permissions.py checks that the two agree).
def may_see_beta(user: User) -> bool:
    return is_core_tester(user)


def beta_readers(users: QuerySet[User]) -> QuerySet[User]:
    """`users` narrowed, in SQL, to those `may_see_beta` lets in."""
    return holders(users, CORE_TESTERS)


def can_see(user: User, board: Board) -> bool:
    """A public board (forum.visibility), or the private beta board for those `may_see_beta` lets in."""
    return board_public(board) or may_see_beta(user)


def who_may_see(board: Board, users: QuerySet[User]) -> QuerySet[User]:
    """`users` narrowed to those who may see `board` (for notifications)."""
    return beta_readers(users) if board.testers_only else users


def visible_boards(user: User) -> QuerySet[Board]:
    boards = Board.objects.all()
    return boards if may_see_beta(user) else boards.filter(board_public_q())


# --- who moderates which board -------------------------------------------------------------------

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


# --- writing -----------------------------------------------------------------------------------


def can_write(user: User) -> bool:
    return may_act(user)  # the one rule for every app: signed in, active, not deleted, not banned


def may_announce(user: User) -> bool:
    """Start threads in an announcement board, or move a thread into one."""
    return can_write(user) and is_event_staff(user)


def can_start_thread(user: User, board: Board) -> bool:
    if not can_write(user) or not can_see(user, board):
        return False
    return board.kind != BoardKind.ANNOUNCEMENTS or may_announce(user)


def can_reply(user: User, thread: Thread) -> bool:
    if not can_write(user) or not can_see(user, thread.board):
        return False
    return not thread.is_locked or can_moderate(user, thread.board)


def can_edit(user: User, post: Post) -> bool:
    """Only the author edits a post, and not once it is hidden or deleted: fans for EDIT_WINDOW,
    staff roles at any time (an official text may need correcting). A system edit on a role's behalf
    (meetups keep their announcements current) is checked by its caller (`edit_post(checked=True)`)."""
    if not can_write(user) or post.deleted_at or post.hidden_at or post.author_id != user.pk:
        return False
    return timezone.now() - post.created_at < EDIT_WINDOW or holds_staff_role(user)


def can_delete(user: User, post: Post, board: Board | None = None, moderates: bool | None = None) -> bool:
    """`board` saves a query where the caller has it (the post's thread's board); `moderates`, the
    checks of `can_moderate(user, board)` where the caller has made them (a page of posts)."""
    if post.deleted_at or not user.is_authenticated:
        return False
    if post.author_id == user.pk and can_write(user):
        return True
    return can_moderate(user, board or post.thread.board) if moderates is None else moderates


def is_official(author: User) -> bool:
    """Whether a post by `author` is marked official (`Post.by_staff`)."""
    return holds_staff_role(author)


def posts_without_limits(user: User) -> bool:
    """Not held by the new-fan limits, the interval between posts, the preview and draft budgets or the
    daily file limit. Callers ask only when a limit would otherwise apply, so fans pay no query."""
    return user.is_active and (holds_staff_role(user) or user.has_perm("forum.post_without_limits"))


# --- reading -----------------------------------------------------------------------------------


def may_read_post(user: User, post: Post) -> bool:
    """Whether `user` may read `post`'s text and images (one rule: the versions page and the image view
    use it): anyone a public post (forum.visibility: for an anonymous reader this is `is_public_post`);
    otherwise whoever may read its thread while it is shown; a post a moderator hid only its author and
    the board's moderators (not the service desk); a post hidden by withdrawing its thread
    (forum.permissions) those who may still read the thread, as the desk, which holds its text in the
    private request it made of it; a deleted post nobody."""
    if is_public_post(post):
        return True
    thread = post.thread
    if not can_see(user, thread.board) or not may_read_withdrawn(user, thread) or post.deleted_at is not None:
        return False
    if post.hidden_at is None:
        return True
    if not user.is_authenticated:
        return False
    if user.pk == post.author_id or can_moderate(user, thread.board):
        return True
    return thread.hidden_at is not None and post.hidden_at == thread.hidden_at  # withdrawn with its thread


def may_read_versions(user: User, post: Post) -> bool:
    """The text of a post's earlier versions: its author and its board's moderators (who may read the
    post). Every other reader sees only that, when and by whom it was edited: fans edit to take
    something out, such as a phone number, and that must not stay readable to everyone."""
    return (
        user.is_authenticated
        and may_read_post(user, post)
        and (user.pk == post.author_id or can_moderate(user, post.thread.board))
    )


def may_read_hidden_version(user: User, post: Post) -> bool:
    """A version its author or a moderator hid: its author, and site-wide moderators (the staff who look
    into abuse), not a board's own moderators, who are fans too."""
    return may_read_versions(user, post) and (user.pk == post.author_id or is_site_moderator(user))


def may_hide_version(user: User, post: Post) -> bool:
    return may_act(user) and may_read_versions(user, post)


def may_read_withdrawn(user: User, thread: Thread) -> bool:
    """Whether `user` may open `thread` although it is withdrawn (True for a thread that is not)."""
    if thread_shown(thread):
        return True
    if not user.is_authenticated:
        return False
    return user.pk == thread.author_id or is_desk_staff(user) or can_moderate(user, thread.board)


def may_restore_thread(user: User) -> bool:
    """Only the service desk undoes a withdrawal: it may have taken personal data out of view, which the
    desk judges."""
    return is_desk_staff(user)


def may_read_private(user: User, uploader_id: int) -> bool:
    """Logs carry device identifiers: only the fan who attached them and the service desk read them."""
    return user.is_authenticated and (user.pk == uploader_id or is_desk_staff(user))


# --- moderating --------------------------------------------------------------------------------


def may_move_to(user: User, thread: Thread, board: Board) -> bool:
    """Moderators move a thread only between boards they moderate; into an announcement board only if
    they may announce; a feedback thread only to a feedback board."""
    if not can_moderate(user, thread.board) or not can_moderate(user, board):
        return False
    if board.kind == BoardKind.ANNOUNCEMENTS and board.pk != thread.board_id and not may_announce(user):
        return False
    return not thread.is_feedback or board.is_feedback


def move_destinations(user: User, thread: Thread) -> QuerySet[Board]:
    """The boards `may_move_to` allows for `thread`, as SQL (the move form's choices; its own board
    included, as the form's starting value)."""
    boards = moderated_boards(user) if can_moderate(user, thread.board) else Board.objects.none()
    if not may_announce(user):
        boards = boards.exclude(Q(kind=BoardKind.ANNOUNCEMENTS) & ~Q(pk=thread.board_id))
    if thread.is_feedback:
        boards = boards.filter(kind=BoardKind.FEEDBACK)
    return boards.order_by("position", "pk")


def is_unbannable(fan: User, board: Board) -> bool:
    """Superusers, the staff roles and the moderators appointed to the board are never banned there."""
    return fan.is_superuser or holds_staff_role(fan) or board.pk in appointed_boards(fan)


def unbannable_among(fan_ids, board: Board) -> set[int]:
    """The ids among `fan_ids` that `is_unbannable` protects on `board`, in one query (the moderation
    queue and a moderator's thread page offer Ban only for the others)."""
    staff = User.groups.through.objects.filter(group__name__in=STAFF_ROLES).values("user_id")
    appointed = BoardModerator.objects.filter(board=board).values("user_id")
    protected = Q(is_superuser=True) | Q(is_active=True, pk__in=staff) | Q(pk__in=appointed)
    return set(User.objects.filter(protected, pk__in=list(fan_ids)).values_list("pk", flat=True))


def bannable_authors(moderator: User, posts, board: Board) -> set[int]:
    """The ids of the posts in `posts` (all on `board`) whose author `moderator` may ban (`may_ban`)."""
    if not can_moderate(moderator, board):
        return set()
    authors = {p.author_id for p in posts if p.author_id != moderator.pk}
    protected = unbannable_among(authors, board) if authors else set()
    return {p.pk for p in posts if p.author_id in authors - protected}


def ban_durations(moderator: User) -> tuple[int | None, ...]:
    """The ban lengths in days `moderator` may give (None: for good, site-wide moderators only)."""
    return (*BAN_DAYS, None) if is_site_moderator(moderator) else BAN_DAYS


def may_ban(moderator: User, fan: User, board: Board) -> bool:
    """Whether `moderator` may ban `fan` for something on `board` (for some length)."""
    return can_moderate(moderator, board) and fan.pk != moderator.pk and not is_unbannable(fan, board)
