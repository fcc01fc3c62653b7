"""A real Celery worker process is killed with SIGKILL half-way through announcing a meetup to 1,000
fans (five chunks of 200); a new worker takes the work in flight over after the broker's visibility
timeout. What the design guarantees (README, "Reliability"): every fan is told once in the site and
mailed at least once; a second copy goes only to a fan whose mail was in flight at the kill (handed to
the mail server, its mark not committed), at most one per worker process; and every copy of one mail
carries the same Message-ID, so mail clients show it once.
"""

import email
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Notification
from fancity.celery import app
from meetups.tasks import announce_meetup
from tests.helpers import wait_until
from tests.meetups.factories import MeetupFactory, make_fans

ROOT = Path(__file__).resolve().parents[2]
# Waits are generous bounds on a shared machine, not expectations: each returns as soon as its condition
# holds, and how long the recovery took is printed (README, "Reliability", has the measured figures).
FANS = 1000
# Shortened from the production 120 s so that the test stays short; the mechanism is the same.
VISIBILITY_TIMEOUT = 15
WORKER_PROCESSES = 2  # `-c 2` below
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each whole message


def mails(directory: Path) -> list[email.message.Message]:
    """Every message the file backend finished writing (a worker killed mid-write leaves a partial one,
    which a mail server would not have accepted either)."""
    found = []
    for path in directory.glob("*.log"):
        *complete, _partial = path.read_bytes().split(SEPARATOR)
        found += [email.message_from_bytes(message) for message in complete]
    return found


def mail_count(directory: Path) -> int:
    return sum(path.read_bytes().count(SEPARATOR) for path in directory.glob("*.log"))


def start_worker(name: str, maildir: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "FANCITY_DATA_DIR": str(maildir.parent),
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "fancity",
        "worker",
        "-c",
        str(WORKER_PROCESSES),
        "-n",
        f"{name}@%h",
    ]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def broker_is_idle() -> bool:
    """Nothing waiting in the queue and nothing taken but unacknowledged."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen("celery") == 0 and client.hlen("unacked") == 0


@pytest.mark.django_db(transaction=True)
def test_mails_in_flight_on_a_killed_worker_go_out_at_least_once_with_one_message_id_each(tmp_path):
    maildir = tmp_path / "mail"
    fans = make_fans(FANS, prefix="fanout")
    meetup = MeetupFactory()
    app.control.purge()
    workers = [start_worker("first", maildir)]
    try:
        announce_meetup.delay(meetup.pk)
        wait_until(lambda: maildir.exists() and mail_count(maildir) >= 250, 300, "the first mails")
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        at_kill = mail_count(maildir)
        assert at_kill < FANS, "the first worker finished before it was killed"
        group = f"meetup:{meetup.pk}"
        # In flight at the kill: a whole copy written, its notification's `emailed_at` not committed.
        committed = set(
            Notification.objects.filter(group=group, emailed_at__isnull=False).values_list(
                "recipient__email", flat=True
            )
        )
        in_flight = {message["To"] for message in mails(maildir)} - committed
        assert len(in_flight) <= WORKER_PROCESSES, in_flight  # one mail at a time per process

        workers.append(start_worker("second", maildir))
        wait_until(
            lambda: Notification.objects.filter(group=group, emailed_at__isnull=False).count() == FANS,
            VISIBILITY_TIMEOUT + 300,
            "every notification to be mailed",
        )
        wait_until(broker_is_idle, VISIBILITY_TIMEOUT + 120, "the redelivered chunks to run")

        sent = mails(maildir)
        recipients = Counter(message["To"] for message in sent)
        assert set(recipients) == {fan.email for fan in fans}  # every fan at least once
        twice = {address for address, n in recipients.items() if n > 1}
        assert twice <= in_flight, "a copy went to a fan whose mail was not in flight at the kill"
        assert all(recipients[address] == 2 for address in twice), (at_kill, sorted(in_flight), recipients)
        message_ids = {}
        for message in sent:
            message_ids.setdefault(message["To"], set()).add(message["Message-ID"])
        assert all(len(ids) == 1 for ids in message_ids.values()), "copies of one mail differ in Message-ID"
        assert len({ids.pop() for ids in message_ids.values()}) == FANS
        assert Notification.objects.filter(group=group).count() == FANS  # told once in the site
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()  # a warm shutdown: the pool finishes what it runs
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()


@pytest.mark.django_db
def test_a_meetup_mail_sent_again_after_a_kill_carries_the_same_message_id(mailoutbox):
    """Mail outside notifications (a confirmation with the ticket) goes through `send_email`, whose
    `once` cannot tell whether a killed worker's mail left: its Message-ID is fixed when it is queued,
    so the copy a second delivery sends is folded into the first by mail clients."""
    from accounts.tasks import send_email
    from meetups.mail import send_confirmation
    from meetups.registration import register_for_meetup
    from outbox.models import Message
    from tests.factories import UserFactory

    registration = register_for_meetup(UserFactory(email="ticket@example.com"), MeetupFactory())
    Message.objects.all().delete()
    send_confirmation(registration)
    (queued,) = Message.objects.filter(task="accounts.tasks.send_email")
    payload = queued.args[0]
    send_email(payload)  # the first worker: the mail server took it, then the worker died
    send_email(payload)  # the delivery after the visibility timeout
    assert [m.to for m in mailoutbox] == [["ticket@example.com"]] * 2
    ids = {m.message()["Message-ID"] for m in mailoutbox}
    assert len(ids) == 1 and ids.pop().endswith("@127.0.0.1>")
