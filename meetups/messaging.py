"""Event staff (or the fan organising an approved fan meetup) write to a meetup's attendees
(confirmed, waiting, checked in, or all registered).

Every message is logged (`AttendeeMessage`: who sent what, when, to which group, how many) and goes
out in-site and by mail in batches through Celery (meetups.tasks.message_attendees).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from meetups.locking import RegistrationError
from meetups.models import AttendeeMessage, Meetup, Registration
from meetups.permissions import may_message_attendees
from outbox.queueing import enqueue

State = Registration.State
Audience = AttendeeMessage.Audience
TEXT_MAX = 280

AUDIENCES: dict[str, Q] = {
    Audience.CONFIRMED: Q(state=State.CONFIRMED),
    Audience.WAITING: Q(state=State.WAITING),
    Audience.CHECKED_IN: Q(checked_in_at__isnull=False),
    Audience.ALL: Q(state__in=[State.CONFIRMED, State.WAITING, State.APPLIED]) | Q(checked_in_at__isnull=False),
}


def audience_fan_ids(meetup: Meetup, audience: str) -> QuerySet:
    return (
        Registration.objects.filter(AUDIENCES[audience], meetup=meetup)
        .order_by("fan_id")
        .values_list("fan_id", flat=True)
    )


def message_attendees(staff: User, meetup: Meetup, audience: str, text: str) -> AttendeeMessage:
    """Log the message and queue it for every fan in `audience`; refused if nobody is in it."""
    if not may_message_attendees(staff, meetup):
        raise PermissionDenied
    text = " ".join((text or "").split())
    if audience not in AUDIENCES:
        raise RegistrationError(_("Choose whom to write to."))
    if not text:
        raise RegistrationError(_("Please write a message."))
    if len(text) > TEXT_MAX:
        raise RegistrationError(_("Please keep the message under %(n)s characters.") % {"n": TEXT_MAX})
    with transaction.atomic():
        count = audience_fan_ids(meetup, audience).count()
        if not count:
            raise RegistrationError(_("Nobody is in that group yet."))
        message = AttendeeMessage.objects.create(
            meetup=meetup, sent_by=staff, audience=audience, text=text, recipients=count
        )
        enqueue("meetups.tasks.message_attendees", message.pk)
    return message


def message_group(message: AttendeeMessage) -> str:
    return f"meetup:{message.meetup_id}:message:{message.pk}"


def message_text(message: AttendeeMessage) -> str:
    """What the fan reads, in the active language (the staff's words are shown as written)."""
    return str(_("Event staff of “%(title)s”: %(text)s")) % {"title": message.meetup.title, "text": message.text}
