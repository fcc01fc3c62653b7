"""Redis Sentinel: the cache's and the broker's masters are killed -9 while fans post; nothing is lost.

The test runs its own Redis topology (scripts/machines.py: cache and broker each a master and a
replica, three Sentinels), points the cache and Celery at the Sentinels as production would
(REDIS_CACHE_URL / CELERY_BROKER_URL = sentinel://...), and kills both masters under a real worker.
Fans keep posting feedback (each queues its triage through the outbox); after the Sentinels promote
the replicas, the cache and the queue are used again without a restart and every thread is triaged.
"""

import time
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fancity.celery import app
from forum.models import Thread
from forum.reading import view_counts
from outbox import queueing
from outbox.models import Message
from scripts import machines
from servicedesk.models import Ticket
from tests.helpers import wait_until
from tests.servicedesk.factories import fan


@contextmanager
def _celery_broker(url: str, master_name: str):
    """Point the Celery app (producers and any worker started inside) at the Sentinels of `url`."""
    old_url, old_options = app.conf.broker_url, app.conf.broker_transport_options

    def repoint(to, options):
        app.conf.broker_url, app.conf.broker_transport_options = to, options
        app._pool = None
        app.amqp._producer_pool = None

    sentinel = {"master_name": master_name, "sentinel_kwargs": {"socket_connect_timeout": 1, "socket_timeout": 2}}
    repoint(url, {**old_options, **sentinel})
    try:
        yield
    finally:
        repoint(old_url, old_options)


def _reset_breakers() -> None:
    cache.breaker.reset()
    queueing.broker.reset()
    view_counts.counter.reset()


@pytest.fixture
def redis_ha(tmp_path):
    ha = machines.RedisHA(tmp_path)
    ha.start()
    sentinels = {"LOCATION": ha.url(1), "OPTIONS": {"sentinel_master": ha.master_name("cache")}}
    caches = {alias: {**conf, **sentinels} for alias, conf in settings.CACHES.items()}
    try:
        with override_settings(CACHES=caches), _celery_broker(ha.url(0), ha.master_name("broker")):
            view_counts._redis.cache_clear()
            _reset_breakers()
            yield ha
    finally:
        view_counts._redis.cache_clear()
        _reset_breakers()
        ha.stop()


def _post_feedback(client, n: int) -> int:
    author = fan(username=f"fan{n}")
    client.force_login(author)
    response = client.post(
        reverse("forum:new_thread", args=["feedback"]),
        {"title": f"Screen flickers {n}", "body": "Since the update", "feedback_kind": "bug"},
    )
    assert response.status_code == 302, response.status_code
    return Thread.objects.get(title=f"Screen flickers {n}").pk


def _triaged(thread_ids: list[int]) -> bool:
    return Ticket.objects.filter(thread_id__in=thread_ids, triaged_at__isnull=False).count() == len(thread_ids)


@pytest.mark.django_db(transaction=True)
def test_sentinel_failover_of_cache_and_broker_loses_no_task(client, redis_ha):
    threads = []
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
        threads.append(_post_feedback(client, 0))
        wait_until(lambda: _triaged(threads), timeout=60, what="the first triage")
        cache.set("before", "kept")
        assert cache.get("before") == "kept"
        assert client.get(reverse("forum:thread", args=[threads[0]])).status_code == 200

        old = {role: redis_ha.master(role) for role in ("cache", "broker")}
        for node in old.values():
            node.kill()
        killed_at = time.monotonic()

        # Fans keep posting while the Sentinels notice and promote: every request answers, none a 500.
        n = 1
        while not all(redis_ha.failed_over(role, node) for role, node in old.items()):
            assert time.monotonic() - killed_at < 60, "the Sentinels did not promote a replica within 60 s"
            threads.append(_post_feedback(client, n))
            assert client.get(reverse("forum:thread", args=[threads[-1]])).status_code == 200
            n += 1
        promoted = time.monotonic() - killed_at
        for extra in range(3):  # and after the promotion, before any process was told anything
            threads.append(_post_feedback(client, n + extra))

        # What the broker did not take waits in the outbox; the sweeper (every minute from beat) sends it.
        def all_work_done() -> bool:
            Message.objects.filter(sent_at__isnull=True).update(created_at=timezone.now() - 2 * queueing.SWEEP_AFTER)
            queueing.send_pending()
            return _triaged(threads)

        wait_until(all_work_done, timeout=90, what="every thread to be triaged after the failover")
        flowing = time.monotonic() - killed_at

        # The cache finds the new master by itself (its breaker skips Redis for 5 s after a failure).
        def cache_works() -> bool:
            cache.set("after", "written")
            return cache.get("after") == "written"

        wait_until(cache_works, timeout=30, what="the cache to use the promoted master")

    assert not Message.objects.filter(sent_at__isnull=True).exists()
    assert redis_ha.master("cache") is not old["cache"]
    print(
        f"\n{len(threads)} feedback threads, {n - 1} posted during the failover; "
        f"replicas promoted {promoted:.1f} s after the kill, all work done {flowing:.1f} s after; 0 tasks lost"
    )
