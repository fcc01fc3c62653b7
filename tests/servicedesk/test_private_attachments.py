"""Files in private requests, both ways, with the forum's checks: type from content, EXIF stripped,
private storage, read only by the request's fan and desk staff."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import storages
from PIL import Image

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.roles import MODERATORS
from forum.attachments import inspect
from servicedesk import private
from servicedesk.models import MessageAttachment, Ticket, TicketState
from tests.forum.test_attachments import jpeg_with_gps, upload
from tests.servicedesk.factories import fan, staff

pytestmark = pytest.mark.django_db


def _request(author):
    return private.open_request(author, "订单问题", "包裹破损")


def test_a_fans_photo_reaches_staff_without_its_location_and_staff_send_a_log_back(client):
    author = fan()
    request = _request(author)
    client.force_login(author)
    response = client.post(
        request.get_absolute_url(),
        {"body": "照片见附件", "images": [upload("IMG_0001.jpg", jpeg_with_gps(), "image/jpeg")]},
    )
    assert response.status_code == 302
    image = MessageAttachment.objects.get(kind="image")
    assert image.content_type == "image/webp" and image.name == "IMG_0001.jpg" and image.uploader == author
    stored = storages["private"].open(image.file).read()
    with Image.open(io.BytesIO(stored)) as opened:
        assert opened.format == "WEBP" and not opened.getexif() and opened.size == (200, 400)  # upright
    assert b"PhoneMaker" not in stored
    member = staff()
    client.force_login(member)
    served = client.get(image.get_absolute_url())
    assert served.status_code == 200 and b"".join(served.streaming_content) == stored
    assert served["Content-Type"] == "image/webp" and "no-store" in served["Cache-Control"]
    page = client.get(request.get_absolute_url()).content.decode()
    assert image.get_absolute_url() in page
    response = client.post(
        request.get_absolute_url(), {"body": "请按说明操作", "logs": [upload("guide.txt", b"step 1\nstep 2\n")]}
    )
    assert response.status_code == 302
    log = MessageAttachment.objects.get(kind="log")
    assert log.message.by_staff and Ticket.objects.get(request=request).state == TicketState.ANSWERED
    client.force_login(author)
    download = client.get(log.get_absolute_url())
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_written(client):
    author = fan()
    request = _request(author)
    client.force_login(author)
    response = client.post(
        request.get_absolute_url(), {"body": "看图", "images": [upload("photo.jpg", b"MZ\x90\x00 not a jpeg")]}
    )
    assert response.status_code == 400 and "photo.jpg" in response.content.decode()
    assert not MessageAttachment.objects.exists()
    assert request.messages.count() == 1


@pytest.mark.parametrize(
    "who, status",
    [("the fan", 200), ("desk staff", 200), ("another fan", 404), ("a moderator", 404), ("nobody", 302)],
)
def test_only_the_fan_and_desk_staff_read_a_requests_files(client, who, status):
    author = fan()
    request = _request(author)
    private.send_message(author, request.pk, "log", private_files(upload("a.log", b"boot failed\n")))
    attachment = MessageAttachment.objects.get()
    users = {"the fan": author, "desk staff": staff(), "another fan": fan(), "a moderator": _moderator()}
    if who in users:
        client.force_login(users[who])
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == status
    if status == 302:
        assert "/login/" in response["Location"] or "/accounts/" in response["Location"]


def test_files_are_in_the_fans_export_and_deleted_with_the_account():
    author = fan()
    request = _request(author)
    private.send_message(author, request.pk, "log", private_files(upload("a.log", b"boot failed\n")))
    name = MessageAttachment.objects.get().file
    exported = export_personal_data(author)["servicedesk"]["private_requests"][0]["messages"]
    assert exported[-1]["files"] == ["a.log"]
    delete_account(author)
    assert not MessageAttachment.objects.exists() and not storages["private"].exists(name)


def private_files(*logs):
    return inspect([], list(logs), True)


def _moderator():
    user = fan(is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user
