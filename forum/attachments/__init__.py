"""Files attached to posts: images in any post, logs on feedback threads (forum/README.md, "Attachments").

One module per subject; the names other modules use are importable from here:

- `inspection`: what a form sent, checked by content (`inspect` -> `Uploads`) and where logs may go
  (`check_place`).
- `storing`: the two storages; the files written with a post (`attach`, `change`, called by
  forum.writing.posting in the post's transaction), deleted with it (`drop_files`, `drop_for_post`), and moved
  out of public view and back as posts are hidden and shown (`make_private`, `make_public`).
- `held`: the files of a post held for a moderator's review.
- `processing`: the image task's work (`process_image`): web copy and thumbnail without EXIF.
- `serving`: attachments as pages show them (`rows_sql`, `shown_images`, `readable_logs`) and the permission-checked
  streams of logs (`open_private`) and of hidden posts' images (`open_image`).
- `personal_data`: the data export and erasure.

A post and its files are written by forum.writing.posting's one `start_thread`, `post_reply` and `edit_post`
(their `files=`); nothing here writes a post.
"""

from forum.attachments.held import HELD_FILES, attach_held, drop_held, held_extra, keep_for_held
from forum.attachments.inspection import (
    IMAGE_FORMATS,
    MAX_IMAGE_BYTES,
    MAX_IMAGES_PER_POST,
    MAX_LOG_BYTES,
    MAX_LOGS_PER_POST,
    MAX_PIXELS,
    Upload,
    Uploads,
    check_place,
    inspect,
)
from forum.attachments.personal_data import attachments_data, erase_attachments
from forum.attachments.processing import THUMB_SIZE, WEB_SIZE, process_image, render_image
from forum.attachments.serving import Shown, open_image, open_private, readable_logs, rows_sql, shown_images
from forum.attachments.storing import (
    MAX_FILES_PER_DAY,
    attach,
    change,
    check_daily_limit,
    drop_files,
    drop_for_post,
    hidden_filter,
    make_private,
    make_public,
    removed_if_refused,
)

__all__ = [
    "HELD_FILES",
    "IMAGE_FORMATS",
    "MAX_FILES_PER_DAY",
    "MAX_IMAGES_PER_POST",
    "MAX_IMAGE_BYTES",
    "MAX_LOGS_PER_POST",
    "MAX_LOG_BYTES",
    "MAX_PIXELS",
    "THUMB_SIZE",
    "WEB_SIZE",
    "Shown",
    "Upload",
    "Uploads",
    "attach",
    "attach_held",
    "attachments_data",
    "change",
    "check_daily_limit",
    "check_place",
    "readable_logs",
    "shown_images",
    "drop_files",
    "drop_for_post",
    "drop_held",
    "erase_attachments",
    "held_extra",
    "hidden_filter",
    "inspect",
    "keep_for_held",
    "make_private",
    "make_public",
    "open_image",
    "open_private",
    "process_image",
    "render_image",
    "removed_if_refused",
    "rows_sql",
]
