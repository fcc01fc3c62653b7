"""What moderators do: hide and restore posts, delete, dismiss reports, pin, lock, move, ban and unban,
warn, approve or reject held posts. Reports come in here too.

Every function checks `can_moderate(moderator, board)` (forum/moderation/moderators.py) for the board it acts on,
writes a `ModerationAction` row in the same transaction as the change (the moderation log), and
tells the fan concerned in their own language (accounts.notifications, kind "moderation").
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.moderation import ban_notice, ban_user, unban_user
from accounts.notifications import notify
from accounts.roles import is_desk_staff
from forum import attachments, permissions
from forum.models import Board, HeldPost, ModerationAction, ModerationKind, Post, Report, Thread
from forum.moderation.moderators import moderators_of
from forum.permissions import (
    ban_durations,
    can_moderate,
    can_see,
    is_site_moderator,
    may_ban,
    may_move_to,
    may_restore_thread,
)
from forum.reading import search
from forum.reading.hot import forget as drop_from_hot_lists
from forum.visibility import post_shown_q, thread_shown, thread_shown_q
from forum.writing import posting

MAX_REASON = 500


def _require(moderator: User, board: Board) -> None:
    if not can_moderate(moderator, board):
        raise PermissionDenied


def _reason(reason: str, required: bool = False) -> str:
    reason = (reason or "").strip().replace("\x00", "")[:MAX_REASON]
    if required and not reason:
        raise ValidationError({"reason": _("Give a reason: the author will see it.")})
    return reason


def _log(moderator: User, kind: str, board: Board | None, **fields) -> ModerationAction:
    return ModerationAction.objects.create(moderator=moderator, kind=kind, board=board, **fields)


def _tell(fan: User | None, make_text, url: str) -> None:
    if fan is not None:
        notify([fan], NotificationKind.MODERATION, make_text, url, group="moderation")


def _with_reason(text: str, reason: str) -> str:
    return _("%(text)s Reason: %(reason)s") % {"text": text, "reason": reason} if reason else text


# --- threads -----------------------------------------------------------------------------------


def set_pinned(moderator: User, thread: Thread, pinned: bool, reason: str = "") -> None:
    _require(moderator, thread.board)
    with transaction.atomic():
        if Thread.objects.filter(pk=thread.pk, is_pinned=not pinned).update(is_pinned=pinned):
            kind = ModerationKind.PIN if pinned else ModerationKind.UNPIN
            _log(moderator, kind, thread.board, thread=thread, fan=thread.author, reason=_reason(reason))
    thread.is_pinned = pinned


def set_featured(moderator: User, thread: Thread, featured: bool, reason: str = "") -> None:
    """Mark a thread as featured (精华) or take the mark off; logged, and its author is told when it is featured."""
    _require(moderator, thread.board)
    reason = _reason(reason)
    title = thread.title
    with transaction.atomic():
        if Thread.objects.filter(pk=thread.pk, is_featured=not featured).update(is_featured=featured):
            kind = ModerationKind.FEATURE if featured else ModerationKind.UNFEATURE
            _log(moderator, kind, thread.board, thread=thread, fan=thread.author, reason=reason)
            if featured and thread.author_id != moderator.pk:
                _tell(
                    thread.author,
                    lambda: _("A moderator featured your thread “%(title)s” (精华).") % {"title": title},
                    thread.get_absolute_url(),
                )
    thread.is_featured = featured


def set_locked(moderator: User, thread: Thread, locked: bool, reason: str = "") -> None:
    """Lock (no replies but from moderators) or unlock a thread; its author is told either way."""
    _require(moderator, thread.board)
    reason = _reason(reason)
    title = thread.title
    with transaction.atomic():
        if Thread.objects.filter(pk=thread.pk, is_locked=not locked).update(is_locked=locked):
            kind = ModerationKind.LOCK if locked else ModerationKind.UNLOCK
            _log(moderator, kind, thread.board, thread=thread, fan=thread.author, reason=reason)
            if thread.author_id != moderator.pk:
                if locked:
                    _tell(
                        thread.author,
                        lambda: _with_reason(
                            _("A moderator locked your thread “%(title)s”.") % {"title": title}, reason
                        ),
                        thread.get_absolute_url(),
                    )
                else:
                    _tell(
                        thread.author,
                        lambda: _("A moderator unlocked your thread “%(title)s”.") % {"title": title},
                        thread.get_absolute_url(),
                    )
    thread.is_locked = locked


def move_thread(moderator: User, thread: Thread, board: Board, reason: str = "") -> Thread:
    """Move a thread and its counts to another board (both boards locked in id order).

    Moderators move threads only between boards they moderate, into an announcement board only if they
    may announce (forum.permissions.may_move_to; refused as the form's error); its author is told
    where it went."""
    _require(moderator, thread.board)
    if not can_see(moderator, board):
        raise PermissionDenied
    if not may_move_to(moderator, thread, board):
        if thread.is_feedback and not board.is_feedback:
            raise ValidationError({"board": _("A feedback thread can only move to a feedback board.")})
        raise ValidationError({"board": _("You cannot move threads to %(board)s.") % {"board": board.label}})
    reason = _reason(reason)
    with transaction.atomic():
        thread = Thread.objects.select_for_update(of=("self",)).select_related("board", "author").get(pk=thread.pk)
        if thread.board_id == board.pk:
            return thread
        old = thread.board_id
        boards = {b.pk: b for b in Board.objects.select_for_update().filter(pk__in=[old, board.pk]).order_by("pk")}
        visible_posts = thread.posts.filter(post_shown_q()).count()
        counted = int(thread_shown(thread))  # a withdrawn thread is in no board's counts (withdraw_thread)
        Board.objects.filter(pk=old).update(
            thread_count=F("thread_count") - counted, post_count=F("post_count") - visible_posts
        )
        Board.objects.filter(pk=board.pk).update(
            thread_count=F("thread_count") + counted, post_count=F("post_count") + visible_posts
        )
        if boards[old].last_thread_id == thread.pk:
            Board.objects.filter(pk=old).update(last_thread=None)
        if counted and (board.last_post_at is None or thread.last_post_at > board.last_post_at):
            Board.objects.filter(pk=board.pk).update(
                last_thread=thread, last_post_at=thread.last_post_at, last_poster=thread.last_poster_id
            )
        source = boards[old]
        thread.board = board
        thread.save(update_fields=["board"])
        drop_from_hot_lists(thread)  # ranked on the old board; the next ranking places it again
        _log(
            moderator,
            ModerationKind.MOVE,
            source,
            thread=thread,
            fan=thread.author,
            reason=reason,
            detail=f"{source.name} → {board.name}"[:200],
        )
        if thread.author_id != moderator.pk:
            title, names = thread.title, (source, board)
            _tell(
                thread.author,
                lambda: _with_reason(
                    _("A moderator moved your thread “%(title)s” from %(old)s to %(new)s.")
                    % {"title": title, "old": names[0].label, "new": names[1].label},
                    reason,
                ),
                thread.get_absolute_url(),
            )
    return thread


def withdraw_thread(user: User, thread: Thread, reason: str, public_title: str = "") -> int:
    """Take a whole thread out of public view without deleting it: the thread is withdrawn (`hidden_at`:
    out of board pages and their counters, the index's last-thread cell, search, feeds, hot lists,
    profile lists and bookmarks; its page a 404 for all but its author, the board's moderators and
    staff, forum.permissions), every visible post is hidden, their images leave the public storage
    (served only by the permission-checked view), the thread is locked, and `public_title`, if given,
    replaces a title that carried personal data. Logged once, as hiding the
    thread's posts. The desk calls it when it moves a feedback thread into a private request
    (servicedesk.private.move_thread); desk staff may do this on feedback threads. Returns the posts hidden.
    """
    if not (can_moderate(user, thread.board) or (thread.is_feedback and is_desk_staff(user))):
        raise PermissionDenied
    reason = _reason(reason, required=True)
    public_title = (public_title or "").strip().replace("\x00", "")[:120]
    with transaction.atomic():
        now = timezone.now()
        ids = list(Post.objects.select_for_update().filter(post_shown_q(), thread=thread).values_list("pk", "floor"))
        Post.objects.filter(pk__in=[pk for pk, _floor in ids]).update(
            hidden_at=now, hidden_by=user, hidden_reason=reason[:200], search=None
        )
        posting.take_back_credits(pk for pk, _floor in ids)
        replies = sum(1 for _pk, floor in ids if floor > 1)
        fields = {"is_locked": True, "reply_count": Greatest(F("reply_count") - replies, 0)}
        if public_title:
            fields["title"] = public_title
        # The thread itself leaves public view (forum.permissions): lists, feeds, search, its page.
        first_time = Thread.objects.filter(pk=thread.pk, hidden_at__isnull=True).update(
            hidden_at=now, hidden_by=user, hidden_reason=reason[:200], **fields
        )
        if not first_time:
            Thread.objects.filter(pk=thread.pk).update(**fields)
        board = Board.objects.select_for_update().get(pk=thread.board_id)
        board_fields: dict[str, object] = {"post_count": Greatest(F("post_count") - len(ids), 0)}
        if first_time:
            board_fields["thread_count"] = Greatest(F("thread_count") - 1, 0)
        if board.last_thread_id == thread.pk:  # the index's "last" cell shows the newest thread still public
            last = (
                Thread.objects.filter(thread_shown_q(), board_id=board.pk)
                .exclude(pk=thread.pk)
                .order_by("-last_post_at")
                .values("pk", "last_post_at", "last_poster_id")
                .first()
            )
            board_fields.update(
                last_thread=last and last["pk"],
                last_post_at=last and last["last_post_at"],
                last_poster=last and last["last_poster_id"],
            )
        Board.objects.filter(pk=board.pk).update(**board_fields)
        attachments.make_private(Q(thread_id=thread.pk))
        drop_from_hot_lists(thread)
        Report.objects.filter(post__thread=thread, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=user, resolution=_("Thread withdrawn")[:200]
        )
        _log(
            user, ModerationKind.HIDE, thread.board, thread=thread, fan=thread.author, reason=reason,
            detail=(_("The whole thread (%(n)d posts)") % {"n": len(ids)})[:200],
        )  # fmt: skip
    thread.is_locked = True
    if thread.hidden_at is None:
        thread.hidden_at, thread.hidden_by, thread.hidden_reason = now, user, reason[:200]
    if public_title:
        thread.title = public_title
    return len(ids)


def restore_thread(user: User, thread: Thread, reason: str = "") -> int:
    """Undo `withdraw_thread`: the thread is public again (it stays locked; unlocking is separate), the
    posts the withdrawal hid show again with their images, and the counts come back. Posts hidden on
    their own stay hidden; a title replaced for privacy stays replaced. Returns the posts shown again."""
    if not may_restore_thread(user):
        raise PermissionDenied
    reason = _reason(reason)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().select_related("board", "author").get(pk=thread.pk)
        if thread.hidden_at is None:
            return 0
        posts = list(
            Post.objects.select_for_update()
            .filter(thread=thread, hidden_at=thread.hidden_at, deleted_at__isnull=True)
            .only("pk", "floor", "html")
        )
        for post in posts:
            Post.objects.filter(pk=post.pk).update(
                hidden_at=None,
                hidden_by=None,
                hidden_reason="",
                search=search.post_vector(thread.title if post.floor == 1 else "", post.html),
            )
        for post in Post.objects.filter(pk__in=[p.pk for p in posts]).only("pk", "floor", "author_id"):
            posting.credit_post(post)
        replies = sum(1 for p in posts if p.floor > 1)
        Thread.objects.filter(pk=thread.pk).update(
            hidden_at=None, hidden_by=None, hidden_reason="", reply_count=F("reply_count") + replies
        )
        board = Board.objects.select_for_update().get(pk=thread.board_id)
        board_fields: dict[str, object] = {
            "thread_count": F("thread_count") + 1,
            "post_count": F("post_count") + len(posts),
        }
        if board.last_post_at is None or thread.last_post_at > board.last_post_at:
            board_fields.update(last_thread=thread, last_post_at=thread.last_post_at, last_poster=thread.last_poster_id)
        Board.objects.filter(pk=board.pk).update(**board_fields)
        attachments.make_public(Q(thread_id=thread.pk, hidden_at__isnull=True))
        _log(
            user, ModerationKind.UNHIDE, thread.board, thread=thread, fan=thread.author, reason=reason,
            detail=(_("The whole thread (%(n)d posts)") % {"n": len(posts)})[:200],
        )  # fmt: skip
        if thread.author_id != user.pk:
            title = thread.title
            _tell(
                thread.author,
                lambda: _("Staff made your thread “%(title)s” public again.") % {"title": title},
                thread.get_absolute_url(),
            )
    return len(posts)


# --- posts -------------------------------------------------------------------------------------


def _locked_post(post: Post) -> Post:
    return (
        Post.objects.select_for_update(of=("self",)).select_related("thread", "thread__board", "author").get(pk=post.pk)
    )


def _resolve_reports(moderator: User, post: Post, resolution: str) -> None:
    Report.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator, resolution=resolution[:200]
    )


def hide_post(moderator: User, post: Post, reason: str) -> Post:
    """Hide a post from everyone but its author and the moderators; the author is told why."""
    _require(moderator, post.thread.board)
    reason = _reason(reason, required=True)
    with transaction.atomic():
        post = _locked_post(post)
        if post.hidden_at:
            return post
        was_visible = post.is_visible
        post.hidden_at, post.hidden_by, post.hidden_reason, post.search = timezone.now(), moderator, reason[:200], None
        post.save(update_fields=["hidden_at", "hidden_by", "hidden_reason", "search"])
        if was_visible:
            posting.take_out_of_counts(post)
        posting.take_back_credits([post.pk])
        attachments.make_private(Q(pk=post.pk))  # its images stop being public files
        _resolve_reports(moderator, post, _("Post hidden"))
        thread = post.thread
        if post.floor == 1:
            drop_from_hot_lists(thread)
        _log(moderator, ModerationKind.HIDE, thread.board, thread=thread, post=post, fan=post.author, reason=reason)
        if post.author_id != moderator.pk:
            title, floor = thread.title, post.floor
            _tell(
                post.author,
                lambda: _with_reason(
                    _("A moderator hid your post (floor %(floor)d) in “%(title)s”.") % {"floor": floor, "title": title},
                    reason,
                ),
                post.get_absolute_url(),
            )
    return post


def unhide_post(moderator: User, post: Post, reason: str = "") -> Post:
    """Undo `hide_post`: the post shows again and counts again; its author is told."""
    _require(moderator, post.thread.board)
    reason = _reason(reason)
    with transaction.atomic():
        post = _locked_post(post)
        if not post.hidden_at:
            return post
        thread = post.thread
        post.hidden_at, post.hidden_by, post.hidden_reason = None, None, ""
        fields = ["hidden_at", "hidden_by", "hidden_reason"]
        if post.deleted_at is None:
            post.search = search.post_vector(thread.title if post.floor == 1 else "", post.html)
            fields.append("search")
            if post.floor > 1:
                Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1)
            Board.objects.filter(pk=thread.board_id).update(post_count=F("post_count") + 1)
            posting.credit_post(post)
        post.save(update_fields=fields)
        if thread.hidden_at is None:  # a withdrawn thread's images stay private
            attachments.make_public(Q(pk=post.pk))
        _log(moderator, ModerationKind.UNHIDE, thread.board, thread=thread, post=post, fan=post.author, reason=reason)
        if post.author_id != moderator.pk:
            title, floor = thread.title, post.floor
            _tell(
                post.author,
                lambda: _("A moderator restored your post (floor %(floor)d) in “%(title)s”.")
                % {"floor": floor, "title": title},
                post.get_absolute_url(),
            )
    return post


def delete_post(moderator: User, post: Post, reason: str = "") -> Post:
    """A moderator deletes someone's post (through forum.writing.posting, which keeps the counts), logged."""
    _require(moderator, post.thread.board)
    reason = _reason(reason)
    with transaction.atomic():
        post = posting.delete_post(moderator, post)
        _resolve_reports(moderator, post, _("Post deleted"))
        thread = post.thread
        _log(moderator, ModerationKind.DELETE, thread.board, thread=thread, post=post, fan=post.author, reason=reason)
    return post


def warn(moderator: User, post: Post, reason: str) -> None:
    """Tell the author of `post`, in a notification, what they must stop doing."""
    _require(moderator, post.thread.board)
    reason = _reason(reason, required=True)
    thread = post.thread
    with transaction.atomic():
        _log(moderator, ModerationKind.WARN, thread.board, thread=thread, post=post, fan=post.author, reason=reason)
        _resolve_reports(moderator, post, _("Author warned"))
        title = thread.title
        _tell(
            post.author,
            lambda: _("A moderator warns you about your post in “%(title)s”: %(reason)s")
            % {"title": title, "reason": reason},
            post.get_absolute_url(),
        )


# --- reports -----------------------------------------------------------------------------------


def report_post(user: User, post: Post, reason: str) -> Report:
    """A fan reports a post; the board's moderators (or, for a board without any, the site-wide ones)
    are told once per report."""
    if not permissions.can_write(user) or not can_see(user, post.thread.board):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this post.")})
    thread = post.thread
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            post=post, reporter=user, resolved_at=None, defaults={"reason": reason[:500]}
        )
        if created:
            title = thread.title
            notify(
                list(moderators_of(thread.board).exclude(pk=post.author_id)),
                NotificationKind.MODERATION,
                lambda: _("A post in “%(title)s” was reported: %(reason)s") % {"title": title, "reason": reason[:100]},
                "/forum/moderation/",
                group=f"reports:{thread.board_id}",
            )
    return report


