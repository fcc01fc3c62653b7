"""Service levels: a first answer and a solution within a target per priority, counted in business hours.

Staff set the targets (`SlaTarget`, one per priority), the opening hours per weekday (`BusinessHours`)
and the days the desk is closed (`Holiday`) in the admin. When an item joins the queue (escalated, or
reopened by the fan) its due times are stamped on it (`Ticket.response_due`, `resolution_due`), so the
queue filters and sorts on a column; a later change of hours applies to items that join after it.

`check` (the beat task `servicedesk.tasks.check_service_levels`, every minute) writes one `SlaEvent`
per (ticket, target, stage, due time), inserted with ON CONFLICT DO NOTHING in the transaction that
notifies, so a warning before the due time and a breach at it each go out once, however often and
however concurrently the task runs. Breach rows keep the priority, team and agent of that moment: the
weekly breach report counts them.
"""

import datetime
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from fancity.lib.rows import insert_once
from servicedesk.models import OPEN_STATES, BusinessHours, Holiday, SlaEvent, SlaTarget, Ticket
from servicedesk.permissions import assignable_agents

BATCH = 200
MAX_DAYS = 400  # a target longer than this many calendar days of opening hours is never reached


def _opening(day: datetime.date, hours: dict[int, list[tuple[datetime.time, datetime.time]]], holidays: set):
    if day in holidays:
        return []
    return hours.get(day.weekday(), [])


def add_business_minutes(
    start: datetime.datetime,
    minutes: int,
    hours: dict[int, list[tuple[datetime.time, datetime.time]]],
    holidays: Iterable[datetime.date],
) -> datetime.datetime:
    """The moment `minutes` of opening hours after `start` (in the site's time zone)."""
    closed = set(holidays)
    local = timezone.localtime(start)
    zone = local.tzinfo
    left = datetime.timedelta(minutes=minutes)
    day = local.date()
    for _n in range(MAX_DAYS):
        for opens, closes in _opening(day, hours, closed):
            begin = datetime.datetime.combine(day, opens, tzinfo=zone)
            end = datetime.datetime.combine(day, closes, tzinfo=zone)
            begin = max(begin, local)
            if begin >= end:
                continue
            if end - begin >= left:
                return begin + left
            left -= end - begin
        day += datetime.timedelta(days=1)
    return local + datetime.timedelta(days=MAX_DAYS)


def calendar() -> tuple[dict[int, list[tuple[datetime.time, datetime.time]]], list[datetime.date]]:
    hours: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for row in BusinessHours.objects.order_by("weekday", "opens"):
        hours.setdefault(row.weekday, []).append((row.opens, row.closes))
    today = timezone.localdate()
    holidays = list(Holiday.objects.filter(day__gte=today - datetime.timedelta(days=1)).values_list("day", flat=True))
    return hours, holidays


def due_times(priority: int, start: datetime.datetime) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """When the first answer and the solution are due for an item of `priority` that joined at `start`."""
    target = SlaTarget.objects.filter(priority=priority).first()
    if target is None:
        return None, None
    if target.around_the_clock:
        return (
            start + datetime.timedelta(minutes=target.response_minutes),
            start + datetime.timedelta(minutes=target.resolution_minutes),
        )
    hours, holidays = calendar()
    if not hours:  # no opening hours set: count every hour rather than never
        hours = {d: [(datetime.time(0), datetime.time(23, 59, 59))] for d in range(7)}
    return (
        add_business_minutes(start, target.response_minutes, hours, holidays),
        add_business_minutes(start, target.resolution_minutes, hours, holidays),
    )


def stamp(ticket: Ticket, start: datetime.datetime, resolution_too: bool, priority: object = None) -> dict:
    """The due fields for an item joining the queue at `start` (the caller writes them)."""
    response, resolution = due_times(int(priority or ticket.priority), start)  # type: ignore[call-overload]
    fields: dict[str, object] = {"response_due": response}
    if resolution_too or ticket.resolution_due is None:
        fields["resolution_due"] = resolution
    return fields


