"""A file name no file system allows (thousands of characters) is refused as a form error that keeps the
fan's text, not the generic 400 page: Django's parser refuses a whole request whose part headers pass
1 KB, so fancity.lib.uploads shortens such a name before the parser reads it."""

import io

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from fancity.lib.uploads import _ShortenedPartHeaders
from forum.models import Attachment, Post, Thread
from tests.forum.factories import fan, thread

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "PNG")
    return out.getvalue()


def image(name: str) -> io.BytesIO:
    """A PNG the test client sends under `name`, whatever its length (SimpleUploadedFile would cut it
    to 255 characters, as a browser never does)."""
    file = io.BytesIO(png())
    file.name, file.content_type = name, "image/png"
    return file


def test_a_5000_character_file_name_on_a_reply_is_a_form_error_and_the_text_is_kept(client):
    t = thread(fan())
    client.force_login(fan())

    response = client.post(
        f"/forum/t/{t.pk}/reply/",
        {"body": "我的截图在这里", "images": [image("a" * 4996 + ".png"), image("fine.png")]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "“aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa….png”: the file name is longer than 255 characters" in page
    assert "我的截图在这里</textarea>" in page and 'name="images"' in page  # the reply form, not the 400 page
    assert not Attachment.objects.exists() and Post.objects.filter(thread=t).count() == 1


def test_a_long_chinese_file_name_on_a_new_thread_keeps_title_and_body_in_chinese(client):
    client.force_login(fan())

    response = client.post(
        "/forum/b/general/new/",
        {"title": "屏幕闪烁", "body": "亮度调低就闪", "images": [image("截图" * 2500 + ".png")]},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "文件名超过 255 个字符" in page
    assert 'value="屏幕闪烁"' in page and "亮度调低就闪</textarea>" in page
    assert not Thread.objects.filter(title="屏幕闪烁").exists()


def test_a_name_django_can_read_but_no_file_system_allows_is_refused_the_same_way(client):
    t = thread(fan())
    client.force_login(fan())
    response = client.post(
        f"/forum/t/{t.pk}/reply/", {"body": "看图", "images": [image("b" * 300 + ".png")]}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "the file name is longer than 255 characters" in response.content.decode()


def test_an_ordinary_body_reads_the_same_through_the_header_shortener_whatever_the_chunk_size():
    body = encode_multipart(
        BOUNDARY, {"body": "正文\r\n--not a boundary\r\n\r\n", "images": [image("一.png"), image("two.png")]}
    )
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    expected_post, expected_files = MultiPartParser(
        meta, io.BytesIO(body), [MemoryFileUploadHandler()], "utf-8"
    ).parse()

    for chunk_size in (1, 7, 64, 1000, 1 << 16):
        stand_ins = {}
        stream = _ShortenedPartHeaders(io.BytesIO(body), BOUNDARY.encode(), stand_ins, chunk_size=chunk_size)
        assert stream.read() == body, chunk_size
        assert stand_ins == {}
    assert expected_post["body"] == "正文\r\n--not a boundary\r\n\r\n" and len(expected_files.getlist("images")) == 2
