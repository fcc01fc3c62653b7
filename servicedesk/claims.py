"""Staff work on the queue: claim an item, answer it (the reply posts in the thread), hand it back.

A claim is one conditional UPDATE (`... WHERE claimed_by IS NULL`): when two staff claim at once,
PostgreSQL makes the second UPDATE wait for the first and then re-check its WHERE, so exactly one
row is updated and the other person is told who has it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_desk_staff
from forum.models import Post
from forum.posting import post_reply
from servicedesk.models import Ticket


class AlreadyClaimed(ValidationError):
    def __init__(self, ticket: Ticket):
        if ticket.answered_at:
            message = _("This item was already answered.")
        elif ticket.claimed_by_id:
            message = _("%(name)s has already claimed this item.") % {"name": ticket.claimed_by.public_name}
        else:
            message = _("This item is not in the queue.")
        super().__init__(message, code="claimed")
        self.ticket = ticket


def _require_staff(user: User) -> None:
    if not is_desk_staff(user):
        raise PermissionDenied


def _current(ticket_id: int) -> Ticket:
    return Ticket.objects.select_related("claimed_by").get(pk=ticket_id)


def claim(staff: User, ticket_id: int) -> Ticket:
    """Take an open item so nobody else answers it; raise AlreadyClaimed if someone was faster."""
    _require_staff(staff)
    open_items = Ticket.objects.filter(pk=ticket_id, escalated_at__isnull=False, answered_at__isnull=True)
    won = open_items.filter(claimed_by__isnull=True).update(claimed_by=staff, claimed_at=timezone.now())
    ticket = _current(ticket_id)
    if not won and not (ticket.claimed_by_id == staff.pk and ticket.answered_at is None):
        raise AlreadyClaimed(ticket)
    return ticket


def hand_back(staff: User, ticket_id: int) -> Ticket:
    """Put a claimed item back in the queue (the claimer, or a superuser for someone who left)."""
    _require_staff(staff)
    mine = Q(claimed_by=staff) if not staff.is_superuser else Q(claimed_by__isnull=False)
    Ticket.objects.filter(mine, pk=ticket_id, answered_at__isnull=True).update(claimed_by=None, claimed_at=None)
    return _current(ticket_id)


def answer(staff: User, ticket_id: int, body: str) -> Post:
    """Reply in the thread as staff (this stops the clock) and close the item.

    An unclaimed item is claimed on the way; an item someone else claimed is refused.
    """
    _require_staff(staff)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("claimed_by", "thread").get(pk=ticket_id)
        if ticket.answered_at is not None or (ticket.claimed_by_id not in (None, staff.pk)):
            raise AlreadyClaimed(ticket)
        post = post_reply(staff, ticket.thread, body)
        now = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(
            claimed_by=staff, claimed_at=ticket.claimed_at or now, answered_by=staff, answered_at=now
        )
    return post