def resolve_report(moderator: User, report: Report, resolution: str) -> None:
    """Dismiss a report (the post stays as it is)."""
    report = Report.objects.select_related("post__thread__board", "post__author").get(pk=report.pk)
    post = report.post
    _require(moderator, post.thread.board)
    with transaction.atomic():
        if Report.objects.filter(pk=report.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolved_by=moderator, resolution=(resolution or "")[:200]
        ):
            _log(
                moderator,
                ModerationKind.DISMISS,
                post.thread.board,
                thread=post.thread,
                post=post,
                fan=report.reporter,
                reason=_reason(resolution),
            )


dismiss_report = resolve_report


# --- fans --------------------------------------------------------------------------------------


def ban_refusal(moderator: User, fan: User, board: Board, days: int | None) -> ValidationError | None:
    """Why `moderator` may not ban `fan` (the author of a post on `board`) for `days`, in the moderator's
    language, as the ban form's error; None when they may (forum.permissions.may_ban, ban_durations)."""
    if fan.pk == moderator.pk:
        return ValidationError({"duration": _("You cannot ban yourself.")})
    if not may_ban(moderator, fan, board):
        return ValidationError(
            {
                "duration": _("%(name)s is staff or a moderator of this board and cannot be banned.")
                % {"name": fan.public_name}
            }
        )
    if days not in ban_durations(moderator):
        return ValidationError({"duration": _("Only site-wide moderators ban for good: choose 1, 7 or 30 days.")})
    return None


