"""Files attached to posts: images in any post, logs on feedback threads (forum/README.md, "Attachments").

`inspect` looks at what a form sent and refuses what cannot be attached, by content (never by the
file's name): images must be JPEG, PNG, WebP, GIF or HEIC/HEIF as Pillow reads their header, at most
MAX_PIXELS pixels (checked from the header, before any decoding); logs must be a zip archive or
text. `post_reply` and `start_thread` write the post through forum.posting and its files in the
same transaction, under the author's row lock that forum.posting takes, so the per-fan daily limit
cannot be raced past. An image is saved privately as it came and a task (`process_image`, queued
with the outbox) makes its web copy and thumbnail without EXIF, turned the way the camera held it;
the page shows a placeholder until then. Logs stay private: `open_private` lets only their uploader
and the service desk read them.
"""

import datetime
import io
import logging
import posixpath
import secrets
import zipfile
from dataclasses import dataclass, field

import pillow_heif
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from accounts.roles import is_desk_staff
from fancity.lib import when
from fancity.lib.uploads import MAX_FILE_NAME
from forum import posting, tasks
from forum.boards import can_see
from forum.limits import PostingLimited
from forum.models import Attachment, AttachmentKind, AttachmentState, Board, HeldPost, Post, Thread
from forum.permissions import may_read_post, posts_without_limits
from forum.screening import HeldForReview
from outbox.queueing import enqueue

pillow_heif.register_heif_opener()

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_LOG_BYTES = 10 * 1024 * 1024
MAX_IMAGES_PER_POST = 9
MAX_LOGS_PER_POST = 3
MAX_FILES_PER_DAY = 50
DAY = datetime.timedelta(days=1)
# 50 megapixels: a 200 MP phone photo is refused, a 48 MP one (8000 x 6000) fits.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for anything that opens images in this process
WEB_SIZE = 1600
THUMB_SIZE = 320
# Pillow's format name (read from the content) -> the type the fan is told it was.
IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIF": "image/heif",
}
LOG_EXTENSIONS = (".zip", ".txt", ".log")
OUTPUT_FORMAT, OUTPUT_EXTENSION, OUTPUT_TYPE = "WEBP", ".webp", "image/webp"


def _public():
    return storages["default"]


def _private():
    return storages["private"]


# --- what a form sent --------------------------------------------------------------------------


@dataclass
class Upload:
    kind: str
    file: UploadedFile
    name: str
    content_type: str
    size: int
    extension: str


@dataclass
class Uploads:
    images: list[Upload] = field(default_factory=list)
    logs: list[Upload] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.images or self.logs)

    def __len__(self) -> int:
        return len(self.images) + len(self.logs)


def _display_name(file: UploadedFile) -> str:
    return _display_name_of(file.name)


def _display_name_of(name: str | None) -> str:
    name = posixpath.basename((name or "").replace("\\", "/"))
    name = "".join(c for c in name if c.isprintable() and c not in '"/\\')
    return name.strip()[-150:] or "file"


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def too_big_message(name: str, limit: int = MAX_IMAGE_BYTES) -> str:
    return _("“%(name)s” is larger than %(limit)s, the most a file may be.") % {
        "name": name,
        "limit": _megabytes(limit),
    }


def name_too_long_message(name: str) -> str:
    return _("“%(name)s”: the file name is longer than %(limit)d characters. Rename the file and attach it again.") % {
        "name": _display_name_of(name),
        "limit": MAX_FILE_NAME,
    }


