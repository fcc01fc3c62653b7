"""Tickets go to a named agent, to a team (a group within the desk), or both; each change is logged.

The agent is the ticket's holder (`Ticket.claimed_by`, the same field a claim sets), so "mine" in the
queue is what I claimed or was given. Assigning locks the ticket row and writes an `assigned` event whose
detail names the agent and team as they were then, so a later rename or departure leaves the history true.
Keyword rules route to a team at triage (`route`), with no event by a person.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from servicedesk.lifecycle import locked, move
from servicedesk.models import Rule, Team, Ticket, TicketEvent, TicketState
from servicedesk.permissions import may_be_assigned, may_work_tickets


def _detail(agent: User | None, team: Team | None) -> str:
    """What the history shows, in the desk's main language (names as they were)."""
    parts = [agent.public_name if agent else "—", team.name if team else "—"]
    return " · ".join(parts)[:200]


def assign(staff: User, ticket_id: int, agent: User | None, team: Team | None) -> Ticket:
    """Give the ticket to `agent` (None: nobody) and `team` (None: no team); nothing changes if both stay.

    A new item given to an agent becomes claimed; taking the agent away from a claimed item puts it back
    to new, as handing back does. The agent, if not the one assigning, is told.
    """
    if not may_work_tickets(staff):
        raise PermissionDenied
    if agent is not None and not may_be_assigned(agent):
        raise ValidationError(_("Only service desk staff can be given tickets."))
    with transaction.atomic():
        ticket = locked(ticket_id)
        if ticket.claimed_by_id == (agent.pk if agent else None) and ticket.team_id == (team.pk if team else None):
            return ticket
        now = timezone.now()
        fields: dict[str, object] = {"team": team}
        to_state = ticket.state
        if ticket.claimed_by_id != (agent.pk if agent else None):
            fields.update(claimed_by=agent, claimed_at=now if agent else None)
            if agent is not None and ticket.state == TicketState.NEW and ticket.escalated_at is not None:
                to_state = TicketState.CLAIMED
            elif agent is None and ticket.state == TicketState.CLAIMED:
                to_state = TicketState.NEW
        move(ticket, to_state, TicketEvent.Kind.ASSIGNED, staff, now, detail=_detail(agent, team), **fields)
        if agent is not None and agent.pk != staff.pk:
            title = ticket.subject
            notify(
                [agent],
                NotificationKind.STAFF,
                lambda: _("You were given the item “%(title)s”") % {"title": title},
                reverse("servicedesk:ticket", args=[ticket.pk]),
                group=f"servicedesk:ticket:{ticket.pk}",
            )
    return ticket


def route(ticket: Ticket, rule: Rule, now: datetime.datetime) -> None:
    """A matching rule sends the item to its team and sets its tags (the caller saves the ticket)."""
    if rule.team_id is not None and ticket.team_id is None:
        ticket.team_id = rule.team_id
    tag_ids = [t.pk for t in rule.tags.all()]
    if tag_ids:
        ticket.tags.add(*tag_ids)


def teams_of(user: User) -> list[int]:
    return list(Team.objects.filter(members=user).values_list("pk", flat=True))