def ban_author(moderator: User, post: Post, reason: str, days: int | None) -> None:
    """Ban the author of `post` from posting for `days` (1, 7 or 30), or for good (None: site-wide
    moderators only). The fan is told until when and why. A refused ban is a ValidationError whose
    message says why (the form shows it and keeps the reason); a board the moderator does not
    moderate is PermissionDenied."""
    board = post.thread.board
    _require(moderator, board)
    fan = post.author
    reason = _reason(reason, required=True)
    if refused := ban_refusal(moderator, fan, board, days):
        raise refused
    with transaction.atomic():
        ban_user(moderator, fan, reason, None if days is None else datetime.timedelta(days=days), checked=True)
        # Language-neutral, as each moderator reads the log in their own language: the end, or ∞.
        detail = "→ ∞" if days is None else "→ " + timezone.localtime(fan.banned_until).strftime("%Y-%m-%d %H:%M")
        _log(moderator, ModerationKind.BAN, board, thread=post.thread, post=post, fan=fan, reason=reason, detail=detail)
        _tell(fan, lambda: ban_notice(fan), post.get_absolute_url())


def may_unban(moderator: User, fan: User) -> bool:
    """Site-wide moderators lift any ban; a board's moderator lifts a ban given on their board."""
    if not fan.is_banned:
        return False
    if is_site_moderator(moderator):
        return True
    last = (
        ModerationAction.objects.filter(fan=fan, kind=ModerationKind.BAN)
        .select_related("board")
        .order_by("-created_at", "-id")
        .first()
    )
    return last is not None and last.board is not None and can_moderate(moderator, last.board)


