"""Moderators and staff: pin, lock, move, hide with a reason, handle reports, ban (through accounts)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.moderation import ban_user
from accounts.roles import is_moderator
from forum.boards import can_see
from forum.models import Board, Post, Report, Thread
from forum.posting import _take_out_of_counts, can_write


def _require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise PermissionDenied


def set_pinned(moderator: User, thread: Thread, pinned: bool) -> None:
    _require_moderator(moderator)
    Thread.objects.filter(pk=thread.pk).update(is_pinned=pinned)
    thread.is_pinned = pinned


def set_locked(moderator: User, thread: Thread, locked: bool) -> None:
    _require_moderator(moderator)
    Thread.objects.filter(pk=thread.pk).update(is_locked=locked)
    thread.is_locked = locked


def move_thread(moderator: User, thread: Thread, board: Board) -> Thread:
    """Move a thread and its counts to another board (both boards locked in id order)."""
    _require_moderator(moderator)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if thread.board_id == board.pk:
            return thread
        if thread.is_feedback and not board.is_feedback:
            raise ValidationError(_("A feedback thread can only move to a feedback board."))
        old = thread.board_id
        boards = {b.pk: b for b in Board.objects.select_for_update().filter(pk__in=[old, board.pk]).order_by("pk")}
        visible_posts = thread.posts.filter(deleted_at__isnull=True, hidden_at__isnull=True).count()
        Board.objects.filter(pk=old).update(
            thread_count=F("thread_count") - 1, post_count=F("post_count") - visible_posts
        )
        Board.objects.filter(pk=board.pk).update(
            thread_count=F("thread_count") + 1, post_count=F("post_count") + visible_posts
        )
        if boards[old].last_thread_id == thread.pk:
            Board.objects.filter(pk=old).update(last_thread=None)
        if board.last_post_at is None or thread.last_post_at > board.last_post_at:
            Board.objects.filter(pk=board.pk).update(
                last_thread=thread, last_post_at=thread.last_post_at, last_poster=thread.last_poster_id
            )
        thread.board = board
        thread.save(update_fields=["board"])
    return thread


def hide_post(moderator: User, post: Post, reason: str) -> Post:
    """Hide a post from everyone but its author, who sees the reason."""
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: the author will see it.")})
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
        if post.hidden_at:
            return post
        was_visible = post.is_visible
        post.hidden_at, post.hidden_by, post.hidden_reason, post.search = timezone.now(), moderator, reason[:200], None
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "search"])
        if was_visible:
            _take_out_of_counts(post)
        Report.objects.filter(post=post, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=moderator, resolution=_("Post hidden")
        )
    return post


def report_post(user: User, post: Post, reason: str) -> Report:
    if not can_write(user) or not can_see(user, post.thread.board):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this post.")})
    report, _created = Report.objects.get_or_create(
        post=post, reporter=user, resolved_at=None, defaults={"reason": reason[:500]}
    )
    return report


def resolve_report(moderator: User, report: Report, resolution: str) -> None:
    _require_moderator(moderator)
    Report.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution[:200]
    )


def ban_author(moderator: User, post: Post, reason: str, days: int | None) -> None:
    """Ban the author of `post` for `days`, or for good when days is None."""
    _require_moderator(moderator)
    if post.author.is_staff:
        raise PermissionDenied
    ban_user(moderator, post.author, reason, None if days is None else datetime.timedelta(days=days))
