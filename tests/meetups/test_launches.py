"""Large events: one append-only sign-up per fan, numbered in arrival order; the allocator gives the places."""

import datetime
import json
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.test import Client
from django.utils import timezone

from accounts.models import DailyActivity, Notification
from meetups import allocation, launches
from meetups.launch_models import Launch, Signup
from meetups.locking import RegistrationError
from tests.helpers import race, wait_until
from tests.meetups.factories import make_fans
from tests.meetups.launch_factories import make_launch

ROOT = Path(__file__).resolve().parents[2]


def test_sign_up_is_acknowledged_with_a_number_and_a_repeat_gets_the_same_one(db):
    launch = make_launch()
    first, second = make_fans(2)
    a = launches.sign_up(first, launch)
    b = launches.sign_up(second, launch)
    again = launches.sign_up(first, launch)
    assert (a.number, a.created) == (1, True)
    assert (b.number, b.created) == (2, True)
    assert (again.number, again.created) == (1, False)
    assert Signup.objects.filter(launch=launch).count() == 2


def test_sign_up_takes_no_lock_on_the_launch_row(db):
    """The request path writes only its own row: the launch row is not locked nor updated."""
    launch = make_launch()
    (fan,) = make_fans(1)
    with connection.execute_wrapper(_no_launch_write):
        launches.sign_up(fan, launch)


def _no_launch_write(execute, sql, params, many, context):
    lowered = sql.lower()
    assert "for update" not in lowered and not lowered.startswith("update"), sql
    return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_one_sign_up_per_fan_under_parallel_requests_from_one_account():
    launch = make_launch()
    (fan,) = make_fans(1)
    results = race(*[lambda: launches.sign_up(fan, launch)] * 8)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {r.number for r in results} == {Signup.objects.get(launch=launch, fan=fan).number}
    assert sum(r.created for r in results) == 1
    assert Signup.objects.filter(launch=launch).count() == 1


@pytest.mark.django_db(transaction=True)
def test_sign_ups_made_while_an_insert_runs_share_the_next_insert():
    """Group commit in the web process: while one thread's INSERT waits (here on a lock the test holds),
    the sign-ups of ten more threads queue, and then go in one INSERT, in one commit, in arrival order."""
    launch = make_launch()
    first, *others = make_fans(11)
    answers: dict[int, launches.Acknowledged] = {}

    def sign_up(fan):
        try:
            answers[fan.pk] = launches.sign_up(fan, launch)
        finally:
            connection.close()

    def waiting_on_the_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'meetups_signup'::regclass")
            return cursor.fetchone()[0] == 1

    with transaction.atomic():
        connection.cursor().execute("LOCK TABLE meetups_signup IN SHARE MODE")  # INSERTs wait for the commit
        threads = [threading.Thread(target=sign_up, args=(first,))]
        threads[0].start()
        wait_until(waiting_on_the_lock, what="the first INSERT to wait")
        for fan in others:
            threads.append(threading.Thread(target=sign_up, args=(fan,)))
            threads[-1].start()
            queued = len(threads) - 1
            # The queue is the group's own: peeked at so that the test knows each thread is in it.
            wait_until(lambda queued=queued: len(launches._group._queued[launch.pk].fans) == queued)
    for thread in threads:
        thread.join(60)
    assert [answers[fan.pk].number for fan in (first, *others)] == list(range(1, 12))
    assert all(answer.created for answer in answers.values())
    inserts = Signup.objects.filter(launch=launch).annotate(tx=RawSQL("xmin::text", [])).values_list("tx", flat=True)
    assert sorted(Counter(inserts).values()) == [1, 10]  # two transactions: the first alone, then the ten


@pytest.mark.django_db(transaction=True)
def test_allocator_gives_exactly_the_capacity_in_arrival_order():
    launch = make_launch(capacity=25)
    fans = make_fans(60)
    results = race(*[lambda fan=fan: launches.sign_up(fan, launch) for fan in fans])
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.number for r in results) == list(range(1, 61))
    while allocation.allocate_batch(launch.pk, size=7):
        pass
    launch.refresh_from_db()
    rows = list(Signup.objects.filter(launch=launch).values_list("number", "state"))
    won = sorted(n for n, s in rows if s == Signup.State.WON)
    lost = sorted(n for n, s in rows if s == Signup.State.LOST)
    assert won == list(range(1, 26)) and lost == list(range(26, 61))
    assert launch.allocated == 25 and launch.decided_through == 60
    assert launch.sold_out
    with pytest.raises(RegistrationError, match="All places have been given"):
        launches.sign_up(make_fans(1, prefix="late")[0], launch)