def _inspect_image(file: UploadedFile) -> Upload:
    name = _display_name(file)
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(too_big_message(name, MAX_IMAGE_BYTES))
    file.seek(0)
    try:
        # Reads the header only: the size is known before a single pixel is decoded.
        with Image.open(file, formats=list(IMAGE_FORMATS)) as image:
            kind, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        kind, width, height = None, MAX_PIXELS, MAX_PIXELS
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ValidationError(
            _("“%(name)s” is not an image we can show: send a JPEG, PNG, WebP, GIF or HEIC photo or screenshot.")
            % {"name": name}
        ) from None
    finally:
        file.seek(0)
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("“%(name)s” has too many pixels (at most %(mp)d megapixels).") % {"name": name, "mp": MAX_PIXELS // 10**6}
        )
    extension = {"JPEG": ".jpg", "HEIF": ".heic"}.get(kind, f".{kind.lower()}")
    return Upload(AttachmentKind.IMAGE, file, name, IMAGE_FORMATS[kind], file.size, extension)


def _inspect_log(file: UploadedFile) -> Upload:
    name = _display_name(file)
    extension = posixpath.splitext(name.lower())[1]
    if extension not in LOG_EXTENSIONS:
        raise ValidationError(
            _("“%(name)s” cannot be attached: logs must be .zip, .txt or .log files.") % {"name": name}
        )
    if file.size > MAX_LOG_BYTES:
        raise ValidationError(too_big_message(name, MAX_LOG_BYTES))
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    if extension == ".zip":
        ok = zipfile.is_zipfile(file)
        file.seek(0)
        content_type = "application/zip"
    else:
        ok = b"\x00" not in head  # text in any encoding phones write logs in, never binary
        content_type = "text/plain"
    if not ok or not file.size:
        raise ValidationError(
            _("“%(name)s” is not what its name says: a log must be a zip archive or plain text.") % {"name": name}
        )
    return Upload(AttachmentKind.LOG, file, name, content_type, file.size, extension)


