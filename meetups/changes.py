"""Cancelling or rescheduling a published meetup: every fan who holds a seat or a place hears about it.

Each change raises `Meetup.sequence` (the calendar file's SEQUENCE, so calendars replace the old
event), keeps the staff's reason, tells every confirmed, waiting and applied fan in their own
language (in-site and by mail, in batches through Celery: meetups.tasks.tell_attendees_of_change)
and updates the announcement threads (the first post rewritten, a staff reply saying what changed).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from forum.models import Thread
from forum.writing.posting import post_reply
from meetups.locking import RegistrationError, lock_meetup
from meetups.mailtemplates import context_for, staff_text
from meetups.models import MailTemplate, Meetup, Registration
from meetups.permissions import may_cancel_meetup, may_reschedule_meetup
from meetups.publishing import refresh_announcements
from outbox.queueing import enqueue

REASON_MAX = 500
UPCOMING = (Meetup.Status.PUBLISHED, Meetup.Status.CLOSED)
# Whom a change is told to: everyone who holds a seat, a place on the waiting list or an application.
TOLD = (Registration.State.CONFIRMED, Registration.State.WAITING, Registration.State.APPLIED)


def clean_reason(reason: str) -> str:
    """A reason fans (or a proposer) read: required, one line of at most REASON_MAX characters."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RegistrationError(_("Please give the fans a reason."))
    if len(reason) > REASON_MAX:
        raise RegistrationError(_("Please keep the reason under %(n)s characters.") % {"n": REASON_MAX})
    return reason


def _lock_upcoming(meetup: Meetup) -> Meetup:
    meetup = lock_meetup(meetup.pk)
    if meetup.status not in UPCOMING or meetup.is_past:
        raise RegistrationError(_("Only an upcoming, published meetup can be cancelled or rescheduled."))
    return meetup


def cancel_meetup(staff: User, meetup: Meetup, reason: str) -> Meetup:
    """Cancel the meetup: no more registrations, tickets stop working, every registered fan is told.

    Event staff, or the fan who organises it (`permissions.may_cancel_meetup`)."""
    if not may_cancel_meetup(staff, meetup):
        raise PermissionDenied
    reason = clean_reason(reason)
    with transaction.atomic():
        meetup = _lock_upcoming(meetup)
        meetup.status = Meetup.Status.CANCELLED
        meetup.sequence += 1
        meetup.change_reason = reason
        meetup.save(update_fields=["status", "sequence", "change_reason"])
        _tell(meetup)
    update_announcements(staff, meetup)
    return meetup


def reschedule_meetup(
    staff: User, meetup: Meetup, starts_at: datetime.datetime, ends_at: datetime.datetime | None, reason: str
) -> Meetup:
    """Move the meetup to a new time; registrations stay, every registered fan is told the new time.

    Registration and the cancellation cutoff never end after the new start: they move up to it.
    """
    if not may_reschedule_meetup(staff, meetup):
        raise PermissionDenied
    reason = clean_reason(reason)
    if starts_at is None or starts_at <= timezone.now():
        raise RegistrationError(_("The new time must be in the future."))
    if ends_at is not None and ends_at <= starts_at:
        raise RegistrationError(_("The meetup must end after it starts."))
    with transaction.atomic():
        meetup = _lock_upcoming(meetup)
        if starts_at == meetup.starts_at and ends_at == meetup.ends_at:
            raise RegistrationError(_("That is the time the meetup already has."))
        meetup.starts_at, meetup.ends_at = starts_at, ends_at
        if meetup.registration_closes_at and meetup.registration_closes_at > starts_at:
            meetup.registration_closes_at = starts_at
        if meetup.registration_opens_at and meetup.registration_opens_at >= starts_at:
            meetup.registration_opens_at = None if meetup.status == Meetup.Status.CLOSED else timezone.now()
        if meetup.cancel_cutoff and meetup.cancel_cutoff > starts_at:
            meetup.cancel_cutoff = starts_at
        meetup.sequence += 1
        meetup.change_reason = reason
        meetup.save(
            update_fields=[
                "starts_at",
                "ends_at",
                "registration_opens_at",
                "registration_closes_at",
                "cancel_cutoff",
                "sequence",
                "change_reason",
            ]
        )
        _tell(meetup)
    update_announcements(staff, meetup)
    return meetup


def _tell(meetup: Meetup) -> None:
    enqueue("meetups.tasks.tell_attendees_of_change", meetup.pk, meetup.sequence)


def change_group(meetup: Meetup, sequence: int | None = None) -> str:
    """The notification group of one change: a fan is told of each change once, and mailed at once."""
    return f"meetup:{meetup.pk}:v{meetup.sequence if sequence is None else sequence}"


def told_fan_ids(meetup: Meetup) -> list[int]:
    return list(
        Registration.objects.filter(meetup=meetup, state__in=TOLD).order_by("fan_id").values_list("fan_id", flat=True)
    )


def told_count(meetup: Meetup) -> int:
    """How many fans a change would be told to now."""
    return Registration.objects.filter(meetup=meetup, state__in=TOLD).count()


def _when(meetup: Meetup) -> str:
    """The start in the site's time zone (where the meetup takes place)."""
    with timezone.override(settings.TIME_ZONE):
        return timezone.localtime(meetup.starts_at).strftime("%Y-%m-%d %H:%M")


def change_text(meetup: Meetup) -> str:
    """What a fan is told, in the active language: event staff's text for it (meetups.mailtemplates)
    or ours."""
    kind = MailTemplate.Kind.CANCEL if meetup.status == Meetup.Status.CANCELLED else MailTemplate.Kind.CHANGE
    if staff := staff_text(kind, context_for(meetup, None, reason=meetup.change_reason)):
        return staff
    if meetup.status == Meetup.Status.CANCELLED:
        return str(_("“%(title)s” is cancelled. Reason: %(reason)s")) % {
            "title": meetup.title,
            "reason": meetup.change_reason,
        }
    return str(_("“%(title)s” has moved to %(when)s. Reason: %(reason)s")) % {
        "title": meetup.title,
        "when": _when(meetup),
        "reason": meetup.change_reason,
    }


def update_announcements(staff: User, meetup: Meetup) -> None:
    """Rewrite the first post of each announcement thread and reply to it with what changed.

    In the site's language, like the announcement itself. A retry replies once: the forum returns
    an identical reply sent again by the same author instead of posting it twice.
    """
    thread_ids = [t for t in (meetup.announcement_thread_id, meetup.city_thread_id) if t]
    if not thread_ids:
        return
    refresh_announcements(staff, meetup)  # the first posts, with a "Cancelled"/"New time" line on top
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        notice = change_text(meetup)
    for thread in Thread.objects.filter(pk__in=thread_ids):
        post_reply(staff, thread, notice)
