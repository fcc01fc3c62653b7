"""The sensitive-word filter applied to what fans post (titles and bodies), before forum.writing.posting writes.

BLOCK refuses the post with a message naming the word; MASK replaces the word with ＊ and posts;
HOLD keeps the post in `HeldPost` until a moderator of its board approves it (forum.moderation.moderate),
and the writer is told so (`HeldForReview`, a ValidationError, so that every caller that shows a
post's errors shows this too; the page that catches it keeps the post with `hold`, outside the
transaction that the refusal rolled back). A board's moderators are not held on their own board.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import wordfilter
from accounts.models import User, WordAction
from accounts.moderation import may_act
from forum.models import Board, HeldPost, Post, Thread
from forum.permissions import can_moderate
from forum.writing import limits

MAX_WAITING = 5


class HeldForReview(ValidationError):
    """The post must wait for a moderator: `hold(error)` keeps it (after the writer's transaction,
    which this exception rolls back, is over)."""

    def __init__(self, held: HeldPost):
        super().__init__(_("Your post waits for a moderator's review; it appears once approved."))
        self.held = held


def screen(
    author: User,
    board: Board,
    title: str,
    body: str,
    *,
    thread: Thread | None = None,
    quote: Post | None = None,
    extra: dict | None = None,
    editing: bool = False,
    reviewed: bool = False,
) -> tuple[str, str]:
    """`title` and `body` with masked words masked; raises ValidationError for a blocked word and
    HeldForReview (after saving the held post) for a word that needs a moderator."""
    verdicts = {"title": wordfilter.check(title), "body": wordfilter.check(body)}
    for name, verdict in verdicts.items():
        if verdict.action == WordAction.BLOCK:
            raise ValidationError({name: wordfilter.refusal(verdict)})
    held = [v for v in verdicts.values() if v.action == WordAction.HOLD]
    if held and not reviewed and not can_moderate(author, board):
        if editing:
            raise ValidationError(
                {
                    "body": _("“%(words)s” needs a moderator's review, so it cannot be added by editing.")
                    % {"words": "”, “".join(held[0].words[:3])}
                }
            )
        if not may_act(author) or (thread is not None and thread.is_locked):
            raise PermissionDenied
        limits.check(author, starting_thread=thread is None)
        if HeldPost.objects.filter(author=author, decided_at__isnull=True).count() >= MAX_WAITING:
            raise ValidationError(
                _("You already have %(n)d posts waiting for a moderator's review. Wait until they are looked at.")
                % {"n": MAX_WAITING}
            )
        raise HeldForReview(
            HeldPost(
                board=board,
                thread=thread,
                author=author,
                title=title,
                body=body,
                quote=quote,
                extra=extra or {},
                words=", ".join(w for v in held for w in v.words)[:300],
            )
        )
    return verdicts["title"].text, verdicts["body"].text


def hold(error: HeldForReview) -> HeldPost:
    """Keep the post `error` refused until a moderator of its board approves or rejects it."""
    with transaction.atomic():
        error.held.save()
    return error.held
