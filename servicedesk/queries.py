"""Reads the staff queue pages share, with their joins set (a fixed number of queries per page)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from servicedesk.models import Ticket

QUEUE_SIZE = 100


def open_tickets() -> QuerySet[Ticket]:
    """Escalated feedback that no staff member has answered yet: most urgent, then oldest first."""
    return (
        Ticket.objects.filter(
            escalated_at__isnull=False, answered_at__isnull=True, thread__first_staff_reply_at__isnull=True
        )
        .select_related("thread", "thread__author", "city", "claimed_by", "rule")
        .order_by("-priority", "created_at", "pk")
    )


def queue(limit: int = QUEUE_SIZE) -> list[Ticket]:
    return list(open_tickets()[:limit])


def ticket_for_page(pk: int) -> Ticket:
    return Ticket.objects.select_related(
        "thread", "thread__author", "thread__board", "city", "claimed_by", "answered_by", "rule", "auto_post"
    ).get(pk=pk)


def age(ticket: Ticket, now: datetime.datetime | None = None) -> datetime.timedelta:
    """Time waited for a person: until the first staff reply, or until now."""
    end = ticket.thread.first_staff_reply_at or now or timezone.now()
    return end - ticket.created_at


def desk_state(thread_id: int) -> Ticket | None:
    """What the thread page shows a fan: escalated, or answered automatically (one indexed query)."""
    return (
        Ticket.objects.filter(thread_id=thread_id)
        .only("id", "thread_id", "priority", "escalated_at", "auto_post_id", "answered_at", "reason")
        .first()
    )
