"""Notification mail goes out in short, idempotent chunks (see the visibility timeout in settings)."""

import pytest

from accounts import tasks
from accounts.models import Notification
from accounts.notifications import EMAIL_CHUNK, notify
from accounts.tasks import email_notifications
from tests.factories import UserFactory
from tests.helpers import wait_until


@pytest.mark.django_db
def test_a_chunk_run_twice_mails_each_notification_once(mailoutbox):
    fans = UserFactory.create_batch(3)
    ids = [Notification.objects.create(recipient=fan, kind="reply", text="新回复", url="/").pk for fan in fans]

    assert email_notifications(ids) == 3
    assert email_notifications(ids) == 0  # the broker delivered the chunk again
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(fan.email for fan in fans)
    assert {m.extra_headers["Message-ID"] for m in mailoutbox} == {f"<notification.{pk}@127.0.0.1>" for pk in ids}
    assert Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_chunk_out_of_time_hands_the_rest_to_a_new_task(celery_worker, mailoutbox, monkeypatch):
    """With no time budget, each task mails one notification and queues the rest: all go, once each."""
    monkeypatch.setattr(tasks, "CHUNK_SECONDS", 0)
    fans = UserFactory.create_batch(5)
    notify(fans, "reply", "新回复", "/forum/t/1/")
    wait_until(lambda: len(mailoutbox) == 5)
    wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists())
    assert sorted(m.to[0] for m in mailoutbox) == sorted(fan.email for fan in fans)


def test_no_chunk_runs_and_no_retry_waits_past_the_visibility_timeout(settings):
    """A task still running (or waiting to retry) when the timeout ends would be delivered twice."""
    assert EMAIL_CHUNK <= 200
    assert tasks.CHUNK_SECONDS < settings.BROKER_VISIBILITY_TIMEOUT / 1.5
    assert tasks.RETRY_BACKOFF_MAX < settings.BROKER_VISIBILITY_TIMEOUT
