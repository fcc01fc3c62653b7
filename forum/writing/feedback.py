"""Feedback threads: the status workflow (staff only, logged), "me too" votes, the official answer."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.roles import is_desk_staff
from community import credits
from community.models import CreditReason
from fancity.lib.rows import insert_once
from forum.models import FeedbackKind, FeedbackStatus, MeToo, Post, StatusChange, Thread
from forum.permissions import can_see, can_write, who_may_see
from forum.writing.posting import notify_fans

# The statuses that say staff confirmed a bug report (for its reporter's credits).
CONFIRMED = (FeedbackStatus.ACKNOWLEDGED, FeedbackStatus.IN_PROGRESS, FeedbackStatus.FIXED)


def _voters(thread: Thread, acting: User) -> list[User]:
    """Who voted "me too" on `thread` and may still see it, but not its author or the one acting."""
    voters = User.objects.filter(pk__in=MeToo.objects.filter(thread=thread).values("user_id")).exclude(
        pk__in=[thread.author_id, acting.pk]
    )
    return list(who_may_see(thread.board, voters.filter(deleted_at__isnull=True)))


def change_feedback_status(
    staff: User, thread: Thread, status: str, note: str = "", duplicate_of: Thread | None = None
) -> Thread:
    """Move a feedback thread to `status`, log who/when/from/to/note, and tell its author.

    A duplicate points to its original (following the original's own duplicate link), and its
    "me too" votes, plus its author's, move there.
    """
    if not is_desk_staff(staff):
        raise PermissionDenied
    if status not in FeedbackStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    note = (note or "").strip()[:500]
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        if not thread.is_feedback:
            raise ValidationError(_("Only feedback threads have a status."))
        original = None
        voters = _voters(thread, staff)  # before a duplicate's votes move to the original
        if status == FeedbackStatus.DUPLICATE:
            if duplicate_of is None:
                raise ValidationError({"duplicate_of": _("Say which thread this duplicates.")})
            original = duplicate_of.duplicate_of or duplicate_of
            if original.pk == thread.pk or not original.is_feedback:
                raise ValidationError(
                    {"duplicate_of": _("A thread cannot duplicate itself or a thread that is not feedback.")}
                )
            Thread.objects.select_for_update().filter(pk=original.pk).values_list("pk", flat=True).first()
        if status == thread.status and original is None:
            return thread
        StatusChange.objects.create(
            thread=thread, changed_by=staff, from_status=thread.status, to_status=status, note=note
        )
        thread.status = status
        thread.duplicate_of = original
        if original is not None:
            moved = set(MeToo.objects.filter(thread=thread).values_list("user_id", flat=True)) | {thread.author_id}
            # In batches: a statement bound on the server takes at most 65,535 parameters (settings.DATABASES).
            MeToo.objects.bulk_create(
                [MeToo(thread=original, user_id=v) for v in moved], ignore_conflicts=True, batch_size=5000
            )
            MeToo.objects.filter(thread=thread).delete()
            thread.me_too_count = 0
            Thread.objects.filter(pk=original.pk).update(me_too_count=MeToo.objects.filter(thread=original).count())
        thread.save(update_fields=["status", "duplicate_of", "me_too_count"])
        if thread.feedback_kind == FeedbackKind.BUG:
            if status in CONFIRMED:  # a bug staff confirmed earns its reporter credits, once
                credits.award(thread.author_id, CreditReason.BUG, f"thread:{thread.pk}:bug")
            elif status == FeedbackStatus.DUPLICATE:
                credits.take_back(f"thread:{thread.pk}:bug")
        label = FeedbackStatus(status).label
        if thread.author_id != staff.pk:
            notify_fans(
                [thread.author],
                NotificationKind.FEEDBACK,
                lambda: _("Your feedback “%(title)s” is now: %(status)s") % {"title": thread.title, "status": label},
                thread.get_absolute_url(),
                thread,
            )
        notify_fans(
            voters,
            NotificationKind.FEEDBACK,
            lambda: _("Feedback you said “me too” to, “%(title)s”, is now: %(status)s")
            % {"title": thread.title, "status": label},
            thread.get_absolute_url(),
            thread,
        )
    return thread


def mark_official_answer(staff: User, post: Post) -> Thread:
    """Show a staff reply right under the first post of its feedback thread."""
    if not is_desk_staff(staff):
        raise PermissionDenied
    with transaction.atomic():
        thread = Thread.objects.select_for_update(of=("self",)).select_related("board").get(pk=post.thread_id)
        if not thread.is_feedback or post.floor == 1 or not post.by_staff or not post.is_visible:
            raise ValidationError(_("Only a visible staff reply in a feedback thread can be the official answer."))
        thread.official_post = post
        thread.save(update_fields=["official_post"])
        credits.award(post.author_id, CreditReason.ANSWER, f"post:{post.pk}:answer")
        if thread.author_id != staff.pk:
            notify_fans(
                [thread.author],
                NotificationKind.FEEDBACK,
                lambda: _("Staff answered your feedback “%(title)s”") % {"title": thread.title},
                post.get_absolute_url(),
                thread,
            )
        notify_fans(
            _voters(thread, staff),
            NotificationKind.FEEDBACK,
            lambda: _("Staff answered feedback you said “me too” to: “%(title)s”") % {"title": thread.title},
            post.get_absolute_url(),
            thread,
        )
    return thread


def toggle_me_too(user: User, thread: Thread, on: bool | None = None) -> tuple[bool, int]:
    """Vote "me too" on a feedback thread (its original when it is a duplicate): on=True votes, on=False
    takes the vote back, None switches it; returns (voted now, vote count).

    Repeating or racing the same request is harmless, as for likes (forum.writing.posting.toggle_like).
    """
    if not can_write(user) or not can_see(user, thread.board) or not thread.is_feedback:
        raise PermissionDenied
    target = thread.duplicate_of or thread
    with transaction.atomic():
        removed = 0 if on else MeToo.objects.filter(thread=target, user=user).delete()[0]
        added = on is not False and not removed and insert_once(MeToo, thread=target.pk, user=user.pk)
        if added or removed:
            Thread.objects.filter(pk=target.pk).update(me_too_count=F("me_too_count") + (1 if added else -1))
        count = Thread.objects.filter(pk=target.pk).values_list("me_too_count", flat=True).get()
    return (not removed if on is None else on), count
