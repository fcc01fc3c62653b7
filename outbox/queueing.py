"""Queueing Celery work from the functions that write, so that no work is lost when the broker is down.

`enqueue` takes the task's registered name (`enqueue("forum.tasks.process_attachment", attachment.pk)`),
so a module that writes never imports its app's `tasks.py`, which imports it back. The name and the
arguments are checked against Celery's registry at the call, so a misspelt name or a wrong argument
fails in the caller, not later in a worker.

It writes an outbox row in the caller's transaction and sends the task once that transaction commits.
If the broker does not answer, the request still succeeds and the row stays unsent; the sweeper
(`outbox.tasks.send_pending`, every minute and whenever a worker starts) sends it when the broker is
back. A message can therefore arrive twice (sent, but the broker's answer or our `sent_at` update was
lost): every task is idempotent, and a task whose effect cannot be checked afterwards (sending a mail)
wraps it in `once`.
"""

import datetime
import importlib
import inspect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from celery import Task, current_app
from django.db import transaction
from django.utils import timezone

from fancity.lib.breaker import Breaker
from outbox.models import Message

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
# The sender after the commit has had this long before the sweeper takes a row over (a send times out in ~1 s).
SWEEP_AFTER = datetime.timedelta(seconds=10)
KEEP_SENT = datetime.timedelta(days=2)
SWEEP_BATCH = 500

broker = Breaker("Celery broker", cooldown=5.0)


def enqueue(name: str, *args, **kwargs) -> None:
    """Queue the task registered as `name` with `*args, **kwargs`: saved with the caller's data, sent to
    Celery after the commit. LookupError for a name no task has; TypeError for arguments it does not take."""
    inspect.signature(registered(name).run).bind(*args, **kwargs)
    message = Message.objects.create(task=name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(_send_after_commit, message))


def registered(name: str) -> Task:
    """The task registered as `name` (`<app>.tasks.<verb>`), or LookupError (TypeError for a non-name).

    A web process has imported only the tasks modules something else imported, so on a miss the module
    the name points to is imported first (it registers its tasks), as a worker does when it starts.
    """
    if not isinstance(name, str):
        raise TypeError(f"Queue a task by its name ({getattr(name, 'name', name)!r}), not {name!r}")
    module = name.rpartition(".")[0]
    if name not in current_app.tasks and module:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if not f"{module}.".startswith(f"{error.name}."):
                raise  # the module exists but imports something missing: that is not a misspelt name
    try:
        return current_app.tasks[name]
    except KeyError:
        raise LookupError(f"No Celery task is registered as {name!r}") from None


def _publish(message: Message) -> bool:
    """Hand `message` to the broker; False (and logged) when the broker does not take it."""
    if broker.is_open():
        return False
    try:
        with current_app.producer_or_acquire() as producer:
            try:
                # One connection attempt: kombu's own loop would retry for seconds while the request waits.
                producer.connection.ensure_connection(max_retries=0)
                current_app.send_task(
                    message.task,
                    args=message.args,
                    kwargs=message.kwargs,
                    task_id=f"{TASK_ID_PREFIX}{message.pk}",
                    retry=False,
                    producer=producer,
                )
            except Exception:
                producer.connection.close()  # drop a socket the broker may have closed; the next send reconnects
                raise
    except Exception as error:  # noqa: BLE001 - any broker failure leaves the row for the sweeper
        logger.warning("Could not queue %s (outbox #%s): %s; the sweeper will send it", message.task, message.pk, error)
        broker.trip(error)
        return False
    return True


def _send_after_commit(message: Message) -> None:
    if _publish(message):
        Message.objects.filter(pk=message.pk).update(sent_at=timezone.now())


def send_pending() -> int:
    """Send what was not sent after its commit (the broker was down, the process died); returns how many.

    Rows are locked with SKIP LOCKED, so two sweepers never send the same row.
    """
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                Message.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, created_at__lt=timezone.now() - SWEEP_AFTER)
                .order_by("created_at")[:SWEEP_BATCH]
            )
            done = [row.pk for row in rows if _publish(row)]
            Message.objects.filter(pk__in=done).update(sent_at=timezone.now())
        sent += len(done)
        if len(done) < SWEEP_BATCH:
            break
    Message.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return sent


def message_id(task_id: str | None) -> int | None:
    """The outbox row a Celery task id stands for, or None for a task sent some other way (beat, delay)."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    suffix = task_id[len(TASK_ID_PREFIX) :]
    return int(suffix) if suffix.isascii() and suffix.isdigit() else None


@contextmanager
def once(task_id: str | None) -> Iterator[bool]:
    """Yield True the first time the message behind `task_id` is handled, False for a repeat delivery.

    The row stays locked until the block ends, and is marked done only if the block does not raise,
    so a delivery that fails (and is retried) or dies half-way is handled again, and two copies
    running at once wait for each other. A task sent some other way always runs.
    """
    pk = message_id(task_id)
    if pk is None:
        yield True
        return
    with transaction.atomic():
        row = Message.objects.select_for_update().filter(pk=pk).values_list("done_at").first()
        first = row is None or row[0] is None  # a row already purged counts as new: better twice than never
        yield first
        if first:
            Message.objects.filter(pk=pk).update(done_at=timezone.now())
