"""Posting limits: new fans post a little on their first day, and everyone waits between posts."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

POST_INTERVAL = datetime.timedelta(seconds=15)
NEW_FAN_PERIOD = datetime.timedelta(days=1)
NEW_FAN_THREADS = 3
NEW_FAN_REPLIES = 10


class PostingLimited(ValidationError):
    """A limit blocked this post; `retry_at` says when the fan may try again."""

    def __init__(self, message: str, retry_at: datetime.datetime):
        super().__init__(message, code="limited")
        self.retry_at = retry_at


def _when(moment: datetime.datetime) -> str:
    seconds = max(1, int((moment - timezone.now()).total_seconds() + 0.999))
    at = time_format(timezone.localtime(moment), "H:i:s")
    if seconds < 120:
        return ngettext("in %(n)d second (at %(at)s)", "in %(n)d seconds (at %(at)s)", seconds) % {
            "n": seconds,
            "at": at,
        }
    minutes = -(-seconds // 60)
    return ngettext("in %(n)d minute (at %(at)s)", "in %(n)d minutes (at %(at)s)", minutes) % {"n": minutes, "at": at}


def check(author: User, starting_thread: bool) -> None:
    """Raise PostingLimited when `author` may not post now. Call it with the author's row locked.

    The limits are for fans. Staff, and system accounts given `forum.post_without_limits` (the
    service desk's bot answers thousands of threads a day), are not limited; the permission is only
    looked up when a limit would otherwise apply, so ordinary posts pay nothing for it.
    """
    if author.is_staff:
        return
    limited = _limit(author, starting_thread)
    if limited is not None and not author.has_perm("forum.post_without_limits"):
        raise limited


def _limit(author: User, starting_thread: bool) -> PostingLimited | None:
    from forum.models import Post, Thread

    now = timezone.now()
    last = Post.objects.filter(author=author).order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < POST_INTERVAL:
        retry_at = last + POST_INTERVAL
        return PostingLimited(
            _("Please wait a little between two posts. You can post again %(when)s.") % {"when": _when(retry_at)},
            retry_at,
        )
    new_until = author.date_joined + NEW_FAN_PERIOD
    if now >= new_until:
        return None
    if starting_thread:
        if Thread.objects.filter(author=author).count() >= NEW_FAN_THREADS:
            return PostingLimited(
                ngettext(
                    "On their first day new fans may start %(n)d thread. You can start another %(when)s.",
                    "On their first day new fans may start %(n)d threads. You can start another %(when)s.",
                    NEW_FAN_THREADS,
                )
                % {"n": NEW_FAN_THREADS, "when": _when(new_until)},
                new_until,
            )
    elif Post.objects.filter(author=author, floor__gt=1).count() >= NEW_FAN_REPLIES:
        return PostingLimited(
            ngettext(
                "On their first day new fans may write %(n)d reply. You can reply again %(when)s.",
                "On their first day new fans may write %(n)d replies. You can reply again %(when)s.",
                NEW_FAN_REPLIES,
            )
            % {"n": NEW_FAN_REPLIES, "when": _when(new_until)},
            new_until,
        )
    return None
