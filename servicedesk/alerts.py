"""Alerts: the desk group is told (in-site and mail, via accounts.notifications.notify) when an urgent
item passes the target without a claim, or a claimed item waits too long for an answer.

A beat task runs `send_due` every minute. Each (ticket, threshold) is alerted once: the DeskAlert row is
inserted with ON CONFLICT DO NOTHING in the same transaction as the notifications, so two runs at once
(or a run repeated after a lost acknowledgement) tell the group once.
"""

import datetime
from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import NotificationKind, User
from accounts.notifications import notify
from accounts.roles import SERVICE_DESK, holders
from fancity.lib.rows import insert_once
from servicedesk.models import DeskAlert, DeskSettings, Priority, Ticket, TicketState

BATCH = 200


def _not_alerted(threshold: str):
    return ~Exists(DeskAlert.objects.filter(ticket=OuterRef("pk"), threshold=threshold))


def due(now: datetime.datetime) -> list[tuple[Ticket, DeskAlert.Threshold]]:
    settings = DeskSettings.load()
    unclaimed = Ticket.objects.filter(
        _not_alerted(DeskAlert.Threshold.UNCLAIMED),
        escalated_at__isnull=False,
        state__in=[TicketState.NEW, TicketState.REOPENED],
        claimed_by__isnull=True,
        priority=Priority.URGENT,
        waiting_since__lt=now - datetime.timedelta(minutes=settings.target_minutes),
    )
    unanswered = Ticket.objects.filter(
        _not_alerted(DeskAlert.Threshold.UNANSWERED),
        escalated_at__isnull=False,
        state__in=[TicketState.CLAIMED, TicketState.REOPENED],
        claimed_by__isnull=False,
        claimed_at__lt=now - datetime.timedelta(minutes=settings.answer_minutes),
        waiting_since__lt=now - datetime.timedelta(minutes=settings.answer_minutes),
    )
    related = ("thread", "request", "claimed_by")
    return [(t, DeskAlert.Threshold.UNCLAIMED) for t in unclaimed.select_related(*related)[:BATCH]] + [
        (t, DeskAlert.Threshold.UNANSWERED) for t in unanswered.select_related(*related)[:BATCH]
    ]


def send_due(now: datetime.datetime | None = None) -> int:
    """Tell the desk group about each item that newly passed a threshold; returns how many alerts went out."""
    now = now or timezone.now()
    sent = 0
    group = list(holders(User.objects.filter(deleted_at__isnull=True), SERVICE_DESK))
    for ticket, threshold in due(now):
        with transaction.atomic():
            if not insert_once(DeskAlert, ticket=ticket.pk, threshold=threshold, sent_at=now):
                continue
            notify(
                group,
                NotificationKind.STAFF,
                partial(
                    _alert_text, threshold, ticket.subject, ticket.claimed_by.public_name if ticket.claimed_by else ""
                ),
                reverse("servicedesk:ticket", args=[ticket.pk]),
                group=f"servicedesk:alert:{ticket.pk}:{threshold}",
            )
            sent += 1
    return sent


def _alert_text(threshold: str, title: str, holder: str) -> str:
    """Called by notify once per language, inside that language."""
    if threshold == DeskAlert.Threshold.UNCLAIMED:
        return _("Urgent and unclaimed past the target: “%(title)s”") % {"title": title}
    return _("Claimed by %(name)s and still unanswered: “%(title)s”") % {"name": holder, "title": title}
