"""Files in private requests, both ways, with the forum's checks (forum.attachments): the type is read
from the content (`inspect`), images are re-encoded upright as WebP from their pixels alone, so no EXIF,
GPS or maker notes survive (`render_image`), logs must be a zip archive or plain text. Every file lives
in the private storage under `desk/` and is served by `open_attachment` to the fan of the request and
desk staff only (a 404 for anyone else, whether it exists or not).

Unlike a forum post, whose images are processed by a Celery task, a request's few images (at most
MAX_IMAGES) are processed while the message is sent: the fan and the agent see them at once, and
requests are rare next to posts.
"""

import uuid

from django.core.files.base import ContentFile
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from forum.attachments import MAX_IMAGE_BYTES, Uploads, render_image
from forum.attachments.storing import private_storage
from servicedesk.models import MessageAttachment, PrivateMessage
from servicedesk.permissions import may_read_request

MAX_IMAGES = 3


def store(message: PrivateMessage, uploader: User, files: Uploads, written: list[str]) -> list[MessageAttachment]:
    """Write the checked files of `message` (inside its transaction; `written` collects the stored names so
    that a rolled-back message leaves no file behind: forum.attachments.storing.removed_if_refused)."""
    storage = private_storage()
    rows = []
    now = timezone.now()
    for upload in files.images:
        upload.file.seek(0)
        web, _thumb, _w, _h = render_image(upload.file.read(MAX_IMAGE_BYTES + 1))
        name = storage.save(f"desk/{message.request_id}/{uuid.uuid4().hex}.webp", ContentFile(web))
        written.append(name)
        rows.append(
            MessageAttachment(
                message=message, uploader=uploader, kind=MessageAttachment.Kind.IMAGE, name=upload.name,
                content_type="image/webp", size=len(web), file=name, created_at=now,
            )
        )  # fmt: skip
    for upload in files.logs:
        upload.file.seek(0)
        name = storage.save(f"desk/{message.request_id}/{uuid.uuid4().hex}{upload.extension}", upload.file)
        written.append(name)
        rows.append(
            MessageAttachment(
                message=message, uploader=uploader, kind=MessageAttachment.Kind.LOG, name=upload.name,
                content_type=upload.content_type, size=upload.size, file=name, created_at=now,
            )
        )  # fmt: skip
    return MessageAttachment.objects.bulk_create(rows)


def open_attachment(user: User, attachment_id: int):
    """(file, attachment) for the fan of the request or desk staff; Http404 for anyone else."""
    attachment = MessageAttachment.objects.select_related("message__request").filter(pk=attachment_id).first()
    if attachment is None or not may_read_request(user, attachment.message.request.fan_id):
        raise Http404
    return private_storage().open(attachment.file, "rb"), attachment


def drop_files(request_ids: list[int]) -> None:
    """Delete the stored files of these requests (their rows go with the request)."""
    storage = private_storage()
    for name in MessageAttachment.objects.filter(message__request_id__in=request_ids).values_list("file", flat=True):
        storage.delete(name)
