"""Drafts: what a fan has typed in the reply or new-thread form and not yet posted, kept on the server
so that it follows them to another device (forum/README.md, "Drafts").

One draft per fan and thread (the reply form) and per fan and board (the new-thread form). The
form's script (static/js/drafts.js) saves it as the fan types and restores it when the form opens;
forum.writing.posting drops it in the transaction that creates the post. Drafts nobody touched for
`KEEP_DAYS` days are purged by a beat task (`forum.tasks.purge_drafts`).
"""

import datetime
import logging

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from accounts.models import User
from forum.models import Board, Draft, Post, Thread
from forum.permissions import can_see, can_write, posts_without_limits
from forum.writing.limits import MAX_BODY, MAX_TITLE

log = logging.getLogger(__name__)

KEEP_DAYS = 30
# The script saves at most once a second of typing; this is far above what a fan can type.
SAVES_PER_MINUTE = 40
# A save that arrives just after the post was made (sent while the form was on its way) is not a draft.
JUST_POSTED = datetime.timedelta(minutes=1)


class TooManySaves(Exception):
    pass


def _where(thread: Thread | None, board: Board | None) -> dict:
    if (thread is None) == (board is None):
        raise ValueError("a draft is for a thread or for a board")
    return {"thread": thread} if thread is not None else {"board": board}


def _check_rate(user: User) -> None:
    window = int(timezone.now().timestamp()) // 60
    key = f"forum:draft-saves:{user.pk}:{window}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except (RedisError, ValueError):  # Redis down: a draft is worth more than the count
        log.warning("draft saves not counted for user %s", user.pk, exc_info=True)
        return
    if count > SAVES_PER_MINUTE and not posts_without_limits(user):
        raise TooManySaves


def _clean(value: str, field: str, max_length: int) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which is not allowed.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Keep it under %(n)d characters (it has %(len)d).") % {"n": max_length, "len": len(value)}}
        )
    return value


def get_draft(user: User, thread: Thread | None = None, board: Board | None = None) -> Draft | None:
    """`user`'s draft for the reply to `thread` or a new thread on `board`, or None."""
    if not user.is_authenticated:
        return None
    return Draft.objects.filter(user=user, **_where(thread, board)).first()


def save_draft(
    user: User, body: str, title: str = "", thread: Thread | None = None, board: Board | None = None
) -> Draft | None:
    """Keep what `user` typed for `thread` (a reply) or `board` (a new thread); an empty form drops
    the draft (None). The same size limits as a post; at most SAVES_PER_MINUTE saves a minute."""
    where = _where(thread, board)
    in_board = thread.board if thread is not None else board
    assert in_board is not None  # _where() refused neither
    if not can_write(user) or not can_see(user, in_board):
        raise PermissionDenied
    body = _clean(body, "body", MAX_BODY)
    title = _clean(title, "title", MAX_TITLE) if board is not None else ""
    _check_rate(user)
    if not body.strip() and not title.strip():
        drop_draft(user, thread=thread, board=board)
        return None
    now = timezone.now()
    posted = Post.objects.filter(author=user, created_at__gte=now - JUST_POSTED, body=body.strip())
    posted = posted.filter(thread=thread) if thread is not None else posted.filter(floor=1, thread__board=board)
    if posted.exists():
        return None  # the form was posted meanwhile: nothing left to keep
    with transaction.atomic():
        draft, _created = Draft.objects.update_or_create(
            user=user, **where, defaults={"body": body, "title": title, "updated_at": now}
        )
    return draft


def drop_draft(user: User, thread: Thread | None = None, board: Board | None = None) -> None:
    """Forget the draft; forum.writing.posting calls this in the transaction that creates the post."""
    Draft.objects.filter(user=user, **_where(thread, board)).delete()


def purge_old_drafts(days: int = KEEP_DAYS) -> int:
    """Delete drafts untouched for `days` days; returns how many (the beat task's work; idempotent)."""
    return Draft.objects.filter(updated_at__lt=timezone.now() - datetime.timedelta(days=days)).delete()[0]


# --- personal data -----------------------------------------------------------------------------


def drafts_data(user: User) -> dict:
    """settings.PERSONAL_DATA_EXPORTS: the fan's unsent drafts."""
    return {
        "forum_drafts": [
            {
                "thread": d.thread_id,
                "board": d.board.slug if d.board is not None else None,
                "title": d.title,
                "body": d.body,
                "updated_at": d.updated_at.isoformat(),
            }
            for d in Draft.objects.filter(user=user).select_related("board").order_by("pk")
        ]
    }


def erase_drafts(user: User) -> None:
    """settings.PERSONAL_DATA_ERASERS: drafts are the fan's alone; they all go."""
    Draft.objects.filter(user=user).delete()
