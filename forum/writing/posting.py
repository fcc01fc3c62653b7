"""Every write a fan makes in the forum: threads, replies, edits, deletions, likes, watching, reading.

Each function opens its own transaction, checks permissions and limits, keeps the counters on the
thread and the board in that same transaction, and queues notifications (mail goes after commit).
Locks are always taken in the order author row -> thread row -> board row, so writers never deadlock.
A post's files (`files=`, checked by `forum.attachments.inspect`) are written in its transaction
(forum/attachments/storing.py), so a post and its attachments are one write, wherever it comes from.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.activity import record_activity
from accounts.models import NotificationKind, User
from accounts.moderation import ban_notice
from accounts.notifications import notify
from accounts.roles import is_desk_staff
from community import credits, devices, follows
from community.models import CreditReason
from fancity.lib import when
from fancity.lib.dbrouting import read_only
from fancity.lib.rows import insert_once
from forum import attachments, hooks
from forum.attachments import Uploads
from forum.models import Board, BoardKind, FeedbackKind, FeedbackStatus, Like, Post, ReadMark, Thread, Watch
from forum.permissions import (
    EDIT_WINDOW,
    can_delete,
    can_edit,
    can_reply,
    can_see,
    can_start_thread,
    can_write,
    is_official,
    who_may_see,
)
from forum.reading import search
from forum.writing import drafts, history, likes, limits, markup, notifying, screening
from forum.writing.limits import MAX_BODY, MAX_TITLE
from forum.writing.screening import HeldForReview

# The same text from the same author within this time is a double click or a resent form, not a new post.
RESENT_WITHIN = datetime.timedelta(seconds=30)


# --- permissions (forum/permissions.py, re-exported for the callers that know them here) ---------


def refusal(user: User, editing: Post | None = None) -> PermissionDenied:
    """The PermissionDenied for a refused write, saying why where it helps the fan: banned until when,
    or the edit window closed. The 403 page shows the message."""
    if notice := ban_notice(user):
        return PermissionDenied(notice)
    if editing is not None and editing.author_id == user.pk and timezone.now() - editing.created_at >= EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        return PermissionDenied(
            ngettext(
                "A post can be edited for %(n)d minute after it is posted; this one was posted %(when)s, "
                "so editing is closed.",
                "A post can be edited for %(n)d minutes after it is posted; this one was posted %(when)s, "
                "so editing is closed.",
                minutes,
            )
            % {"n": minutes, "when": when.ago(editing.created_at)}
        )
    return PermissionDenied()


# --- validation --------------------------------------------------------------------------------


def clean_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("The text contains a NUL character, which is not allowed.")})
    if not value:
        raise ValidationError({field: _("This field cannot be empty.")})
    if len(value) > max_length:
        raise ValidationError(
            {field: _("Keep it under %(n)d characters (it has %(len)d).") % {"n": max_length, "len": len(value)}}
        )
    return value


# --- notifications -----------------------------------------------------------------------------


def notify_fans(users, kind: str, make_text, url: str, thread: Thread) -> None:
    """Notify each fan in their own language; mail is batched per thread by `notify`."""
    notify(users, kind, make_text, url, group=f"thread:{thread.pk}")


def _notify_mentions(post: Post, thread: Thread, author: User, names: list[str], notified: set[int]) -> None:
    if not names:
        return
    mentioned = list(
        who_may_see(thread.board, User.objects.fans().filter(username__in=names[:20]).exclude(pk__in=notified))
    )
    notified.update(u.pk for u in mentioned)
    name = author.public_name
    notifying.tell(
        mentioned,
        NotificationKind.MENTION,
        lambda: _("%(name)s mentioned you in “%(title)s”") % {"name": name, "title": thread.title},
        post,
        thread,
        author,
    )


def _notify_followers(thread: Thread, author: User) -> None:
    """The author's followers (community.follows) who may see the board hear of a new thread; one
    group per author, so a prolific author mails each follower at most once an hour (the digest rules)."""
    followers = who_may_see(thread.board, follows.followers_of(author).exclude(pk=author.pk))
    name, title = author.public_name, thread.title
    notify(
        followers,
        NotificationKind.FOLLOW,
        lambda: _("%(name)s, whom you follow, started “%(title)s”") % {"name": name, "title": title},
        thread.get_absolute_url(),
        group=f"follow:{author.pk}",
    )


def _notify_about_post(post: Post, thread: Thread, author: User) -> None:
    """Quoted and mentioned fans, and those watching the thread, each told once, folded per thread
    and kind (forum/writing/notifying.py). Replying does not watch a thread: a fan who replied hears of quotes
    of their posts and mentions of them (Discourse's "tracking"), and of every reply only if they watch."""
    notified = {author.pk}
    name = author.public_name
    if post.quote is not None and post.quote.author_id not in notified:
        quoted = post.quote.author
        notified.add(quoted.pk)
        notifying.tell(
            [quoted],
            NotificationKind.QUOTE,
            lambda: _("%(name)s quoted your post in “%(title)s”") % {"name": name, "title": thread.title},
            post,
            thread,
            author,
        )
    _notify_mentions(post, thread, author, markup.mentioned_usernames(post.body), notified)
    if post.floor > 1:
        watchers = who_may_see(
            thread.board,
            User.objects.filter(pk__in=Watch.objects.filter(thread=thread).values("user_id")).exclude(pk__in=notified),
        )
        notifying.tell(
            list(watchers),
            NotificationKind.REPLY,
            lambda: _("%(name)s replied to “%(title)s”") % {"name": name, "title": thread.title},
            post,
            thread,
            author,
        )


# --- writes ------------------------------------------------------------------------------------


def _lock_author(author: User) -> None:
    """Serialises one fan's posts, so that the limits cannot be raced past. FOR NO KEY UPDATE: rows that
    point at the fan (a notification another reply sends them) may still be written meanwhile, or two
    fans replying to each other would each wait for the other."""
    User.objects.select_for_update(no_key=True).filter(pk=author.pk).values_list("pk", flat=True).first()


def _resent(author: User, body: str, **where) -> Post | None:
    """The post `author` made moments ago with this same text where `where` says, if any.

    Called under the author's row lock (`_lock_author`), so of two or three identical requests sent at
    once (a double click, three staff tabs) the later ones wait for the first to commit, find its post
    here and return it instead of writing another: the same answer as the first, never a duplicate.
    """
    since = timezone.now() - RESENT_WITHIN
    posts = Post.objects.filter(author=author, body=body, created_at__gte=since, deleted_at__isnull=True, **where)
    return posts.select_related("thread").order_by("-pk").first()


def _screen(author: User, board: Board, title: str, body: str, files: Uploads | None, **how) -> tuple[str, str]:
    """`screening.screen`; a post held for a moderator's review keeps its files waiting with it."""
    try:
        return screening.screen(author, board, title, body, **how)
    except HeldForReview as held:
        attachments.keep_for_held(held.held, files)  # attached when it is approved
        raise


def _watch(user: User, thread: Thread) -> None:
    Watch.objects.bulk_create([Watch(user=user, thread=thread)], ignore_conflicts=True)


def mark_read(user: User, thread: Thread, floor: int) -> None:
    """Remember that `user` has seen `thread` up to `floor` (never moving backwards), and mark read
    the thread's notifications whose first unread post they have now seen. Nothing in read-only mode
    (no primary answers: fancity.lib.dbrouting); the mark moves on at the next read."""
    if not user.is_authenticated or read_only():
        return
    notifying.seen(user, thread, floor)
    table = ReadMark._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, thread_id, floor) VALUES (%s, %s, %s) "
            f"ON CONFLICT (user_id, thread_id) DO UPDATE SET floor = EXCLUDED.floor "
            f"WHERE {table}.floor < EXCLUDED.floor",
            [user.pk, thread.pk, floor],
        )


