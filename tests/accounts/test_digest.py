"""Mail held within the hour goes out in one digest per fan: none lost, none mailed twice."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notify
from accounts.tasks import queue_digests, send_digest
from outbox.models import Message
from outbox.queueing import _publish
from tests.factories import UserFactory
from tests.forum.factories import thread
from tests.helpers import celery_idle, wait_until

HOUR = datetime.timedelta(hours=1)


def _an_hour_passes() -> None:
    """Drive the clock: the mails and the holds of this test are moved back by an hour."""
    Notification.objects.filter(emailed_at__isnull=False).update(emailed_at=F("emailed_at") - HOUR)
    Notification.objects.filter(digest_at__isnull=False).update(digest_at=F("digest_at") - HOUR)


@pytest.mark.django_db(transaction=True)
def test_three_events_in_one_thread_give_one_mail_at_once_and_one_digest_later(celery_worker, mailoutbox):
    fan = UserFactory()
    t = thread(fan, title="蓝牙断连")
    group, url = f"thread:{t.pk}", t.get_absolute_url()
    notify([fan], "feedback", "你的反馈“蓝牙断连”现在是：已确认", url, group=group)
    wait_until(lambda: len(mailoutbox) == 1)
    wait_until(lambda: Notification.objects.filter(emailed_at__isnull=False).exists())  # the mail's commit
    notify([fan], "reply", "客服回复了“蓝牙断连”", f"{url}?page=1", group=group)
    notify([fan], "feedback", "你的反馈“蓝牙断连”现在是：已修复", f"{url}?page=2", group=group)
    wait_until(lambda: Notification.objects.filter(digest_at__isnull=False).count() == 2)
    wait_until(celery_idle)
    assert len(mailoutbox) == 1 and "已确认" in mailoutbox[0].body
    assert queue_digests() == 0  # the hour has not passed

    _an_hour_passes()
    assert queue_digests() == 1
    wait_until(lambda: len(mailoutbox) == 2)
    digest = mailoutbox[1]
    assert digest.to == [fan.email]
    # One line for the thread, with how many notifications it holds, linking to the first of them.
    assert "关于“蓝牙断连”的 2 条新通知" in digest.body and f"{url}?page=1" in digest.body
    assert "已确认" not in digest.body and "已修复" not in digest.body
    assert "2 条新通知" in digest.subject
    assert "/unsubscribe/" in digest.body and "/unsubscribe/" in digest.extra_headers["List-Unsubscribe"]
    # The mail leaves inside the transaction that marks the notifications mailed: wait for its commit.
    wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())

    # The broker delivers the digest's message again (a worker died before acknowledging it): no mail.
    wait_until(lambda: Message.objects.filter(task="accounts.tasks.send_digest", done_at__isnull=False).exists())
    _publish(Message.objects.get(task="accounts.tasks.send_digest"))
    assert queue_digests() == 0
    wait_until(celery_idle)
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_the_digest_holds_every_unread_unmailed_notification_one_line_per_thread(mailoutbox):
    fan = UserFactory(language="en", muted_emails=["mention"])
    now = timezone.now()
    battery, camera, third, fourth = (thread(title=title) for title in ("Battery", "Camera", "Third", "Fourth"))
    rows = [
        ("reply", "A replied to “Battery”", f"/forum/t/{battery.pk}/", battery, None),
        ("reply", "B replied to “Camera”", f"/forum/t/{camera.pk}/", camera, None),
        ("feedback", "“Battery” is now: Fixed", f"/forum/t/{battery.pk}/?page=2", battery, None),
        ("reply", "read on the site already", f"/forum/t/{third.pk}/", third, now),
        ("mention", "muted kind", f"/forum/t/{fourth.pk}/", fourth, None),
    ]
    for kind, text, url, t, read_at in rows:
        Notification.objects.create(
            recipient=fan, kind=kind, text=text, url=url, group=f"thread:{t.pk}", read_at=read_at, digest_at=now
        )

    assert send_digest(fan.pk) == 3
    assert send_digest(fan.pk) == 0  # a second task for the same fan finds nothing left
    (mail,) = mailoutbox
    body = mail.body
    assert mail.subject == "[Fancity] 3 new notifications"
    assert body.index("2 new notifications about “Battery”") < body.index("B replied to “Camera”")
    assert f"http://127.0.0.1:8000/forum/t/{battery.pk}/\n" in body  # the thread's first notification
    assert "A replied" not in body and "is now: Fixed" not in body
    assert "read on the site" not in body and "muted kind" not in body
    assert "Stop emails about “Replies to threads I watch”" in body


@pytest.mark.django_db
def test_a_notification_in_a_quiet_group_is_mailed_at_once_not_held(mailoutbox):
    from accounts.tasks import email_notifications

    fan = UserFactory()
    one, two = f"thread:{thread().pk}", f"thread:{thread().pk}"
    first = notify([fan], "reply", "一", "/t/1/", group=one)[0]
    assert email_notifications([first.pk]) == 1
    second = notify([fan], "reply", "二", "/t/2/", group=two)[0]
    held = notify([fan], "reply", "三", "/t/1/", group=one)[0]
    assert email_notifications([second.pk, held.pk]) == 1
    held.refresh_from_db()
    first.refresh_from_db()
    assert held.emailed_at is None and held.digest_at == first.emailed_at + HOUR


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "name"), [("zh-hans", "粉丝城"), ("en", "Fancity")])
def test_mail_is_sent_in_the_brands_name_of_the_readers_language(client, mailoutbox, language, name):
    fan = UserFactory(language=language)
    Notification.objects.create(recipient=fan, kind="reply", text="新回复", url="/", group=f"thread:{thread().pk}")
    assert send_digest(fan.pk) == 1
    assert mailoutbox[0].from_email == f"{name} <noreply@fancity.example>"

    response = client.post("/accounts/password/reset/", {"email": fan.email})  # allauth's mail, queued
    assert response.status_code == 302
    (queued,) = Message.objects.filter(task="accounts.tasks.send_email")
    assert queued.args[0]["from_email"] == f"{name} <noreply@fancity.example>"