def unban(moderator: User, fan: User, reason: str = "") -> None:
    if not may_unban(moderator, fan):
        raise PermissionDenied
    reason = _reason(reason)
    last = ModerationAction.objects.filter(fan=fan, kind=ModerationKind.BAN).order_by("-created_at", "-id").first()
    with transaction.atomic():
        unban_user(moderator, fan, checked=True)
        _log(moderator, ModerationKind.UNBAN, last.board if last else None, fan=fan, reason=reason)
        _tell(fan, lambda: _("A moderator lifted your ban: you can post again."), "/forum/")


# --- held posts --------------------------------------------------------------------------------


def approve_held(moderator: User, held: HeldPost) -> Post:
    """Post a held thread or reply as its author wrote it (masked words masked), at the next floor."""
    _require(moderator, held.board)
    with transaction.atomic():
        held = (
            HeldPost.objects.select_for_update(of=("self",)).select_related("board", "thread", "author").get(pk=held.pk)
        )
        if held.decided_at:
            if held.post is not None:
                return held.post
            raise ValidationError(_("This post was already rejected."))
        extra, files = attachments.held_extra(held.extra)
        if held.thread is None:
            thread = posting.start_thread(held.author, held.board, held.title, held.body, reviewed=True, **extra)
            post = thread.posts.get(floor=1)
        else:
            post = posting.post_reply(held.author, held.thread, held.body, quote=held.quote, reviewed=True)
        attachments.attach_held(held.author, post, files)
        held.decided_at, held.decided_by, held.approved, held.post = timezone.now(), moderator, True, post
        held.save(update_fields=["decided_at", "decided_by", "approved", "post"])
        _log(moderator, ModerationKind.APPROVE, held.board, thread=post.thread, post=post, fan=held.author)
        title = post.thread.title
        _tell(
            held.author, lambda: _("Your post in “%(title)s” was approved.") % {"title": title}, post.get_absolute_url()
        )
    return post


def reject_held(moderator: User, held: HeldPost, reason: str) -> None:
    _require(moderator, held.board)
    reason = _reason(reason, required=True)
    with transaction.atomic():
        if not HeldPost.objects.filter(pk=held.pk, decided_at__isnull=True).update(
            decided_at=timezone.now(), decided_by=moderator, approved=False, reason=reason
        ):
            return
        attachments.drop_held(attachments.held_extra(held.extra)[1])
        _log(moderator, ModerationKind.REJECT, held.board, thread=held.thread, fan=held.author, reason=reason)
        excerpt = (held.title or held.body)[:30]
        _tell(
            held.author,
            lambda: _with_reason(_("A moderator did not approve your post “%(text)s”.") % {"text": excerpt}, reason),
            "/forum/pending/",
        )