def _new_post(
    thread: Thread, author: User, body: str, floor: int, now, quote: Post | None = None, title: str = ""
) -> Post:
    html = markup.render(body)
    return Post.objects.create(
        thread=thread,
        floor=floor,
        author=author,
        body=body,
        html=html,
        by_staff=is_official(author),
        quote=quote,
        created_at=now,
        search=search.post_vector(title, html),
    )


def credit_post(post: Post) -> None:
    """Credit a post's author for it (community.credits: once per post, within the day's cap)."""
    reason = CreditReason.THREAD if post.floor == 1 else CreditReason.REPLY
    credits.award(post.author_id, reason, f"post:{post.pk}")


def take_back_credits(post_ids: Iterable[int]) -> None:
    """A hidden or deleted post earns nothing: its credit and its likes' credits are reversed."""
    credits.take_back(*(f"post:{pk}" for pk in post_ids))


def start_thread(
    author: User,
    board: Board,
    title: str,
    body: str,
    reviewed: bool = False,
    *,
    files: Uploads | None = None,
    **extra,
) -> Thread:
    """Start a thread in `board` with `body` as its first post (floor 1), and `files` attached to it.

    `extra` may hold feedback fields: feedback_kind, device_model, software_version. The sensitive-word
    filter may refuse, mask or hold it (forum/writing/screening.py); `reviewed` is a moderator's approval of
    a held thread (forum.moderation.moderate.approve_held): no hold, no posting limits.
    """
    if files:
        attachments.check_place(files, board)
    if not can_start_thread(author, board):
        raise refusal(author)
    title = clean_text(title, "title", MAX_TITLE)
    body = clean_text(body, "body", MAX_BODY)
    fields = {}
    if board.kind == BoardKind.FEEDBACK:
        kind = extra.get("feedback_kind") or FeedbackKind.BUG
        if kind not in FeedbackKind.values:
            raise ValidationError({"feedback_kind": _("Choose a kind of feedback.")})
        fields = {
            "feedback_kind": kind,
            "status": FeedbackStatus.OPEN,
            "device_model": (extra.get("device_model") or "").strip()[:80],
            "software_version": (extra.get("software_version") or "").strip()[:80],
        }
        if not fields["device_model"] and (main := devices.main_device(author)) is not None:
            # The reporter's main device (community device tags) and its system version, unless they named one.
            fields["device_model"] = main.device.name[:80]
            fields["software_version"] = fields["software_version"] or main.system_version[:80]
    title, body = _screen(author, board, title, body, files, extra=fields, reviewed=reviewed)
    with attachments.removed_if_refused() as written, transaction.atomic():
        _lock_author(author)
        if twin := _resent(author, body, floor=1, thread__board=board, thread__title=title):
            return twin.thread  # a form sent twice: its files came with the first
        if not reviewed:
            limits.check(author, starting_thread=True)
            limits.check_level(author, lambda: markup.render(body), bool(files))
        now = timezone.now()
        thread = Thread.objects.create(
            board=board,
            author=author,
            title=title,
            created_at=now,
            post_count=1,
            last_post_at=now,
            last_poster=author,
            **fields,
        )
        post = _new_post(thread, author, body, 1, now, title=title)
        credit_post(post)
        if files:
            attachments.attach(author, post, files, written)
        drafts.drop_draft(author, board=board)
        Board.objects.filter(pk=board.pk).update(
            thread_count=F("thread_count") + 1,
            post_count=F("post_count") + 1,
            last_post_at=now,
            last_thread=thread,
            last_poster=author,
        )
        _watch(author, thread)
        mark_read(author, thread, 1)
        record_activity(author)
        _notify_about_post(post, thread, author)
        _notify_followers(thread, author)
        if board.kind == BoardKind.FEEDBACK:
            hooks.feedback_thread_created(thread)  # settings.FORUM_FEEDBACK_HOOKS, after the commit
    return thread


