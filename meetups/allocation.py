"""The one allocator: gives a launch's places in order, in batches, after the sign-ups are written.

Exactness lives here, not in the request. The request only appends a numbered row
(meetups/launches.py); this module decides rows in number order and adds the places given to
`Launch.allocated` once per batch, in the same transaction as the rows it decides, under the launch
row's lock. A batch that dies half-way (the process is killed) rolls back as a whole and the next
allocator does it again; `Launch.allocated` can never pass the capacity (a CHECK constraint).

**Order without gaps.** A sign-up takes its number (`nextval`) inside its INSERT and commits a moment
later, so number 7 may commit after number 8. Before a batch the allocator reads the sequence's last
value L and then waits until every transaction that holds a write lock on the sign-up table at that
moment has ended (`wait_for_inserts_in_flight`, reading `pg_locks`: it blocks no one). An INSERT
takes that lock before it takes its number, so afterwards every number up to L is either committed or
never will be, and the batch decides only numbers up to L. No fan is ever decided before an earlier
number.

**One allocator.** `run` holds a session-level PostgreSQL advisory lock for as long as it allocates;
a second allocator started beside it waits on standby and takes over within a second of the first
one's death (its connection closes, PostgreSQL releases the lock). Two allocators at once would still
be exact: each batch locks the launch row first and reads the rows after the lock was granted.

**The draw** (mode DRAW): once the window has closed, the allocator marks the launch drawn
(`drawn_at`; from then on the INSERT refuses), waits for inserts in flight as above, and orders every
entry with meetups/draw.py's algorithm and the seed committed when the launch was created (every
weight 1: one entry, one chance). The record is the meetup draw's format, so scripts/verify_draw.py
checks it.
"""

import datetime
import logging
import time

from django.db import connection, transaction
from django.utils import timezone

from fancity.lib import raw
from meetups import draw
from meetups.launch_models import Launch, Signup
from outbox.queueing import enqueue

logger = logging.getLogger(__name__)

State = Signup.State
BATCH = 5000
TELL_CHUNK = 500
IDLE_SLEEP = 0.1
SIGNUPS = Signup._meta.db_table
LAUNCHES = Launch._meta.db_table
ALLOCATOR_LOCK = "meetups.allocator"
UNTOLD_AFTER = datetime.timedelta(minutes=15)
SWEEP_EVERY = 60.0


def last_number(launch: Launch) -> int:
    value, called = raw.fetch(f"SELECT last_value, is_called FROM {launch.line_sequence}", [], prepare=False)[0]
    return value if called else 0


def wait_for_inserts_in_flight(timeout: float = 30.0) -> None:
    """Return once every transaction that holds a write lock on the sign-up table now has ended."""
    holders = raw.fetch(
        "SELECT array_agg(DISTINCT virtualtransaction) FROM pg_locks WHERE locktype = 'relation' "
        "AND relation = %s::regclass AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()",
        [SIGNUPS],
    )[0][0]
    deadline = time.monotonic() + timeout
    while holders:
        holders = raw.fetch(
            "SELECT array_agg(DISTINCT virtualtransaction) FROM pg_locks "
            "WHERE virtualtransaction = ANY(%s) AND locktype = 'relation' AND relation = %s::regclass",
            [holders, SIGNUPS],
        )[0][0]
        if holders and time.monotonic() > deadline:
            raise TimeoutError(f"inserts still in flight after {timeout}s: {holders}")
        if holders:
            time.sleep(0.001)


def allocate_batch(launch_id: int, size: int = BATCH) -> int:
    """Decide the next `size` sign-ups of a first-come launch in number order; returns how many were decided."""
    launch = Launch.objects.get(pk=launch_id)
    through = last_number(launch)
    if through <= launch.decided_through:
        return 0
    wait_for_inserts_in_flight()
    with transaction.atomic():
        launch = Launch.objects.select_for_update().get(pk=launch_id)
        rows = raw.fetch(
            f"SELECT id, number FROM {SIGNUPS} WHERE launch_id = %s AND number > %s AND number <= %s "
            "ORDER BY number LIMIT %s",
            [launch.pk, launch.decided_through, through, size],
        )
        free = launch.capacity - launch.allocated
        ids = [pk for pk, _number in rows]
        won = ids[:free]
        _decide(ids, won)
        launch.allocated += len(won)
        launch.decided_through = rows[-1][1] if len(rows) == size else through
        launch.save(update_fields=["allocated", "decided_through"])
        _tell(launch.pk, ids)
    return len(ids)


def _decide(ids: list[int], won: list[int]) -> None:
    if not ids:
        return
    states = [State.WON if i < len(won) else State.LOST for i in range(len(ids))]
    raw.fetch(
        f"UPDATE {SIGNUPS} s SET state = d.state, decided_at = now() "
        "FROM unnest(%s::bigint[], %s::text[]) AS d(id, state) WHERE s.id = d.id AND s.state = 'pending' "
        "RETURNING s.id",
        [ids, [str(s) for s in states]],
    )


