"""Size limits on uploaded files, enforced while the request body streams in.

Django caps the non-file fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: those
stream to temporary files of any size. `SizeLimitedUploadHandler`, first in FILE_UPLOAD_HANDLERS,
refuses a request larger than settings.UPLOAD_MAX_REQUEST_SIZE before reading it (a
SuspiciousOperation: the styled 400 page), and drops each file larger than
settings.UPLOAD_MAX_FILE_SIZE as soon as it passes the limit, so the rest of the form (the text of a
post) still arrives and the page can say which file was too big (`refused_uploads`).
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest


class SizeLimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.UPLOAD_MAX_REQUEST_SIZE:
            raise RequestDataTooBig("Upload request larger than settings.UPLOAD_MAX_REQUEST_SIZE.")
        return None

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > settings.UPLOAD_MAX_FILE_SIZE:
            if self.request is not None:
                refused = self.request.__dict__.setdefault("refused_uploads", [])
                refused.append((self.field_name, self.file_name))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def refused_uploads(request: HttpRequest) -> list[tuple[str, str]]:
    """(field name, file name) of each file dropped for its size while this request was read."""
    return list(request.__dict__.get("refused_uploads", []))
