"""The image task's work (forum.tasks.process_attachment): a pending image's web copy and thumbnail,
turned the way the camera held it, written as WebP from the pixels alone (no EXIF, GPS, XMP or maker
notes survive), then the original deleted."""

import io
import logging
import posixpath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from forum.attachments.inspection import IMAGE_FORMATS, MAX_IMAGE_BYTES, MAX_PIXELS
from forum.attachments.storing import hidden_filter, private_storage, public_storage
from forum.models import Attachment, AttachmentKind, AttachmentState, Post

log = logging.getLogger(__name__)

WEB_SIZE = 1600
THUMB_SIZE = 320
OUTPUT_FORMAT, OUTPUT_EXTENSION, OUTPUT_TYPE = "WEBP", ".webp", "image/webp"


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


def render_image(data: bytes) -> tuple[bytes, bytes, int, int]:
    """The same web copy and thumbnail for another app's private files (the service desk's requests):
    (web copy, thumbnail, width, height), upright, WebP, no metadata; ValueError/OSError for a bad image."""
    return _render(data)


def process_image(attachment_id: int) -> str:
    """Make the web copy and thumbnail of a pending image, then delete the original. Idempotent:
    a second delivery finds it processed (or gone) and does nothing; of two at once, one wins and the
    other deletes what it wrote."""
    attachment = Attachment.objects.filter(pk=attachment_id, kind=AttachmentKind.IMAGE).first()
    if attachment is None or attachment.state != AttachmentState.PENDING:
        return "nothing to do"
    private, public = private_storage(), public_storage()
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
