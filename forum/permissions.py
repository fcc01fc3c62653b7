"""Who may do what in the forum, written once: posting, editing, announcing, the posting limits, moving
threads, banning, reading a post (and its images) and its earlier versions.

Every power comes from a role (accounts.roles) or from the board (`forum.moderation.moderators.can_moderate`);
`is_staff` only opens the admin and grants nothing here:

- start a thread in an announcement board (官方公告), or move one there: Event staff (meetup
  announcements are posted in their name);
- post, preview, save drafts and attach files without the fans' limits: the staff roles (Moderators,
  Event staff, Service desk) and accounts given `forum.post_without_limits` (the desk's bot);
- edit a post: its author, for 30 minutes (staff roles: their own posts at any time); nobody edits
  someone else's post, nor a hidden one;
- an "official" post (`Post.by_staff`): written by a holder of a staff role;
- never banned: superusers, the staff roles, and the moderators appointed to the board;
- read a hidden post and its images: its author and the board's moderators; earlier versions'
  text: the author and the board's moderators.

Superusers hold every role. tests/forum/test_role_matrix.py checks each power for each role, and
that `is_staff` alone gets none of them.
"""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.moderation import may_act
from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK, has_role, is_event_staff
from forum.boards import can_see
from forum.models import Board, BoardKind, BoardModerator, Post, Thread
from forum.moderation.moderators import appointed_boards, can_moderate, is_site_moderator, moderated_boards
from forum.visibility import is_public_post
from forum.withdrawal import may_read_withdrawn

EDIT_WINDOW = datetime.timedelta(minutes=30)
STAFF_ROLES = (MODERATORS, EVENT_STAFF, SERVICE_DESK)
BAN_DAYS = (1, 7, 30)  # and None: for good, which only site-wide moderators may give


def holds_staff_role(user: User) -> bool:
    """A superuser or a member of a staff role (not Core testers, who are fans)."""
    return any(has_role(user, role) for role in STAFF_ROLES)


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
    (forum.withdrawal) those who may still read the thread, as the desk, which holds its text in the
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
