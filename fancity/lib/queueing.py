"""Queueing Celery work from the functions that write: after the commit, never failing the request."""

import logging
from functools import partial

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits.

    The data is already saved when the task is sent, so a broker that is down is logged (and the
    work can be replayed from the rows) instead of turning a successful request into a 500.
    """
    transaction.on_commit(partial(_send, task, args, kwargs))


def _send(task: Task, args: tuple, kwargs: dict) -> None:
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception:
        logger.exception("Could not queue %s; the broker did not answer", task.name)
