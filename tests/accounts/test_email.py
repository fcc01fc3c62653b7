import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Notification
from accounts.notifications import notify
from accounts.tasks import UNSUBSCRIBE_SALT, notification_email
from tests.factories import UserFactory
from tests.forum.factories import thread
from tests.helpers import celery_idle, wait_until


@pytest.mark.django_db(transaction=True)
def test_notifications_of_one_thread_send_one_mail_an_hour(celery_worker, mailoutbox):
    fan = UserFactory()
    one, two = f"thread:{thread().pk}", f"thread:{thread().pk}"
    notify([fan], "reply", "第一条回复", "/forum/t/1/", group=one)
    wait_until(lambda: len(mailoutbox) == 1)
    wait_until(lambda: Notification.objects.filter(emailed_at__isnull=False).exists())  # the mail's commit
    notify([fan], "reply", "第二条回复", "/forum/t/1/", group=one)
    notify([fan], "reply", "另一个主题", "/forum/t/2/", group=two)
    wait_until(lambda: len(mailoutbox) == 2)
    wait_until(celery_idle)  # a third mail would have been sent by now

    assert len(mailoutbox) == 2
    assert "第一条回复" in mailoutbox[0].body and "另一个主题" in mailoutbox[1].body
    assert "/unsubscribe/" in mailoutbox[0].body
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_switched_off_kind_is_not_mailed_but_still_shown(celery_worker, mailoutbox):
    fan = UserFactory(muted_emails=["mention"])
    notify([fan], "mention", "有人 @ 你", "/")
    notify([fan], "reply", "新回复", "/")
    wait_until(lambda: len(mailoutbox) == 1)
    wait_until(celery_idle)  # a third mail would have been sent by now

    assert len(mailoutbox) == 1 and "新回复" in mailoutbox[0].body
    assert Notification.objects.filter(recipient=fan).count() == 2


@pytest.mark.django_db
def test_unsubscribe_link_switches_that_kind_off(client):
    fan = UserFactory()
    token = signing.dumps({"u": fan.pk, "k": "reply"}, salt=UNSUBSCRIBE_SALT)
    client.post(reverse("unsubscribe", args=[token]))
    fan.refresh_from_db()
    assert not fan.wants_email("reply") and fan.wants_email("mention")
    assert client.post(reverse("unsubscribe", args=[token + "x"])).status_code == 404


@pytest.mark.django_db
def test_one_click_unsubscribe_is_a_post_without_csrf_token_or_session(mailoutbox):
    """RFC 8058: the mail says List-Unsubscribe-Post, and the mail client's bare POST to the URL works."""
    fan = UserFactory()
    topic = thread()  # a thread the fan may read: notifications about others are not mailed
    notify([fan], "reply", "新回复", topic.get_absolute_url(), group=f"thread:{topic.pk}")
    mail = notification_email(Notification.objects.get(recipient=fan))
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", mail.extra_headers["List-Unsubscribe"]).group(1)
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no token, as a mail provider posts

    response = mail_client.post(
        urlsplit(url).path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    fan.refresh_from_db()
    assert not fan.wants_email("reply") and fan.wants_email("mention")
    # The signed token is still what authenticates it: a changed one does nothing.
    forged = urlsplit(url).path.replace("/unsubscribe/", "/unsubscribe/x")
    assert mail_client.post(forged, "List-Unsubscribe=One-Click", content_type="text/plain").status_code == 404
    assert mail_client.put(urlsplit(url).path).status_code == 405


@pytest.mark.django_db(transaction=True)
@override_settings(SITE_URL="https://fans.example.com")
def test_every_mail_has_a_message_id_at_the_sites_host(celery_worker, mailoutbox, client):
    fan = UserFactory()
    topic = thread()  # a thread the fan may read: notifications about others are not mailed
    notify([fan], "reply", "新回复", topic.get_absolute_url(), group=f"thread:{topic.pk}")
    client.post(reverse("account_reset_password"), {"email": fan.email})  # an allauth mail
    wait_until(lambda: len(mailoutbox) == 2)

    ids = sorted(mail.message()["Message-ID"] for mail in mailoutbox)
    notification = Notification.objects.get(recipient=fan)
    assert f"<notification.{notification.pk}@fans.example.com>" in ids
    assert all(re.fullmatch(r"<[^@<>]+@fans\.example\.com>", i) for i in ids), ids
