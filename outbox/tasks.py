"""Celery tasks of the outbox (the beat entry is in the migrations)."""

import logging

from celery import shared_task

from outbox import queueing

logger = logging.getLogger(__name__)


@shared_task(name="outbox.tasks.send_pending")
def send_pending() -> int:
    return queueing.send_pending()


def sweep_after_worker_start(sender=None, **kwargs) -> None:
    """Connected to Celery's worker_init: queue one sweep now rather than at the next minute."""
    try:
        send_pending.delay()
    except Exception:  # noqa: BLE001 - the beat schedule sweeps a minute later anyway
        logger.exception("Could not queue the outbox sweep at worker start")
