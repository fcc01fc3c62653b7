from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef

from accounts.models import User
from accounts.notifications import unread_count_expression
from accounts.roles import CORE_TESTERS, MODERATORS, holders
from forum.models import BoardModerator
from forum.moderation_queries import waiting_count
from forum.moderators import nav_boards


def navigation(request):
    """The navigation bar's counts: unread notifications for every signed-in fan, and for moderators
    the reports and held posts waiting on their boards.

    One query for everyone (the unread count, with whether the fan moderates anything, read in the
    same row), so a fan's pages pay nothing for moderation; a moderator's add the waiting count,
    one query kept 30 seconds."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread, site, tester, own = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=unread_count_expression(),
            site=Exists(holders(User.objects.filter(pk=OuterRef("pk")), MODERATORS)),
            tester=Exists(holders(User.objects.filter(pk=OuterRef("pk")), CORE_TESTERS)),
            own=ArraySubquery(BoardModerator.objects.filter(user_id=OuterRef("pk")).values("board_id")),
        )
        .values_list("unread", "site", "tester", "own")
        .get()
    )
    context = {"unread_notifications": unread}
    boards = nav_boards(user, site=site, tester=tester, own=own)
    if boards is not None:
        context.update(moderates=True, waiting_for_moderators=waiting_count(boards))
    return context
