"""Telling an author their post was liked: one notification per post, brought up to date with each like."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import NotificationKind, User
from accounts.notifications import notify_grouped
from forum.models import Post


def tell_author(post: Post, liker: User, like_count: int) -> None:
    """ "A and 3 others liked your post in “title”": the one notification of this post, rewritten.

    Called by `forum.writing.posting.toggle_like` for a like it added (never for an unlike, never for one's
    own post), in its transaction, after the post's row was updated: so two likes of one post at once
    are told one after the other.
    """
    if post.author_id == liker.pk:
        return
    name, others, title = liker.public_name, max(like_count - 1, 0), post.thread.title

    def text() -> str:
        if not others:
            return _("%(name)s liked your post in “%(title)s”") % {"name": name, "title": title}
        return ngettext(
            "%(name)s and %(n)d other liked your post in “%(title)s”",
            "%(name)s and %(n)d others liked your post in “%(title)s”",
            others,
        ) % {"name": name, "n": others, "title": title}

    notify_grouped(post.author, NotificationKind.LIKE, text, post.get_absolute_url(), group=f"likes:post:{post.pk}")