def post_reply(
    author: User,
    thread: Thread,
    body: str,
    quote: Post | None = None,
    reviewed: bool = False,
    *,
    files: Uploads | None = None,
) -> Post:
    """Add a reply at the next floor of `thread`, with `files` attached (screened as `start_thread` says)."""
    if files:
        attachments.check_place(files, thread)
    body = clean_text(body, "body", MAX_BODY)
    _title, body = _screen(author, thread.board, "", body, files, thread=thread, quote=quote, reviewed=reviewed)
    with attachments.removed_if_refused() as written, transaction.atomic():
        _lock_author(author)
        thread = Thread.objects.select_for_update(of=("self",), no_key=True).select_related("board").get(pk=thread.pk)
        if not can_reply(author, thread):
            raise refusal(author)
        if quote is not None and (quote.thread_id != thread.pk or not quote.is_visible):
            raise ValidationError({"quote": _("That post cannot be quoted.")})
        if twin := _resent(author, body, thread=thread, quote=quote):
            return twin  # a form sent twice: its files came with the first
        if not reviewed:
            limits.check(author, starting_thread=False)
            limits.check_level(author, lambda: markup.render(body), bool(files))
        now = timezone.now()
        floor = thread.post_count + 1
        post = _new_post(thread, author, body, floor, now, quote=quote)
        credit_post(post)
        if files:
            attachments.attach(author, post, files, written)
        drafts.drop_draft(author, thread=thread)
        changes = {"post_count": floor, "reply_count": F("reply_count") + 1, "last_post_at": now, "last_poster": author}
        if (
            is_desk_staff(author)  # the desk's clock: stopped by the desk's first answer
            and thread.is_feedback
            and thread.first_staff_reply_at is None
            and author.pk != thread.author_id
        ):
            changes.update(first_staff_reply_at=now, time_to_first_staff_reply=now - thread.created_at)
        Thread.objects.filter(pk=thread.pk).update(**changes)
        Board.objects.filter(pk=thread.board_id).update(
            post_count=F("post_count") + 1, last_post_at=now, last_thread=thread, last_poster=author
        )
        mark_read(author, thread, floor)
        record_activity(author)
        _notify_about_post(post, thread, author)
        hooks.reply_posted(post)  # settings.FORUM_REPLY_HOOKS, after the commit
    return post


