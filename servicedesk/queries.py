"""Reads the staff queue pages share, with their joins set (a fixed number of queries per page)."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Subquery
from django.utils import timezone

from fancity.lib import raw
from forum.models import Thread
from forum.reading.queries import Pages
from meetups.queries import my_past
from servicedesk import sla
from servicedesk.models import (
    OPEN_STATES,
    CannedReply,
    PrivateMessage,
    PrivateRequest,
    Rating,
    SavedView,
    Team,
    Ticket,
    TicketEvent,
    TicketNote,
    TicketState,
)
from servicedesk.search import matching

QUEUE_PAGE = 50


QUEUE_RELATED = ("thread", "thread__author", "request", "request__fan", "city", "claimed_by", "rule", "team")


def open_tickets(state: str | None = None) -> QuerySet[Ticket]:
    """Escalated items a person must act on (new, claimed, reopened): most urgent, then longest waiting first."""
    states = [state] if state in OPEN_STATES else OPEN_STATES
    return (
        Ticket.objects.filter(escalated_at__isnull=False, state__in=states)
        .select_related(*QUEUE_RELATED)
        .order_by("-priority", "waiting_since", "pk")
    )


SCOPES = ("mine", "team", "unassigned")


@dataclass(frozen=True)
class QueueSearch:
    """What an agent filters the queue by (servicedesk.forms.QueueSearchForm reads it from the URL)."""

    scope: str = ""  # "", mine, team (my teams'), unassigned (no agent)
    q: str = ""  # words in the fan's text
    tag: str = ""
    agent: int | None = None
    team: int | None = None
    rule: int | None = None
    state: str = ""  # an open state, or "answered"/"solved"/"all" to look past the queue
    older_than_hours: int | None = None
    breached: bool = False

    def query_string(self, **change) -> str:
        """The URL parameters of this search (what a saved view stores), empty values left out."""
        values = {**self.__dict__, **change}
        values["breached"] = "1" if values["breached"] else ""
        return urlencode({k: v for k, v in values.items() if v not in ("", None, False)})

    @property
    def is_filtered(self) -> bool:
        return self != QueueSearch(scope=self.scope, state=self.state)


def _my_teams(viewer_id: int):
    return Subquery(Team.members.through.objects.filter(user_id=viewer_id).values("team_id"))


def _scope(viewer_id: int, scope: str) -> Q:
    if scope == "mine":
        return Q(claimed_by_id=viewer_id)
    if scope == "team":
        return Q(team_id__in=_my_teams(viewer_id))
    if scope == "unassigned":
        return Q(claimed_by__isnull=True)
    return Q()


def searched(viewer_id: int, search: QueueSearch, now: datetime.datetime | None = None) -> QuerySet[Ticket]:
    """The tickets `search` finds, in queue order, joins set. Open items unless a state says otherwise."""
    now = now or timezone.now()
    tickets = open_tickets(search.state if search.state in OPEN_STATES else None)
    if search.state in (TicketState.ANSWERED, TicketState.SOLVED, "all"):
        tickets = Ticket.objects.select_related(*QUEUE_RELATED).order_by("-created_at", "-pk")
        if search.state != "all":
            tickets = tickets.filter(state=search.state)
        tickets = tickets.filter(merged_into__isnull=True)
    tickets = tickets.filter(_scope(viewer_id, search.scope))
    if search.q and (words := matching(search.q)) is not None:
        tickets = tickets.filter(words)
    if search.tag:
        tickets = tickets.filter(tags__name=search.tag)
    if search.agent:
        tickets = tickets.filter(claimed_by_id=search.agent)
    if search.team:
        tickets = tickets.filter(team_id=search.team)
    if search.rule:
        tickets = tickets.filter(rule_id=search.rule)
    if search.older_than_hours:
        tickets = tickets.filter(created_at__lte=now - datetime.timedelta(hours=search.older_than_hours))
    if search.breached:
        tickets = tickets.filter(sla.breached_now(now))
    return tickets


def sidebar_counts(viewer_id: int) -> dict[str, int]:
    """Open items per state, and mine / my teams' / unassigned: one aggregate over the queue's index."""
    return Ticket.objects.filter(escalated_at__isnull=False, state__in=OPEN_STATES).aggregate(
        all=Count("pk"),
        **{state: Count("pk", filter=Q(state=state)) for state in OPEN_STATES},
        mine=Count("pk", filter=_scope(viewer_id, "mine")),
        team=Count("pk", filter=_scope(viewer_id, "team")),
        unassigned=Count("pk", filter=_scope(viewer_id, "unassigned")),
    )


def saved_views(viewer_id: int) -> list[SavedView]:
    return list(SavedView.objects.filter(owner_id=viewer_id).order_by("name", "pk"))


def search_page(tickets: QuerySet[Ticket], page: int, total: int) -> tuple[list[Ticket], Pages]:
    """One page of a search, tags loaded (one query); `page` bounded by `total`."""
    count = max(1, -(-total // QUEUE_PAGE))
    page = min(max(page, 1), count)
    start = (page - 1) * QUEUE_PAGE
    items = list(tickets.prefetch_related("tags")[start : start + QUEUE_PAGE])
    return items, Pages(page, count, page < count)


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
    return (
        Ticket.objects.select_related(
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
            "team",
            "thread__author__city",
            "request__fan__city",
        )
        .prefetch_related("tags")
        .get(pk=pk)
    )


MESSAGES_PAGE = 50


def request_messages(request: PrivateRequest, page: int) -> tuple[list[PrivateMessage], Pages]:
    """One page of a private conversation, oldest first (a request is short: OFFSET on its own index)."""
    total = request.messages.count()
    count = max(1, -(-total // MESSAGES_PAGE))
    page = min(max(page, 1), count)
    start = (page - 1) * MESSAGES_PAGE
    rows = (
        request.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")[start : start + MESSAGES_PAGE]
    )
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


@dataclass(frozen=True)
class FanContext:
    """What the ticket page shows about the fan beside the conversation."""

    tickets: list[Ticket]
    threads: list
    devices: list[str]
    meetups: list


CONTEXT_ROWS = 10


def fan_context(ticket: Ticket) -> FanContext:
    """The fan's earlier tickets and feedback threads, the devices they named, the meetups they attended."""
    fan = ticket.fan
    earlier = list(
        Ticket.objects.filter(Q(thread__author_id=fan.pk) | Q(request__fan_id=fan.pk))
        .exclude(pk=ticket.pk)
        .select_related("thread", "request")
        .order_by("-created_at", "-pk")[:CONTEXT_ROWS]
    )
    threads = list(
        Thread.objects.filter(author_id=fan.pk)
        .exclude(status="")
        .order_by("-created_at", "-pk")
        .only("pk", "title", "status", "created_at", "device_model", "software_version")[:CONTEXT_ROWS]
    )
    devices = [t.device_model for t in [ticket, *earlier] if t.device_model]
    devices += [t.device_model for t in threads if t.device_model]
    attended = [r for r in my_past(fan)[0] if r.checked_in_at is not None]
    return FanContext(tickets=earlier, threads=threads, devices=list(dict.fromkeys(devices)), meetups=attended)


def notes(ticket: Ticket) -> list[TicketNote]:
    return list(ticket.notes.select_related("author").order_by("created_at", "pk"))