def inspect(
    images: list[UploadedFile], logs: list[UploadedFile], allow_logs: bool, refused: list[tuple[str, str]] = ()
) -> Uploads:
    """The files a form sent, checked; ValidationError({"images"/"logs": [...]}) names every refused file.

    `refused` are (field, file name, reason) of files dropped while the request was read, for their
    size or for a name longer than any file system allows (fancity.lib.uploads).
    """
    errors: dict[str, list[str]] = {}
    out = Uploads()
    for field_name, name, reason in refused:
        limit = MAX_LOG_BYTES if field_name == "logs" else MAX_IMAGE_BYTES
        errors.setdefault("logs" if field_name == "logs" else "images", []).append(
            too_big_message(_display_name_of(name), limit) if reason == "size" else name_too_long_message(name)
        )
    if len(images) > MAX_IMAGES_PER_POST:
        errors.setdefault("images", []).append(
            ngettext(
                "A post can have at most %(n)d image; you chose %(count)d.",
                "A post can have at most %(n)d images; you chose %(count)d.",
                MAX_IMAGES_PER_POST,
            )
            % {"n": MAX_IMAGES_PER_POST, "count": len(images)}
        )
    if logs and not allow_logs:
        errors.setdefault(NON_FIELD_ERRORS, []).append(_("Logs can only be attached in feedback threads."))
    if len(logs) > MAX_LOGS_PER_POST:
        errors.setdefault("logs", []).append(
            ngettext(
                "A post can have at most %(n)d log; you chose %(count)d.",
                "A post can have at most %(n)d logs; you chose %(count)d.",
                MAX_LOGS_PER_POST,
            )
            % {"n": MAX_LOGS_PER_POST, "count": len(logs)}
        )
    if not errors:
        for field_name, files, check, into in (
            ("images", images, _inspect_image, out.images),
            ("logs", logs, _inspect_log, out.logs),
        ):
            for file in files:
                try:
                    into.append(check(file))
                except ValidationError as error:
                    errors.setdefault(field_name, []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return out


# --- writes ------------------------------------------------------------------------------------


def _check_daily_limit(author: User, adding: int) -> None:
    """With the author's row locked (forum.posting holds it): at most MAX_FILES_PER_DAY files in 24 hours."""
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


def _attach(author: User, post: Post, uploads: Uploads, written: list[str]) -> None:
    _check_daily_limit(author, len(uploads))
    private = _private()
    for upload in [*uploads.images, *uploads.logs]:
        upload.file.seek(0)
        name = private.save(_storage_name(post, upload.extension), upload.file)
        written.append(name)
        is_image = upload.kind == AttachmentKind.IMAGE
        attachment = Attachment.objects.create(
            post=post,
            uploader=author,
            kind=upload.kind,
            state=AttachmentState.PENDING if is_image else AttachmentState.READY,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            original=name,
        )
        if is_image:
            enqueue(tasks.process_attachment, attachment.pk)


def _with_files(author: User, uploads: Uploads, write) -> Post:
    """Run `write()` (a forum.posting function returning the new post) and attach `uploads` to its post,
    in one transaction; files written before a refusal are removed again."""
    started = timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            post = write()
            # A resent form returns the post it made moments ago: its files came with it.
            if uploads and post.created_at >= started:
                _attach(author, post, uploads, written)
    except HeldForReview as held:
        # The post waits for a moderator (forum.screening): its files wait with it, privately, and are
        # attached when it is approved (forum.moderation.approve_held calls `attach_held`).
        if uploads:
            held.held.extra = {**(held.held.extra or {}), HELD_FILES: _keep_for_held(uploads)}
        raise
    except BaseException:
        for name in written:
            _private().delete(name)
        raise
    return post


def post_reply(author: User, thread: Thread, body: str, uploads: Uploads, quote: Post | None = None) -> Post:
    """forum.posting.post_reply, with images (and logs, in a feedback thread) attached to the reply."""
    if uploads.logs and not thread.is_feedback:
        raise ValidationError({"logs": _("Logs can only be attached in feedback threads.")})
    return _with_files(author, uploads, lambda: posting.post_reply(author, thread, body, quote=quote))


def start_thread(author: User, board: Board, title: str, body: str, uploads: Uploads, **extra) -> Thread:
    """forum.posting.start_thread, with images (and logs, on the feedback board) attached to its first post."""
    if uploads.logs and not board.is_feedback:
        raise ValidationError({"logs": _("Logs can only be attached in feedback threads.")})
    post = _with_files(
        author,
        uploads,
        lambda: posting.start_thread(author, board, title, body, **extra).posts.select_related("thread").get(floor=1),
    )
    return post.thread


# --- files of a post held for a moderator's review ------------------------------------------------

HELD_FILES = "attachments"  # the key of HeldPost.extra that lists them


def _keep_for_held(uploads: Uploads) -> list[dict]:
    private = _private()
    kept = []
    for upload in [*uploads.images, *uploads.logs]:
        upload.file.seek(0)
        name = private.save(
            f"forum/held/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}{upload.extension}", upload.file
        )
        kept.append(
            {
                "kind": upload.kind,
                "name": upload.name,
                "content_type": upload.content_type,
                "size": upload.size,
                "original": name,
            }
        )
    return kept


def held_extra(extra: dict | None) -> tuple[dict, list[dict]]:
    """A held post's `extra` split into the thread's own fields and the files waiting with it."""
    extra = dict(extra or {})
    return extra, extra.pop(HELD_FILES, None) or []


def attach_held(author: User, post: Post, files: list[dict]) -> None:
    """The held post was approved and written as `post`: its waiting files become its attachments
    (images are processed as any other), in the approval's transaction."""
    for kept in files:
        is_image = kept["kind"] == AttachmentKind.IMAGE
        attachment = Attachment.objects.create(
            post=post,
            uploader=author,
            kind=kept["kind"],
            state=AttachmentState.PENDING if is_image else AttachmentState.READY,
            name=kept["name"][:200],
            content_type=kept["content_type"][:100],
            size=kept["size"],
            original=kept["original"],
        )
        if is_image:
            enqueue(tasks.process_attachment, attachment.pk)


def drop_held(files: list[dict]) -> None:
    """The held post was rejected (or its author erased): its waiting files go once the transaction commits."""
    names = [kept["original"] for kept in files if kept.get("original")]

    def remove():
        for name in names:
            try:
                _private().delete(name)
            except Exception:  # noqa: BLE001 - a file left behind must not fail a rejection
                log.warning("could not delete held file %s", name, exc_info=True)

    if names:
        transaction.on_commit(remove)


def _drop_files(attachments) -> None:
    """Delete the attachments' rows now and their files once the transaction commits."""
    names = [(a.original, a.web, a.thumb) for a in attachments]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()

    def remove():
        private, public = _private(), _public()
        for original, web, thumb in names:
            for storage, name in ((private, original), (public, web), (public, thumb)):
                if name:
                    try:
                        storage.delete(name)
                    except Exception:  # noqa: BLE001 - a file left behind must not fail a deletion
                        log.warning("could not delete attachment file %s", name, exc_info=True)

    transaction.on_commit(remove)


def edit_post(
    editor: User, post: Post, body: str, uploads: Uploads, remove: list[int] = (), title: str | None = None
) -> Post:
    """forum.posting.edit_post, removing the post's attachments listed in `remove` (their files go after
    the commit) and attaching `uploads`, with the limits of a new post (per post, per fan and day), in
    one transaction under the editor's row lock; files written before a refusal are removed again."""
    if uploads.logs and not post.thread.is_feedback:
        raise ValidationError({"logs": _("Logs can only be attached in feedback threads.")})
    written: list[str] = []
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=editor.pk).values_list("pk", flat=True).first()
            post = posting.edit_post(editor, post, body, title=title)
            current = list(Attachment.objects.filter(post=post).select_for_update())
            removing = [a for a in current if a.pk in set(remove)]
            kept = [a for a in current if a not in removing]
            for kind, adding, most, message in (
                (AttachmentKind.IMAGE, uploads.images, MAX_IMAGES_PER_POST, "images"),
                (AttachmentKind.LOG, uploads.logs, MAX_LOGS_PER_POST, "logs"),
            ):
                total = len(adding) + sum(a.kind == kind for a in kept)
                if adding and total > most:
                    raise ValidationError(
                        {
                            message: ngettext(
                                "A post can have at most %(n)d file of this kind; it would have %(count)d.",
                                "A post can have at most %(n)d files of this kind; it would have %(count)d.",
                                most,
                            )
                            % {"n": most, "count": total}
                        }
                    )
            if removing:
                _drop_files(removing)
            if uploads:
                _attach(editor, post, uploads, written)
    except BaseException:
        for name in written:
            _private().delete(name)
        raise
    return post