def test_a_sign_up_outside_the_window_is_refused(db):
    now = timezone.now()
    (fan,) = make_fans(1)
    soon = make_launch(opens_at=now + datetime.timedelta(minutes=5), closes_at=now + datetime.timedelta(hours=1))
    with pytest.raises(RegistrationError, match="not opened yet"):
        launches.sign_up(fan, soon)
    over = make_launch(opens_at=now - datetime.timedelta(hours=2), closes_at=now - datetime.timedelta(hours=1))
    with pytest.raises(RegistrationError, match="closed"):
        launches.sign_up(fan, over)
    hidden = make_launch(published=False)
    with pytest.raises(RegistrationError, match="not open"):
        launches.sign_up(fan, hidden)
    assert not Signup.objects.exists()


def test_the_insert_itself_refuses_after_the_window_by_the_servers_clock(db):
    """A request that read the launch as open just before it closed still writes nothing after it."""
    launch = make_launch()
    (fan,) = make_fans(1)
    launch.closes_at = timezone.now() - datetime.timedelta(seconds=1)  # what the database clock says now
    launch.opens_at = launch.closes_at - datetime.timedelta(hours=1)
    Launch.objects.filter(pk=launch.pk).update(closes_at=launch.closes_at, opens_at=launch.opens_at)
    launch.closes_at = timezone.now() + datetime.timedelta(hours=1)  # the stale copy the request holds
    with pytest.raises(RegistrationError, match="closed"):
        launches.sign_up(fan, launch)
    assert not Signup.objects.exists()


def test_eligibility_conditions(db):
    old, young, unverified = make_fans(3)
    (lapsed,) = make_fans(1, prefix="lapsed")
    launch = make_launch(require_verified_email=True, min_account_days=30, require_active=True)
    now = timezone.now()
    old_enough = now - datetime.timedelta(days=90)
    type(old).objects.filter(pk__in=[old.pk, unverified.pk, lapsed.pk]).update(date_joined=old_enough)
    for fan in (old, young, lapsed):
        EmailAddress.objects.create(user=fan, email=fan.email, verified=True, primary=True)
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False, primary=True)
    today = timezone.localdate()
    for fan in (old, young, unverified):
        DailyActivity.objects.create(user=fan, day=today - datetime.timedelta(days=3))
    DailyActivity.objects.create(user=lapsed, day=today)  # only today: woken up for the rush
    for fan in (old, young, unverified, lapsed):
        fan.refresh_from_db()
    assert launches.sign_up(old, launch).created
    with pytest.raises(RegistrationError, match="at least 30 days old"):
        launches.sign_up(young, launch)
    with pytest.raises(RegistrationError, match="verified email"):
        launches.sign_up(unverified, launch)
    with pytest.raises(RegistrationError, match="active on the site"):
        launches.sign_up(lapsed, launch)


def test_staff_see_the_share_of_sign_ups_from_active_fans(db):
    launch = make_launch()
    fans = make_fans(4)
    DailyActivity.objects.create(user=fans[0], day=timezone.localdate() - datetime.timedelta(days=1))
    for fan in fans:
        launches.sign_up(fan, launch)
    counts = launches.counts(launch)
    assert (counts.signups, counts.active, counts.pending) == (4, 1, 4)
    assert counts.active_share == 0.25