def edit_post(
    editor: User,
    post: Post,
    body: str,
    title: str | None = None,
    *,
    checked: bool = False,
    files: Uploads | None = None,
    remove: Iterable[int] = (),
) -> Post:
    """Change a post's text (`permissions.can_edit`: its author); the post shows it was edited. Its
    attachments listed in `remove` go and `files` are added, with a new post's limits.

    `checked=True` says the caller has checked a power of its own (meetups: event staff keep their
    meetups' announcement threads current, whoever posted them); the editor must still be able to write."""
    if files:
        attachments.check_place(files, post.thread)
    body = clean_text(body, "body", MAX_BODY)
    if title is not None:
        title = clean_text(title, "title", MAX_TITLE)
    remove = list(remove)
    with attachments.removed_if_refused() as written, transaction.atomic():
        if files or remove:
            _lock_author(editor)  # the daily limit on files
        post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
        if not (can_edit(editor, post) or (checked and can_write(editor) and post.deleted_at is None)):
            raise refusal(editor, editing=post)
        thread = post.thread
        checked_title, body = screening.screen(editor, thread.board, title or "", body, editing=True)
        title = checked_title if title is not None else None
        new_title = post.floor == 1 and title is not None and title != thread.title
        if body != post.body or new_title:
            history.keep_version(post, editor)  # the text this edit replaces, before it changes
        if new_title:
            assert title is not None
            Thread.objects.filter(pk=thread.pk).update(title=title)
            thread.title = title
        added = [n for n in markup.mentioned_usernames(body) if n not in markup.mentioned_usernames(post.body)]
        post.body = body
        post.html = markup.render(body)
        if not checked:
            limits.check_level(editor, lambda: post.html, bool(files))
        post.edited_at = timezone.now()
        post.search = search.post_vector(thread.title if post.floor == 1 else "", post.html)
        post.save(update_fields=["body", "html", "edited_at", "search"])
        record_activity(editor)
        # Only names added by this edit are told, and never the post's author.
        _notify_mentions(post, thread, post.author, added, {post.author_id, editor.pk})
        if files or remove:
            attachments.change(editor, post, files or Uploads(), remove, written)
    return post


