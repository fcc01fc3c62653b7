"""The outbox: work is saved with the data, sent after the commit, swept up when the broker was down."""

import datetime
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification
from accounts.tasks import send_email
from fancity.celery import app
from outbox import queueing
from outbox.models import Message
from tests.factories import UserFactory
from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[2]
MAIL = {"subject": "Hi", "body": "Hello", "from_email": "a@example.com", "to": ["b@example.com"]}


@contextmanager
def dead_broker():
    """Nothing listens on port 1: the Celery app's producers really fail."""
    old = app.conf.broker_url

    def repoint(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    repoint("redis://127.0.0.1:1/0")
    queueing.broker.reset()
    try:
        yield
    finally:
        repoint(old)
        queueing.broker.reset()


def _age_unsent() -> None:
    Message.objects.filter(sent_at__isnull=True).update(created_at=timezone.now() - 2 * queueing.SWEEP_AFTER)


@pytest.mark.django_db(transaction=True)
def test_queued_work_is_saved_with_the_data_and_sent_after_the_commit(celery_worker, mailoutbox):
    with transaction.atomic():
        queueing.enqueue("accounts.tasks.send_email", MAIL)
        assert Message.objects.get().sent_at is None
    wait_until(lambda: len(mailoutbox) == 1)
    assert Message.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_work_queued_by_a_rolled_back_write_is_never_sent(celery_worker, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        queueing.enqueue("accounts.tasks.send_email", MAIL)
        raise RuntimeError("the write failed")
    assert not Message.objects.exists()
    assert queueing.send_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_keeps_the_data_and_the_sweeper_sends_the_work_when_it_returns(celery_worker, mailoutbox):
    fan = UserFactory()
    with dead_broker():
        start = time.monotonic()
        with transaction.atomic():
            note = Notification.objects.create(recipient=fan, kind="reply", text="saved", url="/")
            queueing.enqueue("accounts.tasks.email_notifications", [note.pk])
        for _ in range(20):  # the broker is skipped for a few seconds after a failure: no wait per request
            queueing.enqueue("accounts.tasks.send_email", MAIL)
        assert time.monotonic() - start < 1.5
        assert Message.objects.filter(sent_at__isnull=True).count() == 21
        _age_unsent()
        assert queueing.send_pending() == 0  # still down: everything stays
    assert not mailoutbox
    _age_unsent()
    assert queueing.send_pending() == 21
    wait_until(lambda: len(mailoutbox) == 21)
    assert not Message.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_leaves_rows_the_sender_after_the_commit_may_still_be_sending(celery_worker):
    with dead_broker():
        queueing.enqueue("accounts.tasks.send_email", MAIL)
    assert queueing.send_pending() == 0
    _age_unsent()
    assert queueing.send_pending() == 1


@pytest.mark.django_db(transaction=True)
def test_a_mail_delivered_twice_by_the_outbox_is_sent_once(celery_worker, mailoutbox):
    with dead_broker():
        queueing.enqueue("accounts.tasks.send_email", MAIL)
    message = Message.objects.get()
    for _ in range(2):  # the sender's answer was lost, say, and the sweeper sent it again
        app.send_task(send_email.name, args=[MAIL], task_id=f"outbox-{message.pk}")
    wait_until(lambda: Message.objects.get().done_at is not None)
    send_email.delay(MAIL)  # sent some other way: not deduplicated
    wait_until(lambda: len(mailoutbox) == 2 and _idle(), what="all three deliveries to finish")
    assert len(mailoutbox) == 2


def _idle() -> bool:
    inspect = app.control.inspect(timeout=0.5)
    busy = [*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()]
    return not any(busy)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_starts_sweeps_up_what_waited(mailoutbox):
    from celery.contrib.testing.worker import start_worker

    with dead_broker():
        queueing.enqueue("accounts.tasks.send_email", MAIL)
    _age_unsent()
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        wait_until(lambda: len(mailoutbox) == 1)


@pytest.mark.django_db
def test_sent_rows_are_purged_after_two_days():
    old = Message.objects.create(task="x", sent_at=timezone.now() - datetime.timedelta(days=3))
    recent = Message.objects.create(task="x", sent_at=timezone.now())
    queueing.send_pending()
    assert list(Message.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


@pytest.mark.parametrize(
    "task_id, expected",
    [("outbox-12", 12), ("outbox-", None), ("outbox-１２", None), ("outbox-²", None), ("abc", None), (None, None)],
)
def test_only_outbox_task_ids_name_a_message(task_id, expected):
    assert queueing.message_id(task_id) == expected


@pytest.mark.django_db
def test_a_misspelt_name_or_wrong_arguments_fail_at_the_call_and_save_nothing():
    with pytest.raises(LookupError, match="accounts.tasks.send_mail"):
        queueing.enqueue("accounts.tasks.send_mail", MAIL)
    with pytest.raises(LookupError):
        queueing.enqueue("account.tasks.send_email", MAIL)
    with pytest.raises(TypeError, match="'accounts.tasks.send_email'"):
        queueing.enqueue(send_email, MAIL)  # the task itself, not its name
    with pytest.raises(TypeError, match="message"):
        queueing.enqueue("accounts.tasks.send_email")
    with pytest.raises(TypeError):
        queueing.enqueue("accounts.tasks.send_email", MAIL, urgent=True)
    assert not Message.objects.exists()


def test_a_process_that_never_imported_the_tasks_module_finds_the_task_by_name():
    """A web process imports a tasks module only when something queues one of its tasks by name."""
    code = (
        "import sys, django; django.setup()\n"
        "from outbox.queueing import registered\n"
        "assert 'meetups.tasks' not in sys.modules\n"
        "print(registered('meetups.tasks.message_batch').name)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fancity.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "meetups.tasks.message_batch"
