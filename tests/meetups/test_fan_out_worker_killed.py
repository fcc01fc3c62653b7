"""A real Celery worker process is killed with SIGKILL half-way through announcing a meetup to 1,000
fans (five chunks of 200); a new worker takes the work in flight over after the broker's visibility timeout, and every
fan gets the mail exactly once.
"""

import email
import os
import signal
import subprocess
import sys
import time
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
FANS = 1000
# Shortened from the production 120 s so that the test stays short; the mechanism is the same.
VISIBILITY_TIMEOUT = 15
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
    command = [sys.executable, "-m", "celery", "-A", "fancity", "worker", "-c", "2", "-n", f"{name}@%h"]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def broker_is_idle() -> bool:
    """Nothing waiting in the queue and nothing taken but unacknowledged."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        return client.llen("celery") == 0 and client.hlen("unacked") == 0


@pytest.mark.django_db(transaction=True)
def test_mails_in_flight_on_a_killed_worker_go_out_once_each_after_the_visibility_timeout(tmp_path):
    maildir = tmp_path / "mail"
    fans = make_fans(FANS, prefix="fanout")
    meetup = MeetupFactory()
    app.control.purge()
    workers = [start_worker("first", maildir)]
    try:
        announce_meetup.delay(meetup.pk)
        wait_until(lambda: maildir.exists() and mail_count(maildir) >= 250, 90, "the first mails")
        os.killpg(workers[0].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        workers[0].wait()
        at_kill = mail_count(maildir)
        assert at_kill < FANS, "the first worker finished before it was killed"

        workers.append(start_worker("second", maildir))
        group = f"meetup:{meetup.pk}"
        wait_until(
            lambda: Notification.objects.filter(group=group, emailed_at__isnull=False).count() == FANS,
            VISIBILITY_TIMEOUT + 75,
            "every notification to be mailed",
        )
        done = time.monotonic() - killed_at
        wait_until(broker_is_idle, VISIBILITY_TIMEOUT + 30, "the redelivered chunks to run")
        print(f"killed with {at_kill}/{FANS} mails sent; all sent {done:.1f} s after the kill")

        sent = mails(maildir)
        recipients = Counter(message["To"] for message in sent)
        assert set(recipients) == {fan.email for fan in fans}
        assert [address for address, n in recipients.items() if n > 1] == []
        assert len({message["Message-ID"] for message in sent}) == FANS
        assert Notification.objects.filter(group=group).count() == FANS
        assert done < VISIBILITY_TIMEOUT + 60
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()  # a warm shutdown: the pool finishes what it runs
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait()