def drop_for_post(post: Post) -> None:
    """Called by forum.posting.delete_post, in its transaction: the post's files go with it."""
    _drop_files(list(Attachment.objects.filter(post=post).select_for_update()))


# --- processing --------------------------------------------------------------------------------


def _encode(image: Image.Image, box: int) -> tuple[bytes, tuple[int, int]]:
    copy = image.copy()
    copy.thumbnail((box, box), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Saved from pixels only: no exif=, xmp= or comment, so no EXIF, GPS or maker notes survive.
    copy.save(out, OUTPUT_FORMAT, quality=82, method=4)
    return out.getvalue(), copy.size


def _render(data: bytes) -> tuple[bytes, bytes, int, int]:
    """(web copy, thumbnail, width, height of the web copy) of an image, turned upright, as WebP without metadata."""
    with Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise ValueError("too many pixels")
        if image.format == "JPEG":
            image.draft("RGB", (WEB_SIZE, WEB_SIZE))  # decode at a reduced scale where JPEG allows
        upright = ImageOps.exif_transpose(image)
        mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
        pixels = upright.convert(mode)
        pixels.info = {}
        web, (width, height) = _encode(pixels, WEB_SIZE)
        return web, _encode(pixels, THUMB_SIZE)[0], width, height


def process_image(attachment_id: int) -> str:
    """Make the web copy and thumbnail of a pending image, then delete the original. Idempotent:
    a second delivery finds it processed (or gone) and does nothing; of two at once, one wins and the
    other deletes what it wrote."""
    attachment = Attachment.objects.filter(pk=attachment_id, kind=AttachmentKind.IMAGE).first()
    if attachment is None or attachment.state != AttachmentState.PENDING:
        return "nothing to do"
    private, public = _private(), _public()
    try:
        with private.open(attachment.original, "rb") as source:
            data = source.read(MAX_IMAGE_BYTES + 1)
        web, thumb, width, height = _render(data)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        log.warning("attachment %s could not be processed: %s", attachment_id, error)
        done = Attachment.objects.filter(pk=attachment_id, state=AttachmentState.PENDING).update(
            state=AttachmentState.FAILED, original=""
        )
        if done:
            private.delete(attachment.original)
        return "failed"
    stem = posixpath.splitext(attachment.original)[0]
    # A post hidden, or a thread withdrawn, before its images were processed keeps them private.
    if Post.objects.filter(pk=attachment.post_id).filter(hidden_filter()).exists():
        public = private
    web_name = public.save(f"{stem}{OUTPUT_EXTENSION}", ContentFile(web))
    thumb_name = public.save(f"{stem}-thumb{OUTPUT_EXTENSION}", ContentFile(thumb))
    done = Attachment.objects.filter(pk=attachment_id, state=AttachmentState.PENDING).update(
        state=AttachmentState.READY,
        web=web_name,
        thumb=thumb_name,
        width=width,
        height=height,
        original="",
        content_type=OUTPUT_TYPE,
    )
    if not done:  # processed meanwhile by another delivery, or deleted with its post
        public.delete(web_name)
        public.delete(thumb_name)
        return "already done"
    private.delete(attachment.original)
    return "ready"


# --- reads -------------------------------------------------------------------------------------


# What `decorate` reads of each attachment.
_SHOWN_COLUMNS = ("id", "kind", "state", "name", "size", "web", "thumb", "width", "height", "uploader_id")


def rows_sql(post_id_column: str) -> str:
    """SQL for the attachments of the post whose id is `post_id_column`, as one array of JSON objects:
    a column of the posts query (forum.queries), no query of its own whatever the number of posts."""
    pairs = ", ".join(f"'{c}', a.{c}" for c in _SHOWN_COLUMNS)
    return (
        f"ARRAY(SELECT json_build_object({pairs}) FROM {Attachment._meta.db_table} a "
        f"WHERE a.post_id = {post_id_column} ORDER BY a.id)"
    )


@dataclass(frozen=True)
class Shown:
    id: int
    kind: str
    state: str
    name: str
    size: int
    web_url: str = ""
    thumb_url: str = ""
    width: int | None = None
    height: int | None = None

    @property
    def ready(self) -> bool:
        return self.state == AttachmentState.READY

    @property
    def failed(self) -> bool:
        return self.state == AttachmentState.FAILED


def may_read_private(user: User, uploader_id: int) -> bool:
    """Logs carry device identifiers: only the fan who attached them and the service desk read them."""
    return user.is_authenticated and (user.pk == uploader_id or is_desk_staff(user))


def _image_urls(row: dict, private: bool, public) -> tuple[str, str]:
    """The web copy's and thumbnail's URLs: the public storage's, or the permission-checked view's for a
    hidden post or a withdrawn thread (whose copies were moved out of the public storage)."""
    if private:
        return (
            reverse("forum:image", args=[row["id"]]) if row["web"] else "",
            reverse("forum:image_thumb", args=[row["id"]]) if row["thumb"] else "",
        )
    return (public.url(row["web"]) if row["web"] else "", public.url(row["thumb"]) if row["thumb"] else "")


def shown_images(rows, private: bool) -> tuple[Shown, ...]:
    """The images every reader of a post sees, from the `attachment_rows` column `forum.queries` reads
    with the posts (`rows_sql`); no query. `private`: the post is hidden or its thread withdrawn."""
    public = _public()
    return tuple(
        Shown(
            r["id"],
            r["kind"],
            r["state"],
            r["name"],
            r["size"],
            *_image_urls(r, private, public),
            r["width"],
            r["height"],
        )
        for r in rows or ()
        if r["kind"] == AttachmentKind.IMAGE
    )


def readable_logs(rows, user: User) -> tuple[Shown, ...]:
    """The logs of a post (its `attachment_rows`) that `user` may read; no query."""
    return tuple(
        Shown(r["id"], r["kind"], r["state"], r["name"], r["size"])
        for r in rows or ()
        if r["kind"] == AttachmentKind.LOG and may_read_private(user, r["uploader_id"])
    )


def open_private(user: User, attachment_id: int):
    """(file, attachment) of a log `user` may read, opened from the private storage; Http404 otherwise
    (the same answer whether it exists or not)."""
    attachment = (
        Attachment.objects.select_related("post__thread__board")
        .filter(pk=attachment_id, kind=AttachmentKind.LOG)
        .first()
    )
    if (
        attachment is None
        or not attachment.original
        or not may_read_private(user, attachment.uploader_id)
        or not can_see(user, attachment.post.thread.board)
        or (attachment.post.deleted_at is not None and not is_desk_staff(user))
    ):
        raise Http404
    return _private().open(attachment.original, "rb"), attachment


def hidden_filter() -> Q:
    """Posts whose images are kept out of the public storage: hidden, or in a withdrawn thread."""
    return Q(hidden_at__isnull=False) | Q(thread__hidden_at__isnull=False)


def _move_images(posts: Q, source, target) -> None:
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
    _move_images(posts, _public, _private)


def make_public(posts: Q) -> None:
    """In the transaction that shows them again: their images are public files again."""
    _move_images(posts, _private, _public)


def open_image(user: User, attachment_id: int, thumb: bool = False):
    """(file, attachment) of an image's web copy or thumbnail, for the viewers who may read its post:
    the one way to see the images of a hidden post or a withdrawn thread. Http404 otherwise."""
    attachment = (
        Attachment.objects.select_related("post__thread__board")
        .filter(pk=attachment_id, kind=AttachmentKind.IMAGE, state=AttachmentState.READY)
        .first()
    )
    if attachment is None:
        raise Http404
    if not may_read_post(user, attachment.post):  # the same rule as the post's text
        raise Http404
    name = attachment.thumb if thumb else attachment.web
    for storage in (_private(), _public()):  # private once moved; public until the move has run
        if storage.exists(name):
            return storage.open(name, "rb"), attachment
    raise Http404


# --- personal data -----------------------------------------------------------------------------


def attachments_data(user: User) -> dict:
    """settings.PERSONAL_DATA_EXPORTS: what the fan attached, with links to the files."""
    public = _public()
    return {
        "forum_attachments": [
            {
                "id": a.pk,
                "post": a.post_id,
                "kind": a.kind,
                "name": a.name,
                "size": a.size,
                "created_at": a.created_at.isoformat(),
                "url": public.url(a.web)
                if a.web
                else (reverse("forum:attachment", args=[a.pk]) if a.kind == AttachmentKind.LOG else ""),
            }
            for a in Attachment.objects.filter(uploader=user).order_by("pk")
        ]
    }


def erase_attachments(user: User) -> None:
    """settings.PERSONAL_DATA_ERASERS: every file the fan attached goes (rows now, files after the commit)."""
    _drop_files(list(Attachment.objects.filter(uploader=user).select_for_update()))
    for extra in HeldPost.objects.filter(author=user, decided_at__isnull=True).values_list("extra", flat=True):
        drop_held(held_extra(extra)[1])
