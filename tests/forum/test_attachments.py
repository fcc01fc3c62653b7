"""Images and logs attached to posts (forum/attachments/): what goes in, what comes out, who sees it."""

import datetime
import io
import struct
import zlib

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.roles import MODERATORS, SERVICE_DESK
from forum import attachments
from forum.models import Attachment, AttachmentState, Board, Post
from forum.writing import posting
from tests.forum.factories import fan, member, rewind, thread
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db

GPS = 0x8825


def jpeg_with_gps(size=(400, 200), orientation=6) -> bytes:
    """A camera-like JPEG: stored landscape, EXIF says "turn 90° clockwise", and where it was taken."""
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (0, 0, size[0] // 2, size[1]))  # left half blue, to see which way it turned
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS)
    gps.update({1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (113.0, 56.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def heic_with_gps(size=(640, 480)) -> bytes:
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS).update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "HEIF", exif=exif.tobytes(), quality=80)
    return out.getvalue()


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and has no pixels: a decompression bomb's header, a few bytes long."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def send_reply(client, t, body="看图", images=(), logs=()):
    return client.post(
        f"/forum/t/{t.pk}/reply/", {"body": body, "images": list(images), "logs": list(logs)}, HTTP_ACCEPT_LANGUAGE="en"
    )


def feedback_thread(author):
    return thread(author, slug="feedback", title="升级后耗电", body="升级后一晚掉电 40%", feedback_kind="bug")


def web_image(attachment: Attachment) -> tuple[Image.Image, bytes]:
    with storages["default"].open(attachment.web, "rb") as f:
        data = f.read()
    return Image.open(io.BytesIO(data)), data


def assert_no_metadata(image: Image.Image, data: bytes) -> None:
    assert not image.getexif(), dict(image.getexif())
    assert "exif" not in image.info and "xmp" not in image.info
    assert b"Exif" not in data and b"PhoneMaker" not in data


# --- what comes out ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_heic_photo_becomes_web_images_without_exif_made_by_the_worker(client, celery_worker):
    author, t = fan(), None
    t = thread(fan())
    client.force_login(author)
    response = send_reply(client, t, images=[upload("IMG_0001.HEIC", heic_with_gps(), "image/heic")])
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.name == "IMG_0001.HEIC" and attachment.content_type == "image/heif"
    original = attachment.original
    wait_until(lambda: Attachment.objects.get().state == AttachmentState.READY)
    attachment = Attachment.objects.get()
    image, data = web_image(attachment)
    assert image.format == "WEBP" and image.size == (640, 480)
    assert_no_metadata(image, data)
    with storages["default"].open(attachment.thumb, "rb") as f:
        thumb = Image.open(io.BytesIO(f.read()))
    assert thumb.format == "WEBP" and max(thumb.size) == attachments.THUMB_SIZE
    # The original, with its GPS, is gone once processed.
    assert attachment.original == "" and not storages["private"].exists(original)


@pytest.mark.django_db(transaction=True)
def test_a_jpeg_with_gps_comes_out_upright_and_without_exif(client, celery_worker):
    t = thread(fan())
    client.force_login(fan())
    assert send_reply(client, t, images=[upload("photo.jpeg", jpeg_with_gps((3200, 1600)))]).status_code == 302
    wait_until(lambda: Attachment.objects.get().state == AttachmentState.READY)
    attachment = Attachment.objects.get()
    image, data = web_image(attachment)
    # Stored 3200 x 1600 with "turn 90° clockwise": shown 800 x 1600 (at most 1600 px), upright.
    assert image.size == (800, 1600) and (attachment.width, attachment.height) == (800, 1600)
    rgb = image.convert("RGB")
    assert rgb.getpixel((400, 50))[2] > 200 and rgb.getpixel((400, 1550))[0] > 200  # the blue half went up
    assert_no_metadata(image, data)


def test_the_thread_page_shows_a_placeholder_then_the_thumbnail_linking_the_full_image(client):
    t = thread(fan())
    author = fan()
    client.force_login(author)
    send_reply(client, t, images=[upload("a.png", png())])
    page = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Preparing the image" in page.content.decode()
    attachment = Attachment.objects.get()
    assert attachments.process_image(attachment.pk) == "ready"
    assert attachments.process_image(attachment.pk) == "nothing to do"  # a second delivery changes nothing
    attachment.refresh_from_db()
    page = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    public = storages["default"]
    assert f'href="{public.url(attachment.web)}"' in page and f'src="{public.url(attachment.thumb)}"' in page
    assert "Preparing the image" not in page
    # Served under MEDIA_URL to anyone, as an image.
    thumb = client.get(public.url(attachment.thumb))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"


def test_several_images_png_webp_and_gif_are_accepted_in_one_post(client):
    t = thread(fan())
    client.force_login(fan())
    files = []
    for fmt, name in (("PNG", "a.png"), ("WEBP", "b.webp"), ("GIF", "c.gif")):
        out = io.BytesIO()
        Image.new("RGB", (30, 20), "blue").save(out, fmt)
        files.append(upload(name, out.getvalue()))
    assert send_reply(client, t, images=files).status_code == 302
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "image/gif",
        "image/png",
        "image/webp",
    ]


