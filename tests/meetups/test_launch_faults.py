"""kill -9 mid-rush, one part at a time, against real processes: a web worker, the allocator, a Celery
worker, Redis. Afterwards the places given equal the capacity, in arrival order, no acknowledged
sign-up is lost and none is counted twice. A few hundred fans each; bench/launch_rush.py --kills runs
the big version.

The site runs as gunicorn (2 workers), the allocator (`manage.py allocate_places`, with a second one
on standby) and, for the Celery case, a worker, on the test database and a Redis of the test's own
(so that killing it harms no other test). Fans are HTTP clients that press again when a connection
drops, as a fan would.
"""

import os
import signal
import tempfile
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Notification
from meetups.launch_models import Signup
from scripts import devtools, launch_rush
from tests.helpers import wait_until
from tests.meetups.factories import make_fans
from tests.meetups.launch_factories import make_launch

FANS = 150
CAPACITY = 60
pytestmark = pytest.mark.slow


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def allocator_holds_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        return cursor.fetchone()[0] > 0


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/meetups/launches/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def site():
    """Redis of its own, gunicorn, the allocator and a standby; yields what the test may kill."""
    directory = Path(tempfile.mkdtemp(prefix="fancity-rush-"))
    redis = devtools.EmbeddedRedis(directory / "redis", devtools.free_port(), throwaway=True)
    redis.start()
    env = launch_rush.site_env(
        database_url(),
        redis.url,
        LAUNCH_ADMIT_PER_SECOND="100000",  # the gate has its own test; here every fan goes in
        LAUNCH_ADMIT_BURST="100000",
        BROKER_VISIBILITY_TIMEOUT="10",  # shortened from 120 s so that the Celery case stays short
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    port = devtools.free_port()
    processes = {"web": launch_rush.start_web(env, port, workers=2, threads=4)}
    try:
        processes["allocator"] = launch_rush.start_allocator(env)
        wait_until(allocator_holds_lock, 60, "the allocator")
        processes["standby"] = launch_rush.start_allocator(env)
        wait_until(lambda: answers(port), 60, "gunicorn")
        yield {"redis": redis, "env": env, "port": port, "processes": processes}
    finally:
        for process in processes.values():
            launch_rush.stop(process)
        redis.stop()


def rush_until(site, launch, kill) -> launch_rush.Rush:
    fans = make_fans(FANS)
    sessions = launch_rush.sessions_for(fans)
    rush = launch_rush.Rush(site["port"], launch.pk, list(zip([f.pk for f in fans], sessions, strict=True)), 16)
    rush.start()
    wait_until(lambda: rush.answered >= FANS // 3, 120, "a third of the fans to be answered")
    kill()
    rush.join(300)
    assert rush.answered == FANS
    wait_until(lambda: launch_rush.allocation_done(launch.pk), 120, "the allocator to decide every sign-up")
    assert launch_rush.check(launch.pk, rush.acknowledged) == []
    print(f"{len(rush.acknowledged)} acknowledged, {len(rush.refused)} refused (sold out), {rush.errors} retries")
    return rush


@pytest.mark.django_db(transaction=True)
def test_killing_a_web_worker_mid_rush_loses_no_acknowledged_sign_up(site):
    launch = make_launch(capacity=CAPACITY)
    web = site["processes"]["web"]

    def kill():
        for worker in launch_rush.children(web.pid):
            os.kill(worker, signal.SIGKILL)  # both workers at once; the master starts new ones

    rush_until(site, launch, kill)
    assert web.poll() is None


@pytest.mark.django_db(transaction=True)
def test_killing_the_allocator_mid_rush_hands_over_to_the_standby(site):
    launch = make_launch(capacity=CAPACITY)
    allocator = site["processes"]["allocator"]

    def kill():
        wait_until(lambda: Signup.objects.filter(launch=launch).exclude(state="pending").exists(), 60, "a batch")
        allocator.kill()
        allocator.wait(30)

    rush_until(site, launch, kill)
    assert site["processes"]["standby"].poll() is None


@pytest.mark.django_db(transaction=True)
def test_killing_a_celery_worker_mid_rush_still_tells_every_fan_once(site):
    launch = make_launch(capacity=CAPACITY)
    processes = site["processes"]
    processes["worker"] = launch_rush.start_worker(site["env"], "first")
    group = f"launch:{launch.pk}"

    def kill():
        wait_until(lambda: Notification.objects.filter(group=group).exists(), 60, "the first notices")
        os.killpg(processes["worker"].pid, signal.SIGKILL)
        processes["worker"].wait(30)
        processes["worker"] = launch_rush.start_worker(site["env"], "second")

    rush = rush_until(site, launch, kill)
    decided = set(Signup.objects.filter(launch=launch).values_list("fan_id", flat=True))
    wait_until(lambda: Notification.objects.filter(group=group).count() >= len(decided), 120, "every fan to be told")
    told = list(Notification.objects.filter(group=group).values_list("recipient_id", flat=True))
    assert sorted(told) == sorted(decided)  # each fan once
    assert len(decided) == len(rush.acknowledged)


@pytest.mark.django_db(transaction=True)
def test_killing_redis_mid_rush_opens_the_gate_and_loses_nothing(site):
    launch = make_launch(capacity=CAPACITY)
    redis = site["redis"]

    def kill():
        redis.process.kill()
        redis.process.wait(30)

    rush = rush_until(site, launch, kill)
    redis.start()  # back, empty: the gate starts again from nothing, sessions are read from PostgreSQL
    assert rush.acknowledged
