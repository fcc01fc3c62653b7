"""Limits on uploaded files, enforced while the request body streams in.

Django caps the non-file fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: those
stream to temporary files of any size. `SizeLimitedUploadHandler`, first in FILE_UPLOAD_HANDLERS,
refuses a request larger than settings.UPLOAD_MAX_REQUEST_SIZE before reading it (a
SuspiciousOperation: the styled 400 page), and drops each file larger than
settings.UPLOAD_MAX_FILE_SIZE as soon as it passes the limit, so the rest of the form (the text of a
post) still arrives and the page can say which file was too big (`refused_uploads`).

It drops a file whose name is longer than MAX_FILE_NAME characters the same way. Django's parser
refuses a whole request when one part's headers pass 1 KB (a file name of a few hundred characters):
the fan's text was lost with a 400 page. The handler therefore reads the body through
`_ShortenedPartHeaders`, which puts a short stand-in for such a name before Django's parser sees it.
"""

import re
from itertools import count

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParser

# What file systems allow (ext4, APFS, NTFS): a longer name is not a real file's.
MAX_FILE_NAME = 255
# A part's headers longer than this get their file name shortened; Django's parser takes at most 1,024
# bytes of them, and the rest of a part's headers (its name, Content-Type) are short.
_HEADERS_ROOM = 900
# Headers longer than this are not a browser's; they pass unchanged and Django refuses the request.
_HEADERS_SCAN = 64 * 1024
_FILENAME = re.compile(rb';\s*filename\*?=("[^"]*"|[^;\r\n]*)', re.IGNORECASE)
_STAND_IN = "fancity-long-name-{}"


def shown_name(name: str) -> str:
    """A long file name cut to what a message can show: its start, "…" and its extension."""
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10:
        stem, extension = name, ""
    return name if len(name) <= 40 else f"{stem[:30]}…{'.' + extension if extension else ''}"


class _ShortenedPartHeaders:
    """The request body as a file, with each over-long file name in a part's headers replaced by a
    stand-in (`stand_ins` maps it to the name to show). Part bodies pass unchanged: a multipart
    boundary never occurs inside one."""

    def __init__(self, stream, boundary: bytes, stand_ins: dict[str, str], chunk_size: int = 64 * 1024):
        self.stream, self.chunk_size, self.stand_ins = stream, chunk_size, stand_ins
        self.delimiter = b"\r\n--" + boundary
        self.numbers = count(1)
        self.chunks = self._chunks()
        self.pending = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.pending) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.pending += chunk
        if size < 0:
            size = len(self.pending)
        out, self.pending = self.pending[:size], self.pending[size:]
        return out

    def _more(self) -> bytes:
        return self.stream.read(self.chunk_size)

    def _chunks(self):
        buffer, skip, ended = b"\r\n", 2, False  # the first delimiter has no CRLF before it: lend one
        keep = len(self.delimiter) - 1
        while True:
            found = buffer.find(self.delimiter)
            if found == -1:
                if ended:
                    yield buffer[skip:]
                    return
                cut = len(buffer) - keep  # what cannot be the start of a delimiter
                if cut > skip:
                    yield buffer[skip:cut]
                    buffer, skip = buffer[cut:], 0
                more = self._more()
                ended = not more
                buffer += more
                continue
            end = found + len(self.delimiter)
            yield buffer[skip:end]
            buffer, skip = buffer[end:], 0
            while b"\r\n\r\n" not in buffer and len(buffer) < _HEADERS_SCAN and not ended:
                more = self._more()
                ended = not more
                buffer += more
            headers_end = buffer.find(b"\r\n\r\n")
            if _HEADERS_ROOM < headers_end < _HEADERS_SCAN:
                buffer = self._shorten(buffer[:headers_end]) + buffer[headers_end:]

    def _shorten(self, headers: bytes) -> bytes:
        match = _FILENAME.search(headers)
        if not match:
            return headers
        original = match.group(1).strip(b'"').decode("utf-8", "replace")
        extension = original.rpartition(".")[2][:10] if "." in original else ""
        stand_in = _STAND_IN.format(next(self.numbers)) + (f".{extension}" if extension.isalnum() else "")
        self.stand_ins[stand_in] = shown_name(original)
        first = [True]

        def replace(_match) -> bytes:  # the first file name parameter becomes the stand-in; a filename* goes
            keep, first[0] = first[0], False
            return b'; filename="' + stand_in.encode() + b'"' if keep else b""

        return _FILENAME.sub(replace, headers)


class SizeLimitedUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.parsing = False
        self.stand_ins: dict[str, str] = {}

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_REQUEST_SIZE:
            raise RequestDataTooBig("Upload request larger than settings.UPLOAD_MAX_REQUEST_SIZE.")
        if self.parsing or self.request is None:
            return None  # the parse below, which reads the shortened body
        self.parsing = True
        body = _ShortenedPartHeaders(input_data, boundary, self.stand_ins)
        # MultiPartParser only calls read(), which the stand-in has (the stubs ask for a whole file).
        return MultiPartParser(META, body, self.request.upload_handlers, encoding).parse()  # type: ignore[arg-type]

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        long_name = self.stand_ins.get(file_name) or (shown_name(file_name) if len(file_name) > MAX_FILE_NAME else None)
        if long_name:
            self._refuse(long_name, "name")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.UPLOAD_MAX_FILE_SIZE:
            assert self.file_name is not None  # new_file() ran first
            self._refuse(self.file_name, "size")
        return raw_data

    def _refuse(self, name: str, reason: str):
        if self.request is not None:
            self.request.__dict__.setdefault("refused_uploads", []).append((self.field_name, name, reason))
        raise SkipFile

    def file_complete(self, file_size: int) -> None:
        return None


def refused_uploads(request: HttpRequest) -> list[tuple[str, str, str]]:
    """(field name, file name, "size" or "name") of each file dropped while this request was read: larger
    than UPLOAD_MAX_FILE_SIZE, or a name longer than MAX_FILE_NAME (then the name as it can be shown)."""
    return list(request.__dict__.get("refused_uploads", []))
