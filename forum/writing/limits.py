"""Posting limits: new fans post a little on their first day (as much as their level allows:
community.levels, the lowest level's rules are the 3 threads and 10 replies fans always had), everyone
waits between posts, and previews have a budget per minute."""

import datetime
import logging
import re
from collections.abc import Callable

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from redis.exceptions import RedisError

from accounts.models import User
from community.levels import level_of
from fancity.lib import when
from forum.models import Post, Thread
from forum.permissions import posts_without_limits

MAX_TITLE = 120
MAX_BODY = 20_000
POST_INTERVAL = datetime.timedelta(seconds=15)
NEW_FAN_PERIOD = datetime.timedelta(days=1)
PREVIEW_WINDOW = 60  # seconds
PREVIEWS_PER_WINDOW = 12

log = logging.getLogger(__name__)


class PostingLimited(ValidationError):
    """A limit blocked this post; `retry_at` says when the fan may try again."""

    def __init__(self, message: str, retry_at: datetime.datetime):
        super().__init__(message, code="limited")
        self.retry_at = retry_at


def _when(moment: datetime.datetime) -> str:
    """A short wait in seconds or minutes; a longer one as "today/tomorrow at 22:09" or a date, never "1435 minutes"."""
    return when.until(moment)


def check(author: User, starting_thread: bool) -> None:
    """Raise PostingLimited when `author` may not post now. Call it with the author's row locked.

    The limits are for fans. The staff roles, and system accounts given `forum.post_without_limits`
    (the service desk's bot answers thousands of threads a day), are not limited
    (`forum.permissions.posts_without_limits`); that is only looked up when a limit would otherwise
    apply, so ordinary posts pay nothing for it.
    """
    limited = _limit(author, starting_thread)
    if limited is not None and not posts_without_limits(author):
        raise limited


def _limit(author: User, starting_thread: bool) -> PostingLimited | None:
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
    level = level_of(author)
    threads, replies = level.first_day_threads, level.first_day_replies
    if starting_thread:
        if threads is not None and Thread.objects.filter(author=author).count() >= threads:
            return PostingLimited(
                ngettext(
                    "On their first day new fans may start %(n)d thread. You can start another %(when)s.",
                    "On their first day new fans may start %(n)d threads. You can start another %(when)s.",
                    threads,
                )
                % {"n": threads, "when": _when(new_until)},
                new_until,
            )
    elif replies is not None and Post.objects.filter(author=author, floor__gt=1).count() >= replies:
        return PostingLimited(
            ngettext(
                "On their first day new fans may write %(n)d reply. You can reply again %(when)s.",
                "On their first day new fans may write %(n)d replies. You can reply again %(when)s.",
                replies,
            )
            % {"n": replies, "when": _when(new_until)},
            new_until,
        )
    return None


def check_preview(author: User) -> None:
    """Count one preview against `author`'s budget; raise PostingLimited past PREVIEWS_PER_WINDOW a minute.

    A preview writes nothing, so its count lives in the cache (one key per fan and minute). Those
    `posts_without_limits` lets post freely are not limited, as for posts. If the cache cannot
    count, the preview is allowed: rendering is linear and a body is at most MAX_BODY characters, so
    the budget only keeps one fan from using a worker as a Markdown service.
    """
    now = timezone.now()
    window = int(now.timestamp()) // PREVIEW_WINDOW
    key = f"forum:previews:{author.pk}:{window}"
    try:
        cache.add(key, 0, timeout=PREVIEW_WINDOW * 2)
        count = cache.incr(key)
    except (RedisError, ValueError):  # Redis down, or the key gone between add and incr: fail open
        log.warning("preview budget not counted for user %s", author.pk, exc_info=True)
        return
    if count > PREVIEWS_PER_WINDOW and not posts_without_limits(author):
        retry_at = datetime.datetime.fromtimestamp((window + 1) * PREVIEW_WINDOW, tz=datetime.UTC)
        raise PostingLimited(
            ngettext(
                "You may preview %(n)d time a minute. You can preview again %(when)s.",
                "You may preview %(n)d times a minute. You can preview again %(when)s.",
                PREVIEWS_PER_WINDOW,
            )
            % {"n": PREVIEWS_PER_WINDOW, "when": _when(retry_at)},
            retry_at,
        )


_OUTSIDE = re.compile(r"""(?:href|src)="(?:https?:)?//""")


def check_level(author: User, html: Callable[[], str], has_files: bool) -> None:
    """Refuse what the author's level has not unlocked yet (community.levels): links and outside
    images, attachments. The staff roles and `posts_without_limits` accounts are not limited."""
    level = level_of(author)
    if level.may_post_links and level.may_attach:
        return
    if posts_without_limits(author):
        return
    if not level.may_post_links and _OUTSIDE.search(html()):
        raise ValidationError(
            {
                "body": _("Links and outside images unlock at a higher level (you are %(level)s).")
                % {"level": level.label}
            },
            code="level",
        )
    if not level.may_attach and has_files:
        raise ValidationError(
            {"files": _("Attachments unlock at a higher level (you are %(level)s).") % {"level": level.label}},
            code="level",
        )
