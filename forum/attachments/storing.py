"""Where attachments' files are written, moved and removed, through Django's two storages.

`default` (public) holds web copies and thumbnails; `private` holds logs, and images until processed
(forum/README.md, "Where files live"). forum.writing.posting calls `attach` and `change` inside the
transaction that writes the post, under the author's row lock it takes, so the per-fan daily limit
cannot be raced past; the block it runs them in (`removed_if_refused`) deletes the files again when
the post is refused. Deleting rows deletes their files after the commit.
"""

import datetime
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import User
from fancity.lib import when
from forum.attachments.inspection import MAX_IMAGES_PER_POST, MAX_LOGS_PER_POST, Uploads
from forum.models import Attachment, AttachmentKind, AttachmentState, Post
from forum.permissions import posts_without_limits
from forum.writing.limits import PostingLimited
from outbox.queueing import enqueue

log = logging.getLogger(__name__)

MAX_FILES_PER_DAY = 50
DAY = datetime.timedelta(days=1)


def public_storage() -> Storage:
    return storages["default"]


def private_storage() -> Storage:
    return storages["private"]


# --- written with a post -----------------------------------------------------------------------


@contextmanager
def removed_if_refused() -> Iterator[list[str]]:
    """Collects the names of the files written inside the block (`attach`, `change`); if the block
    raises (the post was refused, its transaction rolled back), those files are deleted again."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            private_storage().delete(name)
        raise


def check_daily_limit(author: User, adding: int) -> None:
    """With the author's row locked (forum.writing.posting holds it): at most MAX_FILES_PER_DAY files in 24 hours."""
    since = timezone.now() - DAY
    recent = list(
        Attachment.objects.filter(uploader=author, created_at__gte=since)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if len(recent) + adding <= MAX_FILES_PER_DAY or posts_without_limits(author):
        return
    # Room for `adding` files again once enough of the day's files are a day old.
    free_at = recent[min(len(recent) - 1, len(recent) + adding - MAX_FILES_PER_DAY - 1)] + DAY
    raise PostingLimited(
        ngettext(
            "You can attach %(n)d file a day. You can attach more %(when)s.",
            "You can attach %(n)d files a day. You can attach more %(when)s.",
            MAX_FILES_PER_DAY,
        )
        % {"n": MAX_FILES_PER_DAY, "when": when.until(free_at)},
        free_at,
    )


def _storage_name(post: Post, extension: str) -> str:
    now = timezone.now()
    return f"forum/{now:%Y/%m}/{post.thread_id}-{post.pk}-{secrets.token_urlsafe(12)}{extension}"


def add_row(post: Post, uploader: User, kind: str, name: str, content_type: str, size: int, original: str) -> None:
    """The row of a file saved privately as `original`: a log is ready, an image waits for its task."""
    is_image = kind == AttachmentKind.IMAGE
    attachment = Attachment.objects.create(
        post=post,
        uploader=uploader,
        kind=kind,
        state=AttachmentState.PENDING if is_image else AttachmentState.READY,
        name=name,
        content_type=content_type,
        size=size,
        original=original,
    )
    if is_image:
        enqueue("forum.tasks.process_attachment", attachment.pk)


def attach(author: User, post: Post, files: Uploads, written: list[str]) -> None:
    """In the transaction that writes `post`, with the author's row locked: `files` become its
    attachments, within the daily limit; the names written are added to `written`."""
    check_daily_limit(author, len(files))
    private = private_storage()
    for upload in [*files.images, *files.logs]:
        upload.file.seek(0)
        name = private.save(_storage_name(post, upload.extension), upload.file)
        written.append(name)
        add_row(post, author, upload.kind, upload.name, upload.content_type, upload.size, name)


def change(editor: User, post: Post, files: Uploads, remove: Iterable[int], written: list[str]) -> None:
    """In the transaction of an edit, with the editor's row locked: the post's attachments listed in
    `remove` go (their files after the commit) and `files` are attached, with a new post's limits
    (per post, per fan and day)."""
    current = list(Attachment.objects.filter(post=post).select_for_update())
    removing_ids = set(remove)
    removing = [a for a in current if a.pk in removing_ids]
    kept = [a for a in current if a not in removing]
    for kind, adding, most, field_name in (
        (AttachmentKind.IMAGE, files.images, MAX_IMAGES_PER_POST, "images"),
        (AttachmentKind.LOG, files.logs, MAX_LOGS_PER_POST, "logs"),
    ):
        total = len(adding) + sum(a.kind == kind for a in kept)
        if adding and total > most:
            raise ValidationError(
                {
                    field_name: ngettext(
                        "A post can have at most %(n)d file of this kind; it would have %(count)d.",
                        "A post can have at most %(n)d files of this kind; it would have %(count)d.",
                        most,
                    )
                    % {"n": most, "count": total}
                }
            )
    if removing:
        drop_files(removing)
    if files:
        attach(editor, post, files, written)


# --- removed -----------------------------------------------------------------------------------


def drop_files(attachments: list[Attachment]) -> None:
    """Delete the attachments' rows now and their files once the transaction commits."""
    names = [(a.original, a.web, a.thumb) for a in attachments]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()

    def remove():
        private, public = private_storage(), public_storage()
        for original, web, thumb in names:
            for storage, name in ((private, original), (public, web), (public, thumb)):
                if name:
                    try:
                        storage.delete(name)
                    except Exception:  # noqa: BLE001 - a file left behind must not fail a deletion
                        log.warning("could not delete attachment file %s", name, exc_info=True)

    transaction.on_commit(remove)


def drop_for_post(post: Post) -> None:
    """Called by forum.writing.posting.delete_post, in its transaction: the post's files go with it."""
    drop_files(list(Attachment.objects.filter(post=post).select_for_update()))


# --- public or private, as the post is shown ---------------------------------------------------


def hidden_filter() -> Q:
    """Posts whose images are kept out of the public storage: hidden, or in a withdrawn thread."""
    return Q(hidden_at__isnull=False) | Q(thread__hidden_at__isnull=False)


def _move_images(posts: Q, source: Callable[[], Storage], target: Callable[[], Storage]) -> None:
    """After the commit, move the web copies and thumbnails of the images of `posts` from `source` to
    `target` storage under the same names (a name already there is only deleted from `source`)."""
    names = [
        name
        for web, thumb in Attachment.objects.filter(kind=AttachmentKind.IMAGE)
        .filter(**{"post__in": Post.objects.filter(posts)})
        .exclude(web="")
        .values_list("web", "thumb")
        for name in (web, thumb)
        if name
    ]

    def move():
        from_storage, to_storage = source(), target()
        for name in names:
            try:
                if not from_storage.exists(name):
                    continue
                if not to_storage.exists(name):
                    with from_storage.open(name, "rb") as file:
                        saved = to_storage.save(name, file)
                    if saved != name:  # never expected: the names are unique; keep the copy that is served
                        to_storage.delete(saved)
                        continue
                from_storage.delete(name)
            except Exception:  # noqa: BLE001 - one file that cannot move must not stop the others
                log.warning("could not move attachment file %s", name, exc_info=True)

    if names:
        transaction.on_commit(move)


def make_private(posts: Q) -> None:
    """In the transaction that hides posts or withdraws a thread: their images stop being public files."""
    _move_images(posts, public_storage, private_storage)


def make_public(posts: Q) -> None:
    """In the transaction that shows them again: their images are public files again."""
    _move_images(posts, private_storage, public_storage)
