"""What a form sent, checked by content (never by the file's name) before anything is written.

Images must be JPEG, PNG, WebP, GIF or HEIC/HEIF as Pillow reads their header, at most MAX_PIXELS
pixels (read from the header, before any pixel is decoded); logs must be a zip archive or text.
`inspect` turns a form's files into `Uploads`, which forum.writing.posting writes with the post; a refusal
is a ValidationError naming every refused file in the fan's language.
"""

import posixpath
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import pillow_heif
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from fancity.lib.uploads import MAX_FILE_NAME
from forum.models import AttachmentKind, Board, Thread

pillow_heif.register_heif_opener()

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_LOG_BYTES = 10 * 1024 * 1024
MAX_IMAGES_PER_POST = 9
MAX_LOGS_PER_POST = 3
# 50 megapixels: a 200 MP phone photo is refused, a 48 MP one (8000 x 6000) fits.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for anything that opens images in this process
# Pillow's format name (read from the content) -> the type the fan is told it was.
IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIF": "image/heif",
}
LOG_EXTENSIONS = (".zip", ".txt", ".log")


@dataclass
class Upload:
    """One file a form sent, checked: its kind, the name and type the fan is shown, its extension."""

    kind: str
    file: UploadedFile
    name: str
    content_type: str
    size: int
    extension: str


@dataclass
class Uploads:
    """The checked files of one post (`inspect`), which forum.writing.posting attaches with it."""

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
    assert file.size is not None  # Django's upload handlers set it
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
    assert file.size is not None  # Django's upload handlers set it
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
    images: list[UploadedFile],
    logs: list[UploadedFile],
    allow_logs: bool,
    refused: Sequence[tuple[str, str, str]] = (),
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
        errors.setdefault(NON_FIELD_ERRORS, []).append(_logs_only_in_feedback())
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


def _logs_only_in_feedback() -> str:
    return _("Logs can only be attached in feedback threads.")


def check_place(files: Uploads, where: Board | Thread) -> None:
    """Logs go only where feedback is given (the feedback board and its threads): forum.writing.posting checks
    the files it is given against the board or thread they are posted in."""
    if files.logs and not where.is_feedback:
        raise ValidationError({"logs": _logs_only_in_feedback()})
