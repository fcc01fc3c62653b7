"""Celery tasks: thin, idempotent wrappers over the service desk functions (beat entries in migrations)."""

import datetime
import logging

from celery import shared_task
from django.utils import timezone

from forum.models import Thread
from servicedesk import activity_weeks, alerts, lifecycle, sla, triage

logger = logging.getLogger(__name__)

MISSED_WINDOW = datetime.timedelta(days=2)
MISSED_GRACE = datetime.timedelta(minutes=2)


@shared_task(name="servicedesk.tasks.triage_thread")
def triage_thread(thread_id: int) -> int | None:
    """Apply the keyword rules to a new feedback thread (nothing happens the second time)."""
    ticket = triage.triage(thread_id)
    return ticket.pk if ticket else None


@shared_task(name="servicedesk.tasks.triage_missed")
def triage_missed() -> int:
    """Triage recent feedback threads that have no ticket (say the broker was down when they were posted)."""
    now = timezone.now()
    ids = list(
        Thread.objects.exclude(status="")
        .filter(
            created_at__gte=now - MISSED_WINDOW,
            created_at__lt=now - MISSED_GRACE,
            desk_ticket__isnull=True,
            moved_to_request__isnull=True,
        )
        .values_list("pk", flat=True)[:500]
    )
    for thread_id in ids:
        triage_thread.delay(thread_id)
    return len(ids)


@shared_task(name="servicedesk.tasks.solve_quiet_tickets")
def solve_quiet_tickets() -> int:
    """Solve answered items whose fan has not replied for DeskSettings.auto_solve_days (hourly)."""
    return lifecycle.solve_quiet_tickets()


@shared_task(name="servicedesk.tasks.send_alerts")
def send_alerts() -> int:
    """Tell the desk group about urgent items past the target and claimed items waiting too long (every minute)."""
    return alerts.send_due()


@shared_task(name="servicedesk.tasks.snapshot_activity")
def snapshot_activity() -> int:
    """Store this week's activity rate, overall and per city (run nightly; the week's last run stays)."""
    return activity_weeks.snapshot_week()


@shared_task(name="servicedesk.tasks.check_service_levels")
def check_service_levels() -> int:
    """Warn before and alert at each service level breach, once each (every minute)."""
    return sla.check()
