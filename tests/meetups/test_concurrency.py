"""No overbooking: real threads, each with its own database connection, on real PostgreSQL."""

import threading
import time

import pytest
from django.db import connection, transaction

from accounts.models import Notification
from meetups.locking import TryAgain, lock_meetup
from meetups.models import Registration
from meetups.registration import cancel_registration, register_for_meetup
from tests.helpers import race, wait_until
from tests.meetups.factories import MeetupFactory, make_fans

State = Registration.State
THREADS = 25


def run_in_threads(jobs):
    """Run the callables in THREADS threads released together (tests.helpers.race); return the exceptions raised."""

    def run(chunk):
        errors = []
        for job in chunk:
            try:
                job()
            except Exception as exc:  # noqa: BLE001 - every error is a test failure, collected
                errors.append(exc)
        return errors

    results = race(*[(lambda chunk=jobs[i::THREADS]: run(chunk)) for i in range(THREADS)], timeout=120)
    return [error for result in results for error in (result if isinstance(result, list) else [result])]


def assert_strict_order(meetup, confirmed: int, waiting: int):
    rows = list(Registration.objects.filter(meetup=meetup).order_by("order").values_list("order", "state"))
    orders = [o for o, _ in rows]
    assert len(orders) == len(set(orders))
    by_state = {s: [o for o, st in rows if st == s] for s in State.values}
    assert len(by_state[State.CONFIRMED]) == confirmed
    assert len(by_state[State.WAITING]) == waiting
    # Nobody waits ahead of a confirmed fan: every waiting fan arrived after every confirmed one.
    if waiting and confirmed:
        assert max(by_state[State.CONFIRMED]) < min(by_state[State.WAITING])


@pytest.mark.django_db(transaction=True)
def test_200_parallel_registrations_fill_40_seats_and_queue_160_in_order():
    meetup = MeetupFactory(capacity=40)
    fans = make_fans(200)
    errors = run_in_threads([lambda f=f: register_for_meetup(f, meetup) for f in fans])
    assert errors == [], f"{len(errors)} errors, e.g. {errors[:3]!r}"
    assert_strict_order(meetup, confirmed=40, waiting=160)
    orders = list(Registration.objects.filter(meetup=meetup).order_by("order").values_list("order", flat=True))
    assert orders == list(range(1, 201))
    assert list(
        Registration.objects.filter(meetup=meetup, state=State.CONFIRMED)
        .values_list("order", flat=True)
        .order_by("order")
    ) == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_cancellations_during_a_rush_promote_each_seat_once_and_keep_the_order():
    meetup = MeetupFactory(capacity=40)
    early = make_fans(50, prefix="early")
    for fan in early:
        register_for_meetup(fan, meetup)  # 40 confirmed, 10 waiting
    seats = list(Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).select_related("fan")[:20])
    late = make_fans(150, prefix="late")
    jobs = [lambda r=r: cancel_registration(r.fan, r) for r in seats]
    jobs += [lambda f=f: register_for_meetup(f, meetup) for f in late]
    jobs = [jobs[i] for i in sorted(range(len(jobs)), key=lambda i: (i * 7919) % len(jobs))]  # interleave
    errors = run_in_threads(jobs)
    assert errors == [], f"{len(errors)} errors, e.g. {errors[:3]!r}"
    assert Registration.objects.filter(meetup=meetup, state=State.CANCELLED).count() == 20
    assert_strict_order(meetup, confirmed=40, waiting=10 + 150 - 20)
    promoted = Registration.objects.filter(meetup=meetup, state=State.CONFIRMED, order__gt=40)
    assert promoted.count() == 20
    # Each promotion notified its fan exactly once.
    notified = Notification.objects.filter(group=f"meetup:{meetup.pk}").values_list("recipient_id", flat=True)
    assert sorted(notified) == sorted(promoted.values_list("fan_id", flat=True))


def someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database())"
        )
        return cursor.fetchone()[0]


def hold_meetup_lock(meetup, release, then=None):
    """In another connection: lock the meetup, run `then` (in that transaction), commit once `release()` is true."""
    locked = threading.Event()

    def holder():
        try:
            with transaction.atomic():
                lock_meetup(meetup.pk)
                if then:
                    then()
                locked.set()
                wait_until(release, what="the moment to release the meetup lock")
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_fan_waiting_for_the_lock_counts_the_seat_taken_by_the_holder():
    """The count runs in a statement that starts after the lock is granted, so it sees the seat."""
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    first, second = make_fans(2)
    # The holder commits only once the second fan's statement is queued behind its lock.
    thread = hold_meetup_lock(meetup, someone_waits_for_a_lock, then=lambda: register_for_meetup(first, meetup))
    registration = register_for_meetup(second, meetup)
    thread.join()
    assert registration.state == State.WAITING
    assert_strict_order(meetup, confirmed=1, waiting=1)


@pytest.mark.django_db(transaction=True)
def test_a_lock_held_over_3_seconds_tells_the_fan_to_try_again_and_writes_nothing():
    meetup = MeetupFactory()
    (fan,) = make_fans(1)
    released = threading.Event()
    thread = hold_meetup_lock(meetup, released.is_set)
    began = time.monotonic()
    with pytest.raises(TryAgain):
        register_for_meetup(fan, meetup)
    assert 2.5 < time.monotonic() - began < 3.9
    released.set()
    thread.join()
    assert not Registration.objects.filter(meetup=meetup).exists()
    assert register_for_meetup(fan, meetup).state == State.CONFIRMED  # and trying again works
