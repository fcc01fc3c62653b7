"""Merging a duplicate into another ticket of the same fan: nothing is lost, and the fan is told once.

`merge(staff, duplicate_id, into_id)` locks both rows (lowest id first, so two staff merging the same
pair in opposite directions cannot deadlock; the second finds one already merged and is refused) and:

- moves the duplicate's history (its `TicketEvent`s), internal notes, ratings and tags to the ticket it
  joins, and, when both are private requests, its messages into the kept request (in their time order);
  a public feedback thread stays where it is, readable and linked from the kept ticket;
- closes the duplicate (solved, `merged_into` set) with a `merged` event on both tickets;
- tells the fan once, with a link to where the conversation continues (the notification is grouped by
  the duplicate, and a second merge of the same pair is refused before anything is written).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from servicedesk import search
from servicedesk.lifecycle import move
from servicedesk.models import PrivateMessage, Rating, Ticket, TicketEvent, TicketNote, TicketState
from servicedesk.permissions import may_work_tickets


def _fan_id(ticket: Ticket) -> int:
    if ticket.thread is not None:
        return ticket.thread.author_id
    assert ticket.request is not None
    return ticket.request.fan_id


def fan_url(ticket: Ticket) -> str:
    """Where the fan reads this ticket's conversation."""
    if ticket.request is not None:
        return ticket.request.get_absolute_url()
    assert ticket.thread is not None
    return ticket.thread.get_absolute_url()


def merge(staff: User, duplicate_id: int, into_id: int) -> Ticket:
    if not may_work_tickets(staff):
        raise PermissionDenied
    if duplicate_id == into_id:
        raise ValidationError(_("An item cannot be merged into itself."))
    with transaction.atomic():
        rows = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("thread", "request", "claimed_by")
            .filter(pk__in=[duplicate_id, into_id])
            .order_by("pk")
        )
        found = {t.pk: t for t in rows}
        if len(found) != 2:
            raise ValidationError(_("There is no item with that number."))
        duplicate, into = found[duplicate_id], found[into_id]
        if duplicate.merged_into_id is not None or into.merged_into_id is not None:
            raise ValidationError(_("One of these items was already merged."))
        if _fan_id(duplicate) != _fan_id(into):
            raise ValidationError(_("Only items from the same fan can be merged."))
        now = timezone.now()
        TicketEvent.objects.filter(ticket=duplicate).update(ticket=into)
        TicketNote.objects.filter(ticket=duplicate).update(ticket=into)
        Rating.objects.filter(ticket=duplicate).update(ticket=into)
        into.tags.add(*duplicate.tags.all())
        if duplicate.request is not None and into.request is not None:
            PrivateMessage.objects.filter(request=duplicate.request).update(request=into.request)
        label = _("into %(item)s") % {"item": f"#{into.pk} {into.subject}"}
        move(duplicate, TicketState.SOLVED, TicketEvent.Kind.MERGED, staff, now, detail=label, merged_into=into)
        move(
            into, into.state, TicketEvent.Kind.MERGED, staff, now,
            detail=_("%(item)s joined it") % {"item": f"#{duplicate.pk} {duplicate.subject}"},
        )  # fmt: skip
        search.refresh(into)
        fan = User.objects.get(pk=_fan_id(into))
        old, new = duplicate.subject, into.subject
        notify(
            [fan],
            NotificationKind.FEEDBACK,
            lambda: _("Your messages “%(old)s” and “%(new)s” are about the same thing: we continue in “%(new)s”.")
            % {"old": old, "new": new},
            fan_url(into),
            group=f"servicedesk:merged:{duplicate.pk}",
        )
    return into