def take_out_of_counts(post: Post) -> None:
    """A deleted or hidden post leaves the reply count (its floor stays)."""
    if post.floor > 1:
        Thread.objects.filter(pk=post.thread_id, reply_count__gt=0).update(reply_count=F("reply_count") - 1)
    Board.objects.filter(pk=post.thread.board_id, post_count__gt=0).update(post_count=F("post_count") - 1)


def delete_post(user: User, post: Post) -> Post:
    """Soft delete: the post is replaced by a notice and keeps its floor."""
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
        if not can_delete(user, post):
            raise PermissionDenied
        was_visible = post.is_visible
        post.deleted_at = timezone.now()
        post.search = None
        post.save(update_fields=["deleted_at", "search"])
        if was_visible:
            take_out_of_counts(post)
        take_back_credits([post.pk])
        attachments.drop_for_post(post)  # its files go after the commit
    return post


def toggle_like(user: User, post: Post, on: bool | None = None) -> tuple[bool, int]:
    """Like `post` (on=True), take the like back (on=False) or switch it (None); returns (liked now, like count).

    Repeating or racing the same request is harmless: the like is inserted once (ON CONFLICT DO
    NOTHING) and the counter moves only by the row this call inserted or deleted.
    """
    if not can_write(user) or not post.is_visible or not can_see(user, post.thread.board):
        raise PermissionDenied
    with transaction.atomic():
        removed = 0 if on else Like.objects.filter(post=post, user=user).delete()[0]
        added = on is not False and not removed and insert_once(Like, post=post.pk, user=user.pk)
        if added or removed:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + (1 if added else -1))
        if added and post.author_id != user.pk:
            credits.award(post.author_id, CreditReason.LIKE, f"post:{post.pk}:like:{user.pk}")
        elif removed:
            credits.take_back(f"post:{post.pk}:like:{user.pk}")
        count = Post.objects.filter(pk=post.pk).values_list("like_count", flat=True).get()
        if added:
            likes.tell_author(post, user, count)  # one notification per post, rewritten (forum/writing/likes.py)
    return (not removed if on is None else on), count


def set_watching(user: User, thread: Thread, watching: bool) -> None:
    if not user.is_authenticated or not can_see(user, thread.board):
        raise PermissionDenied
    if watching:
        _watch(user, thread)
    else:
        Watch.objects.filter(user=user, thread=thread).delete()


def rerender_posts(batch_size: int = 200) -> int:
    """Render every stored post's body again with `markup.render`, and its search document from the new
    HTML; return how many posts changed.

    For posts written before the renderer changed (their HTML was already sanitised, so this is for
    bare links, ~~strike~~ and the like, not for safety). Each batch locks its rows while it renders
    them, as an edit does, so a concurrent edit is never overwritten. Safe to run twice.
    """
    changed = 0
    last = 0
    while True:
        with transaction.atomic():
            posts = list(
                Post.objects.select_for_update(of=("self",))
                .select_related("thread")
                .filter(pk__gt=last)
                .order_by("pk")
                .only("pk", "floor", "body", "html", "thread__title")[:batch_size]
            )
            if not posts:
                return changed
            stale = []
            for post in posts:
                html = markup.render(post.body)
                if html != post.html:
                    post.html = html
                    post.search = search.post_vector(post.thread.title if post.floor == 1 else "", html)
                    stale.append(post)
            Post.objects.bulk_update(stale, ["html", "search"])
        changed += len(stale)
        last = posts[-1].pk