@pytest.mark.django_db(transaction=True)
def test_draw_is_reproducible_and_checked_by_verify_draw(tmp_path):
    now = timezone.now()
    launch = make_launch(capacity=5, mode=Launch.Mode.DRAW)
    fans = make_fans(20)
    for fan in fans:
        assert launches.sign_up(fan, launch).state == Signup.State.PENDING
    assert launch.draw_commitment and launch.draw_seed
    assert allocation.run_draw(launch.pk) == 0  # the window is still open
    Launch.objects.filter(pk=launch.pk).update(closes_at=now, opens_at=now - datetime.timedelta(hours=1))
    assert allocation.run_draw(launch.pk) == 20
    assert allocation.run_draw(launch.pk) == 0  # once
    launch.refresh_from_db()
    assert launch.allocated == 5
    record = launch.draw_record
    winners = set(record["result"][:5])
    assert set(Signup.objects.filter(launch=launch, state=Signup.State.WON).values_list("number", flat=True)) == winners
    assert not Signup.objects.filter(launch=launch, state=Signup.State.PENDING).exists()
    path = tmp_path / "draw.json"
    served = Client().get(f"/meetups/launches/{launch.pk}/draw.json")
    path.write_bytes(served.content)
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_draw.py"), str(path)], capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tampered = json.loads(served.content)
    tampered["result"][0], tampered["result"][-1] = tampered["result"][-1], tampered["result"][0]
    path.write_text(json.dumps(tampered))
    check = subprocess.run([sys.executable, str(ROOT / "scripts" / "verify_draw.py"), str(path)], capture_output=True)
    assert check.returncode != 0
    with pytest.raises(RegistrationError):
        launches.sign_up(make_fans(1, prefix="late")[0], launch)


@pytest.mark.django_db(transaction=True)
def test_a_drawn_launch_takes_no_entry_even_from_a_request_that_saw_it_open():
    launch = make_launch(capacity=1, mode=Launch.Mode.DRAW)
    (fan,) = make_fans(1)
    Launch.objects.filter(pk=launch.pk).update(drawn_at=timezone.now())
    with pytest.raises(RegistrationError):
        launches.sign_up(fan, launch)  # `launch` is the stale copy: open, not drawn
    assert not Signup.objects.exists()


def test_outcomes_are_told_once_even_when_the_batch_is_delivered_twice(db):
    launch = make_launch(capacity=2)
    fans = make_fans(3)
    for fan in fans:
        launches.sign_up(fan, launch)
    allocation.allocate_batch(launch.pk)
    ids = list(Signup.objects.filter(launch=launch).values_list("pk", flat=True))
    assert launches.tell_outcomes(launch.pk, ids) == 3
    assert launches.tell_outcomes(launch.pk, ids) == 0
    texts = dict(Notification.objects.filter(group=f"launch:{launch.pk}").values_list("recipient_id", "text"))
    assert len(texts) == 3
    assert "你已获得" in texts[fans[0].pk] and "轮到你之前" in texts[fans[2].pk]  # in the fan's language


def test_allocation_batches_queue_the_notices_through_the_outbox(db):
    from outbox.models import Message

    launch = make_launch(capacity=2)
    for fan in make_fans(3):
        launches.sign_up(fan, launch)
    allocation.allocate_batch(launch.pk)
    (message,) = Message.objects.filter(task="meetups.tasks.tell_launch_outcomes")
    assert message.args[0] == launch.pk and len(message.args[1]) == 3


def test_notices_a_broker_lost_are_queued_again_and_told_once(db):
    from outbox.models import Message

    launch = make_launch(capacity=1)
    fans = make_fans(2)
    for fan in fans:
        launches.sign_up(fan, launch)
    allocation.allocate_batch(launch.pk)
    Message.objects.all().delete()  # Redis lost the tasks it held
    assert allocation.requeue_untold() == 0  # not yet: the task may still be in a long queue
    Signup.objects.update(decided_at=timezone.now() - datetime.timedelta(hours=1))
    assert allocation.requeue_untold() == 2
    (message,) = Message.objects.filter(task="meetups.tasks.tell_launch_outcomes")
    assert launches.tell_outcomes(*message.args) == 2
    assert allocation.requeue_untold() == 0
    assert launches.tell_outcomes(*message.args) == 0  # a second copy tells nobody again
    assert Notification.objects.filter(group=f"launch:{launch.pk}").count() == 2


@pytest.mark.parametrize("days_ago", [None, 0, 1, 29, 30])
def test_the_insert_records_active_as_was_active_says(db, days_ago):
    launch = make_launch()
    (fan,) = make_fans(1)
    if days_ago is not None:
        DailyActivity.objects.create(user=fan, day=timezone.localdate() - datetime.timedelta(days=days_ago))
    launches.sign_up(fan, launch)
    assert Signup.objects.get(fan=fan).active == launches.was_active(fan) == (days_ago in (1, 29))