def _tell(launch_id: int, ids: list[int]) -> None:
    """Queue the outcome notices (with the batch's transaction, through the outbox), in chunks."""
    for start in range(0, len(ids), TELL_CHUNK):
        enqueue("meetups.tasks.tell_launch_outcomes", launch_id, ids[start : start + TELL_CHUNK])


def run_draw(launch_id: int) -> int:
    """Draw a closed launch's places among every entry; returns the number of entries (0: not due)."""
    with transaction.atomic():
        launch = Launch.objects.select_for_update().get(pk=launch_id)
        if launch.draw_record is not None or launch.mode != Launch.Mode.DRAW or launch.closes_at > timezone.now():
            return 0
        if launch.drawn_at is None:  # from this commit on, the INSERT refuses (meetups.launches.SIGN_UP_SQL)
            launch.drawn_at = timezone.now()
            launch.save(update_fields=["drawn_at"])
    wait_for_inserts_in_flight()
    with transaction.atomic():
        launch = Launch.objects.select_for_update().get(pk=launch_id)
        if launch.draw_record is not None:
            return 0
        entries = raw.fetch(
            f"SELECT id, number FROM {SIGNUPS} WHERE launch_id = %s AND state = 'pending' ORDER BY number",
            [launch.pk],
        )
        by_number = {number: pk for pk, number in entries}
        order = draw.draw_order(launch.draw_seed, [(number, 1.0) for number in by_number])
        seats = min(launch.capacity - launch.allocated, len(order))
        ids = [by_number[number] for number in order]
        _decide(ids, ids[:seats])
        launch.allocated += seats
        launch.decided_through = max(by_number, default=launch.decided_through)
        launch.draw_record = {
            "launch": launch.pk,
            "commitment": launch.draw_commitment,
            "seed": launch.draw_seed,
            "seats": seats,
            "algorithm": draw.ALGORITHM + "; every weight is 1 (one entry, one chance)",
            "applicants": [{"application": number, "weight": 1.0} for number in sorted(by_number)],
            "result": order,
        }
        launch.save(update_fields=["allocated", "decided_through", "draw_record"])
        _tell(launch.pk, ids)
    return len(ids)


def due_launches() -> list[tuple[int, str]]:
    """Launches with work for the allocator: first-come ones that have opened (until a day after they
    close), draws whose window has closed and that are not drawn yet."""
    now = timezone.now()
    first_come = Launch.objects.filter(
        published=True, mode=Launch.Mode.FIRST_COME, opens_at__lte=now, closes_at__gt=now - datetime.timedelta(days=1)
    )
    draws = Launch.objects.filter(published=True, mode=Launch.Mode.DRAW, closes_at__lte=now, draw_record__isnull=True)
    return list(first_come.values_list("pk", "mode")) + list(draws.values_list("pk", "mode"))


def allocate_due() -> int:
    """One pass over every due launch; returns how many sign-ups were decided."""
    decided = 0
    for launch_id, mode in due_launches():
        if mode == Launch.Mode.DRAW:
            decided += run_draw(launch_id)
        else:
            while n := allocate_batch(launch_id):
                decided += n
    return decided


def requeue_untold(older_than: datetime.timedelta = UNTOLD_AFTER, limit: int = 50_000) -> int:
    """Queue the notices again for sign-ups decided `older_than` ago and still not told; returns how many.

    The outbox gets every notice task to the broker; this covers a broker that lost what it held (Redis
    killed without its append-only file). A task still waiting in a long queue may be queued twice: the
    task tells each fan once whatever it is given (launches.tell_outcomes).
    """
    rows = raw.fetch(
        f"SELECT launch_id, id FROM {SIGNUPS} WHERE notified_at IS NULL AND state <> 'pending' "
        "AND decided_at < now() - %s ORDER BY launch_id, id LIMIT %s",
        [older_than, limit],
    )
    by_launch: dict[int, list[int]] = {}
    for launch_id, pk in rows:
        by_launch.setdefault(launch_id, []).append(pk)
    with transaction.atomic():
        for launch_id, ids in by_launch.items():
            _tell(launch_id, ids)
    return len(rows)


def try_become_allocator() -> bool:
    """Take the allocator's session-level advisory lock on this connection, if no other process holds it."""
    return raw.fetch("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [ALLOCATOR_LOCK], prepare=False)[0][0]


def run(stop=lambda: False, idle_sleep: float = IDLE_SLEEP) -> None:
    """The allocator's loop (manage.py allocate_places): standby until it holds the lock, then allocate."""
    connection.ensure_connection()
    while not stop():
        if try_become_allocator():
            break
        time.sleep(1.0)
    logger.info("allocator: running (pid %s)", connection.connection.info.backend_pid if connection.connection else "?")
    swept = time.monotonic()
    while not stop():
        if not allocate_due():
            time.sleep(idle_sleep)
        if time.monotonic() - swept > SWEEP_EVERY:
            requeue_untold()
            swept = time.monotonic()
