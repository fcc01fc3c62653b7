"""The files of a post held for a moderator's review (forum.writing.screening): they wait with it, privately,
listed in `HeldPost.extra`, and become its attachments when it is approved (forum.moderation.moderate)."""

import logging
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forum.attachments.inspection import Uploads
from forum.attachments.storing import add_row, private_storage
from forum.models import HeldPost, Post

log = logging.getLogger(__name__)

HELD_FILES = "attachments"  # the key of HeldPost.extra that lists them


def keep_for_held(held: HeldPost, files: Uploads | None) -> None:
    """forum.writing.posting, when the post it was given is held (before `screening.hold` saves it): its files
    are saved privately and listed in its `extra`, to be attached when it is approved."""
    if not files:
        return
    private = private_storage()
    kept = []
    for upload in [*files.images, *files.logs]:
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
    held.extra = {**(held.extra or {}), HELD_FILES: kept}


def held_extra(extra: dict | None) -> tuple[dict, list[dict]]:
    """A held post's `extra` split into the thread's own fields and the files waiting with it."""
    extra = dict(extra or {})
    return extra, extra.pop(HELD_FILES, None) or []


def attach_held(author: User, post: Post, files: list[dict]) -> None:
    """The held post was approved and written as `post`: its waiting files become its attachments
    (images are processed as any other), in the approval's transaction."""
    for kept in files:
        add_row(
            post, author, kept["kind"], kept["name"][:200], kept["content_type"][:100], kept["size"], kept["original"]
        )


def drop_held(files: list[dict]) -> None:
    """The held post was rejected (or its author erased): its waiting files go once the transaction commits."""
    names = [kept["original"] for kept in files if kept.get("original")]

    def remove():
        for name in names:
            try:
                private_storage().delete(name)
            except Exception:  # noqa: BLE001 - a file left behind must not fail a rejection
                log.warning("could not delete held file %s", name, exc_info=True)

    if names:
        transaction.on_commit(remove)
