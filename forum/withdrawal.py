"""Who may still read a withdrawn thread (forum.moderation.moderate.withdraw_thread), and who may restore it.

A thread the desk moved into a private request, or a moderator withdrew, leaves public view entirely:
board pages, search, feeds, hot lists, the sitemap, profile lists and bookmarks leave it out (each
tests forum.visibility, where `Thread.hidden_at` is the thread's part of the rule), and its page, its
posts' links and its images answer 404 to everyone but its author, the board's moderators and the
service desk (accounts.roles), who see a "withdrawn" banner.
"""

from accounts.models import User
from accounts.roles import is_desk_staff
from forum.models import Thread
from forum.moderation.moderators import can_moderate
from forum.visibility import thread_shown


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
