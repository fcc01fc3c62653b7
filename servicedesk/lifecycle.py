"""A ticket's life: new → claimed → answered (waiting for the fan) → reopened → solved, each step logged.

    new ──claim──▶ claimed ──answer──▶ answered ──fan replies──▶ reopened ──answer──▶ answered …
     ▲                │                   │                         │
     └───hand back────┘                   └──solve (staff, or N days quiet)──▶ solved ──fan writes──▶ reopened

Every change of state goes through `move`, which writes the ticket and a `TicketEvent` (who, when,
from, to) in the caller's transaction, on a row the caller has locked. Staff actions are in
`servicedesk.claims`; what the fan and staff write in the thread itself reaches the desk through
`thread_reply_posted`, which the forum calls after each reply commits (`FORUM_REPLY_HOOKS`).
"""

import datetime
import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from accounts.roles import is_desk_staff
from forum.models import Post
from servicedesk import search, sla
from servicedesk.models import DeskSettings, Priority, Ticket, TicketEvent, TicketState

logger = logging.getLogger(__name__)

AUTO_SOLVE_BATCH = 1000


def move(ticket: Ticket, to_state: str, kind: str, actor: User | None, now: datetime.datetime, **fields) -> None:
    """Put the (locked) ticket in `to_state`, with `fields`, and log it (with `fields["detail"]`, what else
    changed, if given); the caller holds the transaction."""
    detail = str(fields.pop("detail", ""))
    from_state = ticket.state
    fields["state"] = to_state
    if to_state != from_state or not ticket.state_changed_at:
        fields["state_changed_at"] = now
    Ticket.objects.filter(pk=ticket.pk).update(**fields)
    for name, value in fields.items():
        setattr(ticket, name, value)
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor if actor and actor.pk else None, from_state=from_state,
        to_state=to_state, at=now, detail=detail[:200],
    )  # fmt: skip


def locked(ticket_id: int) -> Ticket:
    tickets = Ticket.objects.select_for_update(of=("self",)).select_related("claimed_by", "thread", "request__fan")
    return tickets.get(pk=ticket_id)


def reopen(ticket: Ticket, fan: User, now: datetime.datetime) -> None:
    """The fan wrote again after an answer (or after it was solved): back to the queue, age from now."""
    fields: dict[str, object] = {"waiting_since": now}
    first = ticket.escalated_at is None
    if first:
        fields.update(
            escalated_at=now, priority=max(ticket.priority, Priority.NORMAL), reason=Ticket.Reason.FAN_REPLIED
        )
    fields.update(sla.stamp(ticket, now, resolution_too=first, priority=fields.get("priority")))
    move(ticket, TicketState.REOPENED, TicketEvent.Kind.REOPENED, fan, now, **fields)
    if ticket.claimed_by is not None:  # loaded with the ticket
        title = ticket.subject
        notify(
            [ticket.claimed_by],
            NotificationKind.STAFF,
            lambda: _("The fan replied again: “%(title)s”") % {"title": title},
            reverse("servicedesk:ticket", args=[ticket.pk]),
            group=f"servicedesk:ticket:{ticket.pk}",
        )


def answered_in_thread(ticket: Ticket, staff: User, now: datetime.datetime, post: Post | None = None) -> None:
    """A staff reply made in the thread (not from the desk) answers the open item all the same."""
    extra = {"answer_post": post} if post is not None else {}
    move(
        ticket, TicketState.ANSWERED, TicketEvent.Kind.ANSWERED, staff, now,
        claimed_by=ticket.claimed_by or staff, claimed_at=ticket.claimed_at or now, answered_by=staff, answered_at=now,
        **extra,
    )  # fmt: skip


def thread_reply_posted(post_id: int) -> None:
    """`FORUM_REPLY_HOOKS`: a reply in a thread that has a ticket moves it.

    The fan's reply reopens an answered or solved item; a staff reply answers an open one (so the
    holder's page offers no second answer). Replies by anyone else (other fans, the bot) change nothing.
    """
    post = Post.objects.select_related("thread", "author").filter(pk=post_id).first()
    if post is None or post.floor == 1 or not post.thread.is_feedback:
        return
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update(of=("self",)).select_related("claimed_by", "thread")
        ticket = tickets.filter(thread_id=post.thread_id).first()
        if ticket is None:
            return
        now = timezone.now()
        if post.author_id == post.thread.author_id:
            if ticket.state in (TicketState.ANSWERED, TicketState.SOLVED):
                reopen(ticket, post.author, now)
            search.refresh(ticket)
        elif post.by_staff or is_desk_staff(post.author):
            if ticket.is_open:
                answered_in_thread(ticket, post.author, now, post)
            else:  # a further answer: the one the fan rates now
                Ticket.objects.filter(pk=ticket.pk).update(answer_post=post)


def solve(staff: User, ticket_id: int) -> Ticket:
    """Staff close the item: the fan is helped (a later message from the fan reopens it)."""
    if not is_desk_staff(staff):
        raise PermissionDenied
    with transaction.atomic():
        ticket = locked(ticket_id)
        if ticket.state != TicketState.SOLVED:
            move(ticket, TicketState.SOLVED, TicketEvent.Kind.SOLVED, staff, timezone.now())
    return ticket


def solve_quiet_tickets(now: datetime.datetime | None = None) -> int:
    """Solve answered items whose fan has not replied for `DeskSettings.auto_solve_days` (beat task).

    Rows another transaction holds are skipped (the next run takes them); running it twice solves nothing twice.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=DeskSettings.load().auto_solve_days)
    with transaction.atomic():
        ids = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(state=TicketState.ANSWERED, state_changed_at__lt=cutoff)
            .order_by("state_changed_at")
            .values_list("pk", flat=True)[:AUTO_SOLVE_BATCH]
        )
        Ticket.objects.filter(pk__in=ids).update(state=TicketState.SOLVED, state_changed_at=now)
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket_id=pk, kind=TicketEvent.Kind.AUTO_SOLVED, from_state=TicketState.ANSWERED,
                to_state=TicketState.SOLVED, at=now,
            )
            for pk in ids
        )  # fmt: skip
    return len(ids)
