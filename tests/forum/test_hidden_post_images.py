"""The images of a post a moderator hid are served by the same rule as its text (forum.permissions.
may_read_post): its author and the board's moderators, not the service desk, nor anyone else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.roles import MODERATORS, SERVICE_DESK
from forum import attachments
from forum.models import Attachment
from forum.moderation import moderate
from tests.forum.factories import fan, member, thread

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(out, "PNG")
    return out.getvalue()


def test_images_of_a_hidden_post_follow_the_posts_own_rule(django_capture_on_commit_callbacks):
    author, moderator, desk = fan(), member(MODERATORS), member(SERVICE_DESK)
    t = thread(fan(), slug="general")
    client = Client()
    client.force_login(author)
    photo = SimpleUploadedFile("phone.png", _png(), content_type="image/png")
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "看图", "images": [photo]}).status_code == 302
    image = Attachment.objects.get()
    assert attachments.process_image(image.pk) == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        moderate.hide_post(moderator, image.post, "含个人信息")
    for viewer, status in ((author, 200), (moderator, 200), (desk, 404), (fan(), 404), (fan(is_staff=True), 404)):
        client = Client()
        client.force_login(viewer)
        for url in (f"/forum/a/{image.pk}/image/", f"/forum/a/{image.pk}/thumb/"):
            assert client.get(url).status_code == status, (viewer, url)
    assert Client().get(f"/forum/a/{image.pk}/image/").status_code == 404
