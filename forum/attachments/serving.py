"""Attachments as pages show them, and the two views that stream the files no public URL serves.

A post's attachments come with the posts query as one JSON column (`rows_sql`), so a page of posts
runs no query for them; `decorate` turns it into what the template shows to this viewer. Logs
(`open_private`) are read only by their uploader and the service desk; the images of a hidden post or
a withdrawn thread (`open_image`) by whoever may read the post.
"""

from dataclasses import dataclass

from django.core.files.storage import Storage
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from accounts.roles import is_desk_staff
from forum.attachments.storing import private_storage, public_storage
from forum.models import Attachment, AttachmentKind, AttachmentState
from forum.permissions import can_see, may_read_post, may_read_private

# What `decorate` reads of each attachment.
_SHOWN_COLUMNS = ("id", "kind", "state", "name", "size", "web", "thumb", "width", "height", "uploader_id")


def rows_sql(post_id_column: str) -> str:
    """SQL for the attachments of the post whose id is `post_id_column`, as one array of JSON objects:
    a column of the posts query (forum.reading.queries), no query of its own whatever the number of posts."""
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


def _image_urls(row: dict, private: bool, public: Storage) -> tuple[str, str]:
    """The web copy's and thumbnail's URLs: the public storage's, or the permission-checked view's for a
    hidden post or a withdrawn thread (whose copies were moved out of the public storage)."""
    if private:
        return (
            reverse("forum:image", args=[row["id"]]) if row["web"] else "",
            reverse("forum:image_thumb", args=[row["id"]]) if row["thumb"] else "",
        )
    return (public.url(row["web"]) if row["web"] else "", public.url(row["thumb"]) if row["thumb"] else "")


def shown_images(rows, private: bool) -> tuple[Shown, ...]:
    """The images every reader of a post sees, from the `attachment_rows` column `forum.reading.queries` reads
    with the posts (`rows_sql`); no query. `private`: the post is hidden or its thread withdrawn."""
    public = public_storage()
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
    return private_storage().open(attachment.original, "rb"), attachment


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
    for storage in (private_storage(), public_storage()):  # private once moved; public until the move has run
        if storage.exists(name):
            return storage.open(name, "rb"), attachment
    raise Http404