# --- what is refused ---------------------------------------------------------------------------


def test_a_text_file_named_jpg_is_refused_and_the_text_kept(client):
    t = thread(fan())
    client.force_login(fan())
    response = send_reply(client, t, body="我的截图", images=[upload("screenshot.jpg", b"just text, not a JPEG\n")])
    assert response.status_code == 400
    page = response.content.decode()
    assert "“screenshot.jpg” is not an image we can show" in page and "我的截图</textarea>" in page
    assert not Attachment.objects.exists() and Post.objects.filter(thread=t).count() == 1


def test_a_20000_by_20000_image_is_refused_from_its_header(client):
    t = thread(fan())
    client.force_login(fan())
    bomb = png_header(20_000, 20_000)
    assert len(bomb) < 100
    response = send_reply(client, t, images=[upload("huge.png", bomb)])
    assert response.status_code == 400 and "“huge.png” has too many pixels" in response.content.decode()
    assert not Attachment.objects.exists()


def test_the_refusal_is_in_the_fans_language(client):
    t = thread(fan())
    client.force_login(fan())
    response = client.post(
        f"/forum/t/{t.pk}/reply/",
        {"body": "图", "images": [upload("x.jpg", b"text")]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400 and "“x.jpg”不是可以显示的图片" in response.content.decode()


def test_a_file_over_10_mb_is_dropped_as_it_arrives_and_named(client):
    t = thread(fan())
    client.force_login(fan())
    big = upload("big.png", png() + b"\0" * (10 * 1024 * 1024))
    response = send_reply(client, t, body="大图", images=[big])
    assert response.status_code == 400
    page = response.content.decode()
    assert "“big.png” is larger than 10 MB" in page and "大图</textarea>" in page
    assert not Attachment.objects.exists()


@override_settings(UPLOAD_MAX_REQUEST_SIZE=50_000)
def test_a_request_over_the_upload_limit_is_the_400_page_not_a_500(client):
    t = thread(fan())
    client.force_login(fan())
    response = send_reply(client, t, images=[upload("a.png", png((600, 600)) + b"\0" * 60_000)])
    assert response.status_code == 400
    assert Post.objects.filter(thread=t).count() == 1


def test_at_most_nine_images_a_post(client):
    t = thread(fan())
    client.force_login(fan())
    response = send_reply(client, t, images=[upload(f"{n}.png", png()) for n in range(10)])
    assert response.status_code == 400 and "at most 9 images; you chose 10" in response.content.decode()
    assert not Attachment.objects.exists()


def test_fifty_files_a_day_then_a_clear_refusal_that_keeps_the_text(client):
    author = fan()
    t = thread(author)
    first = Post.objects.get(thread=t, floor=1)
    Attachment.objects.bulk_create(
        Attachment(
            post=first,
            uploader=author,
            kind="image",
            state="failed",
            name=f"{n}.png",
            content_type="image/png",
            size=1,
            created_at=timezone.now() - datetime.timedelta(hours=23 - n % 20),
        )
        for n in range(attachments.MAX_FILES_PER_DAY - 1)
    )
    client.force_login(author)
    assert send_reply(client, t, images=[upload("ok.png", png())]).status_code == 302
    rewind(author)
    response = send_reply(client, t, body="再来一张", images=[upload("one-more.png", png())])
    assert response.status_code == 400
    page = response.content.decode()
    assert "You can attach 50 files a day. You can attach more" in page and "再来一张</textarea>" in page
    assert Attachment.objects.count() == attachments.MAX_FILES_PER_DAY


def test_logs_only_in_feedback_threads(client):
    t = thread(fan())
    client.force_login(fan())
    response = send_reply(client, t, body="日志", logs=[upload("bug.log", b"E/crash\n")])
    assert response.status_code == 400
    assert "Logs can only be attached in feedback threads." in response.content.decode()
    assert not Attachment.objects.exists() and Post.objects.filter(thread=t).count() == 1


def test_a_log_whose_content_is_not_what_its_name_says_is_refused(client):
    author = fan()
    t = feedback_thread(author)
    client.force_login(author)
    response = send_reply(client, t, logs=[upload("bug.zip", b"not a zip at all")])
    assert response.status_code == 400 and "is not what its name says" in response.content.decode()
    response = send_reply(client, t, logs=[upload("bug.exe", b"MZ")])
    assert response.status_code == 400 and "logs must be .zip, .txt or .log files" in response.content.decode()


# --- who sees a log ----------------------------------------------------------------------------


def zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("logcat.txt", "IMEI 861234567890123\n")
    return out.getvalue()


def test_a_private_log_is_read_only_by_its_uploader_and_the_service_desk(client):
    author = fan()
    t = feedback_thread(fan())
    client.force_login(author)
    archive = zip_bytes()
    assert send_reply(client, t, logs=[upload("logcat.zip", archive)]).status_code == 302
    log = Attachment.objects.get()
    url = f"/forum/a/{log.pk}/"

    moderator = member(MODERATORS)
    for outsider in (fan(), moderator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        page = client.get(t.get_absolute_url()).content.decode()
        assert "logcat.zip" not in page and url not in page
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page

    desk = member(SERVICE_DESK)
    for reader in (author, desk):
        client.force_login(reader)
        assert url in client.get(t.get_absolute_url()).content.decode()
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="logcat.zip"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == archive
    # Never under a public URL: the private storage is outside MEDIA_ROOT.
    assert not client.get(f"/media/{log.original}").status_code == 200


def test_logs_on_a_new_feedback_thread(client):
    author = fan()
    client.force_login(author)
    response = client.post(
        "/forum/b/feedback/new/",
        {
            "feedback_kind": "bug",
            "title": "相机闪退",
            "body": "打开相机就闪退",
            "images": [upload("s.png", png())],
            "logs": [upload("camera.log", "E/Camera: 崩溃\n".encode())],
        },
    )
    assert response.status_code == 302
    kinds = sorted(Attachment.objects.filter(post__floor=1).values_list("kind", flat=True))
    assert kinds == ["image", "log"]


# --- deleting and exporting --------------------------------------------------------------------


def test_deleting_a_post_deletes_its_files(client, django_capture_on_commit_callbacks):
    author = fan()
    t = feedback_thread(fan())
    client.force_login(author)
    send_reply(client, t, images=[upload("a.png", png())], logs=[upload("a.log", b"log\n")])
    image, log = Attachment.objects.order_by("kind")
    attachments.process_image(image.pk)
    image.refresh_from_db()
    public, private = storages["default"], storages["private"]
    assert public.exists(image.web) and public.exists(image.thumb) and private.exists(log.original)
    post = Post.objects.get(thread=t, floor=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/forum/p/{post.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not Attachment.objects.exists()
    assert not public.exists(image.web) and not public.exists(image.thumb) and not private.exists(log.original)


def test_the_export_lists_a_fans_files_and_deleting_the_account_deletes_them(
    client, django_capture_on_commit_callbacks
):
    author = fan()
    t = feedback_thread(author)
    client.force_login(author)
    send_reply(client, t, images=[upload("a.png", png())], logs=[upload("a.txt", b"text\n")])
    image, log = Attachment.objects.order_by("kind")
    attachments.process_image(image.pk)
    image.refresh_from_db()
    exported = export_personal_data(author)["forum_attachments"]
    assert [(a["name"], a["kind"]) for a in exported] == [("a.png", "image"), ("a.txt", "log")]
    assert exported[0]["url"] == storages["default"].url(image.web)
    assert exported[1]["url"] == f"/forum/a/{log.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(author)
    assert not Attachment.objects.exists()
    assert not storages["default"].exists(image.web) and not storages["private"].exists(log.original)
    assert Post.objects.filter(thread=t).count() == 2  # the posts stay, signed "deleted user"


# --- the page's queries ------------------------------------------------------------------------


def _thread_page_queries(client, t) -> int:
    client.get(t.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def test_attachments_add_no_query_to_the_thread_page(client):
    t = feedback_thread(fan())
    reader = member(SERVICE_DESK)
    client.force_login(reader)
    without = _thread_page_queries(client, t)
    for n in range(4):
        author = fan()
        client.force_login(author)
        files = [upload(f"{n}-{k}.png", png()) for k in range(3)]
        assert send_reply(client, t, images=files, logs=[upload(f"{n}.log", b"log\n")]).status_code == 302
    for a in Attachment.objects.filter(kind="image")[:6]:
        attachments.process_image(a.pk)
    client.force_login(reader)
    assert _thread_page_queries(client, t) == without
    page = client.get(t.get_absolute_url()).content.decode()
    assert page.count('class="attachment-placeholder pending"') == 6 and page.count("/forum/a/") == 4


# --- written by forum.writing.posting's one write of a post -----------------------------------------------


def test_attachments_write_no_post_of_their_own():
    """One start_thread, post_reply and edit_post (forum.writing.posting), which take the files: the attachments
    package defines none of them, in any of its modules."""
    import pkgutil

    from forum import attachments as package

    modules = [package] + [
        __import__(f"forum.attachments.{m.name}", fromlist=["_"]) for m in pkgutil.iter_modules(package.__path__)
    ]
    assert len(modules) > 1
    for module in modules:
        for name in ("start_thread", "post_reply", "edit_post"):
            assert not hasattr(module, name), f"{module.__name__}.{name}"


def test_posting_writes_a_thread_a_reply_and_an_edit_with_their_files(django_capture_on_commit_callbacks):
    author = fan()
    feedback = Board.objects.get(slug="feedback")
    files = attachments.inspect([upload("a.png", png())], [upload("a.log", b"boot\n")], allow_logs=True)
    t = posting.start_thread(author, feedback, "相机闪退", "打开就闪退", feedback_kind="bug", files=files)
    first = t.posts.get(floor=1)
    assert sorted(first.attachments.values_list("kind", "state")) == [("image", "pending"), ("log", "ready")]
    rewind(author)

    reply = posting.post_reply(author, t, "再补一张", files=attachments.inspect([upload("b.png", png())], [], False))
    assert list(reply.attachments.values_list("name", flat=True)) == ["b.png"]
    # The same form sent again gets the first reply back and attaches nothing again.
    again = posting.post_reply(author, t, "再补一张", files=attachments.inspect([upload("b.png", png())], [], False))
    assert again.pk == reply.pk and Attachment.objects.filter(post=reply).count() == 1

    log = first.attachments.get(kind="log")
    with django_capture_on_commit_callbacks(execute=True):
        posting.edit_post(
            author,
            first,
            "打开相机就闪退",
            files=attachments.inspect([upload("c.png", png())], [], False),
            remove=[log.pk],
        )
    assert sorted(first.attachments.values_list("name", flat=True)) == ["a.png", "c.png"]
    assert not storages["private"].exists(log.original)


def test_posting_refuses_logs_outside_feedback_and_too_many_files_on_an_edit():
    author = fan()
    t = thread(author)
    logs = attachments.inspect([], [upload("a.log", b"boot\n")], allow_logs=True)
    with pytest.raises(ValidationError) as refused:
        posting.post_reply(author, t, "日志", files=logs)
    assert "logs" in refused.value.error_dict
    first = t.posts.get(floor=1)
    posting.edit_post(author, first, "九张图", files=attachments.inspect([upload("0.png", png())] * 9, [], False))
    with pytest.raises(ValidationError) as refused:
        posting.edit_post(author, first, "十张图", files=attachments.inspect([upload("9.png", png())], [], False))
    assert "images" in refused.value.error_dict
    first.refresh_from_db()
    assert first.body == "九张图" and first.attachments.count() == 9
    assert Post.objects.filter(thread=t).count() == 1
