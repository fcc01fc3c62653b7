"""Reads the staff queue pages share, with their joins set (a fixed number of queries per page)."""

import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from fancity.lib import raw
from forum.reading.queries import Pages
from servicedesk.models import (
    OPEN_STATES,
    CannedReply,
    PrivateMessage,
    PrivateRequest,
    Rating,
    Ticket,
    TicketEvent,
    TicketState,
)

QUEUE_PAGE = 50


def open_tickets(state: str | None = None) -> QuerySet[Ticket]:
    """Escalated items a person must act on (new, claimed, reopened): most urgent, then longest waiting first."""
    states = [state] if state in OPEN_STATES else OPEN_STATES
    return (
        Ticket.objects.filter(escalated_at__isnull=False, state__in=states)
        .select_related("thread", "thread__author", "request", "request__fan", "city", "claimed_by", "rule")
        .order_by("-priority", "waiting_since", "pk")
    )


def queue(limit: int = QUEUE_PAGE) -> list[Ticket]:
    return list(open_tickets()[:limit])


def state_totals() -> dict[str, int]:
    """How many items are in each state that matters to the queue (one grouped count on the queue's index,
    one on the index of answered items)."""
    totals: dict[str, int] = dict.fromkeys([*OPEN_STATES, TicketState.ANSWERED], 0)
    rows = (
        Ticket.objects.filter(escalated_at__isnull=False, state__in=OPEN_STATES)
        .values("state")
        .annotate(n=Count("id"))
        .order_by()
    )
    totals.update({row["state"]: row["n"] for row in rows})
    totals[TicketState.ANSWERED] = Ticket.objects.filter(state=TicketState.ANSWERED).count()
    return totals


def queue_page(state: str | None, page: int, total: int) -> tuple[list[Ticket], Pages]:
    """One page of the queue: `page` is bounded by the total, so OFFSET never passes the last item."""
    count = max(1, -(-total // QUEUE_PAGE))
    page = min(max(page, 1), count)
    start = (page - 1) * QUEUE_PAGE
    items = list(open_tickets(state)[start : start + QUEUE_PAGE])
    return items, Pages(page, count, page < count)


def ticket_for_page(pk: int) -> Ticket:
    return Ticket.objects.select_related(
        "thread",
        "thread__author",
        "thread__board",
        "request",
        "request__fan",
        "city",
        "claimed_by",
        "answered_by",
        "rule",
        "auto_post",
    ).get(pk=pk)


MESSAGES_PAGE = 50


def request_messages(request: PrivateRequest, page: int) -> tuple[list[PrivateMessage], Pages]:
    """One page of a private conversation, oldest first (a request is short: OFFSET on its own index)."""
    total = request.messages.count()
    count = max(1, -(-total // MESSAGES_PAGE))
    page = min(max(page, 1), count)
    start = (page - 1) * MESSAGES_PAGE
    rows = request.messages.select_related("author").order_by("created_at", "pk")[start : start + MESSAGES_PAGE]
    return list(rows), Pages(page, count, page < count)


def requests_of(fan) -> list[PrivateRequest]:
    return list(PrivateRequest.objects.filter(fan=fan).select_related("ticket").order_by("-created_at")[:100])


def events(ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("at", "pk"))


def age(ticket: Ticket, now: datetime.datetime | None = None) -> datetime.timedelta:
    """Time the fan waited for the first person: until the first staff reply, or until now."""
    first = ticket.thread.first_staff_reply_at if ticket.thread is not None else ticket.answered_at
    end = first or now or timezone.now()
    return end - ticket.created_at


def waiting(ticket: Ticket, now: datetime.datetime | None = None) -> datetime.timedelta:
    """How long an open item has waited since it (last) joined the queue."""
    return (now or timezone.now()) - (ticket.waiting_since or ticket.escalated_at or ticket.created_at)


_DESK_COLUMNS = raw.Columns(
    Ticket,
    "t",
    ("thread", "priority", "escalated_at", "auto_post", "answered_at", "reason", "state", "answer_post"),
)
# Written in SQL (fancity.lib.raw), as the thread page's own reads: the ORM took longer to build it
# than PostgreSQL takes to run it.
_DESK_SQL = f"""
SELECT {_DESK_COLUMNS.sql}, r.helpful, r.comment FROM {Ticket._meta.db_table} t
LEFT JOIN {Rating._meta.db_table} r ON r.post_id = t.answer_post_id
WHERE t.thread_id = %s ORDER BY t.id LIMIT 1
""".strip()


def desk_state(thread_id: int) -> Ticket | None:
    """What the thread page shows a fan: escalated, or answered automatically, and the latest answer with
    its rating (`rated_helpful`, `rated_comment`; None when not rated) for the rating form. One indexed query:
    the rating (one per answer, a unique index) is joined, so the thread page pays nothing more."""
    rows = raw.fetch(_DESK_SQL, [thread_id])
    if not rows:
        return None
    ticket = _DESK_COLUMNS.build(rows[0], 0)
    assert isinstance(ticket, Ticket)  # its id is not NULL
    ticket.rated_helpful, ticket.rated_comment = rows[0][_DESK_COLUMNS.width :]
    return ticket


def ratings(ticket: Ticket) -> list[Rating]:
    """The fan's ratings of this ticket's answers, newest first (the ticket page)."""
    return list(ticket.ratings.select_related("answered_by", "rule").order_by("-rated_at", "-pk"))


def canned_replies(ticket: Ticket) -> list[tuple[int, str, str]]:
    """(id, title, filled text) of the canned replies in the fan's language (all of them if none is)."""
    fan = ticket.fan
    language = (fan.language or "zh-hans").lower()
    rows = list(CannedReply.objects.order_by("title", "pk"))
    mine = [r for r in rows if r.language == language] or rows
    return [(r.pk, r.title, r.filled(fan.public_name, ticket.subject)) for r in mine]
