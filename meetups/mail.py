"""Mail and notifications about meetups, each in the fan's own language."""

import re

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.mail import queue_email, sender
from accounts.models import NotificationKind, User
from accounts.notifications import notify
from meetups.calendar import meetup_ics
from meetups.mailtemplates import context_for, staff_mail
from meetups.models import MailTemplate, Meetup

MailKind = MailTemplate.Kind


def notify_in_language(fans: list[User], meetup, message) -> None:
    """An in-site notification (and its email) with `message % {"title": ...}` in each fan's language."""
    notify(
        fans,
        NotificationKind.MEETUP,
        lambda: str(message) % {"title": meetup.title},
        meetup.get_absolute_url(),
        group=f"meetup:{meetup.pk}",
    )


def notify_text(fans: list[User], meetup, text, group: str, url: str | None = None) -> None:
    """An in-site notification (and its email) whose text `text()` is made in each fan's language;
    it links to the meetup's page unless `url` says where."""
    notify(fans, NotificationKind.MEETUP, text, url or meetup.get_absolute_url(), group=group)


CHANGE_GROUP = re.compile(r"^meetup:(\d+):v(\d+)$")


def change_calendar(notification) -> list[tuple[str, str, str]]:
    """The updated .ics for the mail of a cancel or reschedule notification (settings
    NOTIFICATION_ATTACHMENTS), so calendars update without a new download; nothing for other
    notifications, or when the meetup changed again since (that change's own mail carries it)."""
    found = CHANGE_GROUP.match(notification.group or "")
    if not found:
        return []
    meetup = Meetup.objects.select_related("city").filter(pk=int(found[1])).first()
    if meetup is None or meetup.sequence != int(found[2]):
        return []
    method = "CANCEL" if meetup.status == Meetup.Status.CANCELLED else "PUBLISH"
    return [(f"fancity-meetup-{meetup.pk}.ics", meetup_ics(meetup, method), f"text/calendar; method={method}")]


STAFF_EDITABLE = {MailKind.CONFIRMATION, MailKind.WAITING}


def _send(registration, template: str, **extra) -> None:
    fan = registration.fan
    if not fan.email or fan.deleted_at:
        return
    meetup = registration.meetup
    with translation.override(fan.language or settings.LANGUAGE_CODE):
        context = {
            "fan": fan,
            "meetup": meetup,
            "registration": registration,
            "site_url": settings.SITE_URL,
            "ticket_url": settings.SITE_URL + reverse("meetups:ticket", args=[meetup.pk]),
            "ics_url": settings.SITE_URL + reverse("meetups:ics", args=[meetup.pk]),
            "meetup_url": settings.SITE_URL + meetup.get_absolute_url(),
            **extra,
        }
        # Event staff's text for this mail in the fan's language (meetups.mailtemplates), else ours.
        found = staff_mail(template, context_for(meetup, fan, **extra)) if template in STAFF_EDITABLE else None
        if found:
            subject, body = found
        else:
            subject = render_to_string(f"meetups/email/{template}_subject.txt", context).strip()
            body = render_to_string(f"meetups/email/{template}.txt", context)
        subject = f"[{gettext('Fancity')}] {subject}"  # the brand in the fan's language, as allauth's mail
        from_email = sender()  # the brand in the fan's language as the sender's name
    queue_email(
        EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=from_email,
            to=[fan.email],
        )
    )


def send_confirmation(registration) -> None:
    """The seat is yours: date, place, ticket link and calendar file link."""
    _send(registration, "confirmation")


def send_waiting(registration, position: int | None) -> None:
    """On the waiting list: the place in it, and that a seat that opens up comes by mail."""
    _send(registration, "waiting", position=position or "")


def send_reminder(registration) -> None:
    _send(registration, "reminder")
