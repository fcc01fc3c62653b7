from accounts.notifications import unread_count
from accounts.roles import is_core_tester, is_moderator
from forum.moderation.moderators import nav_boards
from forum.moderation.queries import waiting_count
from forum.permissions import appointed_boards


def navigation(request):
    """The navigation bar's counts: unread notifications for every signed-in fan, and for moderators
    the reports and held posts waiting on their boards.

    No query of its own for a fan: the unread count, the fan's groups and the boards they were appointed
    to moderate come with the user row (accounts.backends). A moderator's pages add the waiting count,
    one query kept 30 seconds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = getattr(user, "unread_notifications", None)
    context = {"unread_notifications": unread_count(user) if unread is None else unread}
    boards = nav_boards(user, site=is_moderator(user), tester=is_core_tester(user), own=sorted(appointed_boards(user)))
    if boards is not None:
        context.update(moderates=True, waiting_for_moderators=waiting_count(boards))
    return context
