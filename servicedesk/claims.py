"""Staff work on the queue: claim an item, answer it (the reply posts in the thread), hand it back.

A claim is one conditional UPDATE (`... WHERE claimed_by IS NULL`): when two staff claim at once,
PostgreSQL makes the second UPDATE wait for the first and then re-check its WHERE, so exactly one
row is updated and the other person is told who has it. An answer locks the ticket row first, so of
two staff answering at once the second finds it answered and nothing more is posted. Answering an
item someone else holds needs `confirm=True` (the page asks first).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_desk_staff
from forum.models import Post
from forum.posting import post_reply
from servicedesk import private
from servicedesk.lifecycle import locked, move
from servicedesk.models import OPEN_STATES, PrivateMessage, Ticket, TicketEvent, TicketState


class AlreadyClaimed(ValidationError):
    def __init__(self, ticket: Ticket, message: str | None = None, code: str = "claimed"):
        if message is None:
            if ticket.state in (TicketState.ANSWERED, TicketState.SOLVED):
                message = _("This item was already answered.")
            elif ticket.claimed_by is not None:
                message = _("%(name)s has already claimed this item.") % {"name": ticket.claimed_by.public_name}
            else:
                message = _("This item is not in the queue.")
        super().__init__(message, code=code)
        self.ticket = ticket


class HeldBySomeoneElse(AlreadyClaimed):
    """Someone else holds the item: answering it needs a confirmation."""

    def __init__(self, ticket: Ticket):
        assert ticket.claimed_by is not None
        message = _("%(name)s holds this item. Confirm that you want to answer it instead.") % {
            "name": ticket.claimed_by.public_name
        }
        super().__init__(ticket, message, code="confirm")


def _require_staff(user: User) -> None:
    if not is_desk_staff(user):
        raise PermissionDenied


def _current(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("claimed_by").get(pk=ticket_id)


def claim(staff: User, ticket_id: int) -> Ticket:
    """Take an open item so nobody else answers it; raise AlreadyClaimed if someone was faster."""
    _require_staff(staff)
    now = timezone.now()
    with transaction.atomic():
        won = Ticket.objects.filter(
            pk=ticket_id, escalated_at__isnull=False, state__in=OPEN_STATES, claimed_by__isnull=True
        ).update(
            claimed_by=staff,
            claimed_at=now,
            state=Case(When(state=TicketState.NEW, then=Value(TicketState.CLAIMED)), default=F("state")),
            state_changed_at=Case(When(state=TicketState.NEW, then=Value(now)), default=F("state_changed_at")),
        )
        ticket = _current(ticket_id)
        if won:
            from_state = TicketState.NEW if ticket.state == TicketState.CLAIMED else ticket.state
            TicketEvent.objects.create(
                ticket=ticket, kind=TicketEvent.Kind.CLAIMED, actor=staff, from_state=from_state,
                to_state=ticket.state, at=now,
            )  # fmt: skip
    if not won and not (ticket.claimed_by_id == staff.pk and ticket.state in OPEN_STATES):
        raise AlreadyClaimed(ticket)
    return ticket


def hand_back(staff: User, ticket_id: int) -> Ticket:
    """Put a claimed item back in the queue (the claimer, or a superuser for someone who left)."""
    _require_staff(staff)
    mine = Q(claimed_by=staff) if not staff.is_superuser else Q(claimed_by__isnull=False)
    with transaction.atomic():
        ticket = locked(ticket_id)
        if Ticket.objects.filter(mine, pk=ticket_id, state__in=OPEN_STATES).exists():
            to_state = TicketState.NEW if ticket.state == TicketState.CLAIMED else ticket.state
            move(
                ticket, to_state, TicketEvent.Kind.HANDED_BACK, staff, timezone.now(), claimed_by=None, claimed_at=None
            )
    return _current(ticket_id)


def answer(staff: User, ticket_id: int, body: str, confirm: bool = False) -> Post | PrivateMessage:
    """Reply in the thread as staff (this stops the clock); the item waits for the fan.

    An unclaimed item is claimed on the way; an item someone else holds is answered only with
    `confirm` (and then changes hands); an item already answered is refused.
    """
    _require_staff(staff)
    with transaction.atomic():
        ticket = locked(ticket_id)
        if not ticket.is_open:
            raise AlreadyClaimed(ticket)
        if ticket.claimed_by_id not in (None, staff.pk) and not confirm:
            raise HeldBySomeoneElse(ticket)
        post: Post | PrivateMessage
        if ticket.request is not None:  # loaded with the ticket; ticket.is_private
            post = private.staff_answer(staff, ticket.request, body)
        else:
            assert ticket.thread is not None  # ticket_thread_or_request
            post = post_reply(staff, ticket.thread, body)
        now = timezone.now()
        move(
            ticket, TicketState.ANSWERED, TicketEvent.Kind.ANSWERED, staff, now,
            claimed_by=staff, claimed_at=ticket.claimed_at if ticket.claimed_by_id == staff.pk else now,
            answered_by=staff, answered_at=now, **({} if ticket.is_private else {"answer_post": post}),
        )  # fmt: skip
    return post
