"""Reminders for late seats: a fan promoted late who has not confirmed yet is reminded halfway to the deadline, once."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext

from meetups import mail
from meetups.models import Registration

State = Registration.State


def _halfway():
    """`confirmed_at` + half the time the fan was given to confirm (an SQL expression)."""
    return ExpressionWrapper(
        F("confirmed_at") + (F("confirm_by") - F("confirmed_at")) / 2, output_field=DateTimeField()
    )


def due_late_reminders(now: datetime.datetime):
    """Unconfirmed late seats past halfway to their deadline, not yet reminded."""
    return (
        Registration.objects.filter(
            state=State.CONFIRMED,
            confirm_by__gt=now,
            confirmed_at__isnull=False,
            checked_in_at__isnull=True,  # at the door already: nothing to confirm
        )
        # Not reminded since this promotion (a fan promoted late again, after re-registering, is reminded again).
        .filter(Q(late_reminded_at__isnull=True) | Q(late_reminded_at__lt=F("confirmed_at")))
        .alias(halfway=_halfway())
        .filter(halfway__lte=now)
    )


def _reminder_text(registration: Registration):
    def text() -> str:
        with timezone.override(settings.TIME_ZONE):
            deadline = timezone.localtime(registration.confirm_by).strftime("%Y-%m-%d %H:%M")
        return gettext(
            "Reminder: please confirm by %(deadline)s that you are coming to “%(title)s”, "
            "or your seat passes to the next fan on the waiting list."
        ) % {"deadline": deadline, "title": registration.meetup.title}

    return text


def remind_unconfirmed_seats(now: datetime.datetime | None = None) -> int:
    """Remind each due fan once (in-site and by mail, in their language); returns how many were reminded.

    Each row is re-read under its row lock (`late_reminded_at` still empty, the seat still held), so two
    runs at once, or a fan confirming meanwhile, never remind twice or remind a confirmed fan.
    """
    now = now or timezone.now()
    reminded = 0
    for registration_id in list(due_late_reminders(now).values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            registration = (
                due_late_reminders(now)
                .select_for_update(of=("self",))
                .select_related("fan", "meetup")
                .filter(pk=registration_id)
                .first()
            )
            if registration is None:
                continue
            registration.late_reminded_at = now
            registration.save(update_fields=["late_reminded_at"])
            meetup = registration.meetup
            mail.notify_text(
                [registration.fan], meetup, _reminder_text(registration), f"meetup:{meetup.pk}:late-reminder"
            )
            reminded += 1
    return reminded