def _not_done(target: str, stage: str, due: str):
    return ~Exists(SlaEvent.objects.filter(ticket=OuterRef("pk"), target=target, stage=stage, due_at=OuterRef(due)))


def due(now: datetime.datetime) -> list[tuple[Ticket, str, str, datetime.datetime]]:
    """(ticket, target, stage, due time) for every item that newly came near or passed a target."""
    warn = {t.priority: datetime.timedelta(minutes=t.warn_minutes) for t in SlaTarget.objects.all()}
    found: list[tuple[Ticket, str, str, datetime.datetime]] = []
    waiting = Ticket.objects.filter(escalated_at__isnull=False, state__in=OPEN_STATES, response_due__isnull=False)
    # The solution clock alerts only while a person must act: an answered item waits for the fan.
    unsolved = Ticket.objects.filter(escalated_at__isnull=False, state__in=OPEN_STATES, resolution_due__isnull=False)
    related = ("thread", "request", "claimed_by", "team")
    for target, tickets, column in (
        (SlaEvent.Target.RESPONSE, waiting, "response_due"),
        (SlaEvent.Target.RESOLUTION, unsolved, "resolution_due"),
    ):
        breached = tickets.filter(_not_done(target, SlaEvent.Stage.BREACH, column), **{f"{column}__lte": now})
        for t in breached.select_related(*related)[:BATCH]:
            found.append((t, target, SlaEvent.Stage.BREACH, getattr(t, column)))
        soon = Q()
        for priority, before in warn.items():
            soon |= Q(priority=priority, **{f"{column}__lte": now + before})
        if warn:
            near = tickets.filter(soon, _not_done(target, SlaEvent.Stage.WARNING, column), **{f"{column}__gt": now})
            for t in near.select_related(*related)[:BATCH]:
                found.append((t, target, SlaEvent.Stage.WARNING, getattr(t, column)))
    return found


def _recipients(ticket: Ticket) -> list[User]:
    """The agent who holds it; else its team; else the whole desk."""
    if ticket.claimed_by is not None:
        return [ticket.claimed_by]
    desk = assignable_agents()
    if ticket.team_id is not None:
        team = list(desk.filter(desk_teams=ticket.team_id))
        if team:
            return team
    return list(desk)


def check(now: datetime.datetime | None = None) -> int:
    """Warn before and alert at each breach, once each; returns how many events were written."""
    now = now or timezone.now()
    written = 0
    for ticket, target, stage, due_at in due(now):
        with transaction.atomic():
            if not insert_once(
                SlaEvent, ticket=ticket.pk, target=target, stage=stage, due_at=due_at, at=now,
                priority=ticket.priority, team=ticket.team_id, agent=ticket.claimed_by_id,
            ):  # fmt: skip
                continue
            notify(
                _recipients(ticket),
                NotificationKind.STAFF,
                partial(_text, target, stage, ticket.subject),
                reverse("servicedesk:ticket", args=[ticket.pk]),
                group=f"servicedesk:sla:{ticket.pk}:{target}:{stage}",
            )
            written += 1
    return written


def _text(target: str, stage: str, title: str) -> str:
    """Called by notify once per language, inside that language."""
    if target == SlaEvent.Target.RESPONSE:
        if stage == SlaEvent.Stage.WARNING:
            return _("First answer due soon: “%(title)s”") % {"title": title}
        return _("First answer overdue: “%(title)s”") % {"title": title}
    if stage == SlaEvent.Stage.WARNING:
        return _("Solution due soon: “%(title)s”") % {"title": title}
    return _("Solution overdue: “%(title)s”") % {"title": title}


def breached_now(now: datetime.datetime) -> Q:
    """Open items past their first-answer or their solution due time."""
    return Q(state__in=OPEN_STATES) & (Q(response_due__lte=now) | Q(resolution_due__lte=now))
