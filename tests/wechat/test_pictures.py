"""A picture a fan sends in WeChat is fetched by Celery from the stand-in's `media/get` over real HTTP and
attached to the desk ticket with the desk's checks (type from content, 10 MB, EXIF stripped, private
storage); a refused or failed download leaves a note on the ticket's WeChat panel, never a 500, and
never delays the passive reply."""

import io
import time

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from accounts.roles import MODERATORS
from servicedesk.models import MessageAttachment, Ticket
from servicedesk.wechat import desk, inbound, linking
from servicedesk.wechat.models import Inbound
from servicedesk.wechat.protocol import _parse
from servicedesk.wechat.tasks import fetch_picture
from tests.forum.test_attachments import jpeg_with_gps
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, staff
from tests.wechat import standin as wx

ELEVEN_MB = b"\xff\xd8\xff\xe0" + bytes(11 * 1024 * 1024)


def outcome(media_id: str) -> str:
    return Inbound.objects.filter(media_id=media_id).values_list("picture", flat=True).first() or ""


@pytest.mark.django_db(transaction=True)
def test_a_picture_reaches_the_agent_without_exif_and_refusals_are_noted(standin, webhook, celery_worker, client):
    standin.serve_media("media_photo", jpeg_with_gps())
    standin.serve_media("media_text", "只是一段文字，不是图片".encode())
    standin.serve_media("media_big", ELEVEN_MB)
    standin.media_delay = 2.0  # WeChat's media server is slow today: the fan's reply must not wait for it

    started = time.monotonic()
    reply = standin.post(webhook, wx.image("fan-pic", media_id="media_photo"))
    elapsed = time.monotonic() - started
    assert reply.status == 200 and reply.content and elapsed < 5.0
    assert outcome("media_photo") in ("", Inbound.Picture.PENDING)  # fetched after the reply, by Celery
    for media_id in ("media_text", "media_big", "media_unknown"):
        assert standin.post(webhook, wx.image("fan-pic", media_id=media_id)).status == 200

    wait_until(lambda: outcome("media_photo") == Inbound.Picture.ATTACHED, what="the picture to be attached")
    assert "media_photo" in [q["media_id"] for p, q, _b in standin.calls if p == "/cgi-bin/media/get"]
    image = MessageAttachment.objects.get()
    assert image.kind == "image" and image.content_type == "image/webp"
    assert image.message_id == Inbound.objects.get(media_id="media_photo").desk_message_id
    stored = storages["private"].open(image.file).read()
    assert image.file.startswith("desk/") and b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as opened:
        assert opened.format == "WEBP" and not opened.getexif() and opened.size == (200, 400)  # upright

    wait_until(
        lambda: all(
            outcome(m) not in ("", Inbound.Picture.PENDING) for m in ("media_text", "media_big", "media_unknown")
        ),
        what="the refused pictures' outcomes",
    )
    assert outcome("media_text") == Inbound.Picture.NOT_ACCEPTED
    assert outcome("media_big") == Inbound.Picture.TOO_BIG
    assert outcome("media_unknown") == Inbound.Picture.GONE
    assert Inbound.objects.get(media_id="media_unknown").picture_detail == "40007 invalid media_id"
    assert MessageAttachment.objects.count() == 1  # nothing written for the refused ones

    # The agent sees the picture in the conversation and, in the WeChat panel, why the others are missing.
    ticket = Ticket.objects.get(request__wechat__follower__openid="fan-pic")
    client.force_login(staff())
    page = client.get(reverse("servicedesk:ticket", args=[ticket.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert image.get_absolute_url() in html
    assert html.count('data-picture="attached"') == 1
    assert 'data-picture="refused"' in html and 'data-picture="too_big"' in html and 'data-picture="gone"' in html
    served = client.get(image.get_absolute_url())
    assert served.status_code == 200 and b"".join(served.streaming_content) == stored


@pytest.mark.django_db
def test_a_picture_is_fetched_again_while_wechat_does_not_answer_then_noted(account, standin):
    """The task's retries, run eagerly (Celery's apply runs a retry at once): two 503s then the file;
    a media server that never answers, noted as unreachable after the last retry; and a body past
    10 MB without a Content-Length, cut off while it streams."""
    standin.serve_media("media_flaky", 503, 503, jpeg_with_gps())
    standin.serve_media("media_down", 503)
    standin.serve_media("media_endless", ("no length", ELEVEN_MB))  # too big, and it does not say so
    flaky, down = _on_the_desk(account, "media_flaky"), _on_the_desk(account, "media_down")
    endless = _on_the_desk(account, "media_endless")

    assert fetch_picture.apply(args=[flaky.pk]).get() == Inbound.Picture.ATTACHED
    assert fetch_picture.apply(args=[down.pk]).get() == Inbound.Picture.FAILED
    assert len([p for p, _q, _b in standin.calls if p == "/cgi-bin/media/get"]) == 3 + 4
    assert fetch_picture.apply(args=[endless.pk]).get() == Inbound.Picture.TOO_BIG  # stopped at 10 MB + 1 byte
    assert MessageAttachment.objects.get().message_id == flaky.desk_message_id
    # Running it again changes nothing: the outcome is kept and nothing is fetched twice.
    assert fetch_picture.apply(args=[flaky.pk]).get() == Inbound.Picture.ATTACHED
    assert MessageAttachment.objects.count() == 1


def _on_the_desk(account, media_id: str) -> Inbound:
    xml = wx.image("fan-flaky", media_id=media_id)
    fields = _parse(xml)
    inbound.handle(account, inbound.Envelope(fields=fields, xml=xml, encrypted=True, timestamp="", nonce=""))
    row = Inbound.objects.get(media_id=media_id)
    desk.receive(row.pk)
    row.refresh_from_db()
    assert row.picture == Inbound.Picture.PENDING
    return row


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, status",
    [
        ("the linked fan", 200),
        ("desk staff", 200),
        ("the stand-in", 302),  # cannot sign in: sent to the sign-in page
        ("another fan", 404),
        ("a moderator", 404),
        ("nobody", 302),
    ],
)
def test_only_the_linked_fan_and_desk_staff_see_a_wechat_picture(account, standin, client, who, status):
    standin.serve_media("media_role", jpeg_with_gps())
    row = _on_the_desk(account, "media_role")
    stand_in = row.follower.user
    assert fetch_picture.apply(args=[row.pk]).get() == Inbound.Picture.ATTACHED
    me = fan()
    linking.link_with_code(me, linking.issue(row.follower).code)
    moderator = fan()
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    users = {"the linked fan": me, "desk staff": staff(), "the stand-in": stand_in, "another fan": fan(),
             "a moderator": moderator}  # fmt: skip
    if who in users:
        client.force_login(users[who])
    response = client.get(MessageAttachment.objects.get().get_absolute_url())
    assert response.status_code == status
