"""The mail that tells a fan of a cancel or a reschedule carries the updated .ics (same UID, higher
SEQUENCE; METHOD:CANCEL and STATUS:CANCELLED once cancelled), so calendars update without a download."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.tasks import email_notifications, notification_email
from meetups.changes import cancel_meetup, change_group, reschedule_meetup
from meetups.registration import register_for_meetup
from meetups.tasks import tell_change_batch
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db


def _told(meetup, fan):
    tell_change_batch(meetup.pk, meetup.sequence, [fan.pk])
    return Notification.objects.get(recipient=fan, group=change_group(meetup))


def _ics(mail) -> str:
    (attachment,) = mail.attachments
    filename, content, mimetype = attachment
    assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
    return content


def test_the_cancel_mail_carries_a_cancelling_calendar_file(mailoutbox):
    meetup = MeetupFactory()
    fan = UserFactory(language="en", email="fan@example.com")
    register_for_meetup(fan, meetup)
    meetup = cancel_meetup(event_staff(), meetup, "场地漏水")
    email_notifications([_told(meetup, fan).pk])
    (mail,) = [m for m in mailoutbox if m.to == ["fan@example.com"] and m.attachments]
    ics = _ics(mail)
    assert "METHOD:CANCEL" in ics and "STATUS:CANCELLED" in ics and "SEQUENCE:1" in ics
    assert f"UID:meetup-{meetup.pk}@" in ics  # the UID of the file the fan downloaded before


def test_the_reschedule_mail_carries_the_new_time():
    meetup = MeetupFactory()
    fan = UserFactory(language="en")
    register_for_meetup(fan, meetup)
    new = (timezone.now() + datetime.timedelta(days=20)).replace(microsecond=0, second=0)
    meetup = reschedule_meetup(event_staff(), meetup, new, None, "场地换了")
    ics = _ics(notification_email(_told(meetup, fan)))
    assert "METHOD:PUBLISH" in ics and "SEQUENCE:1" in ics and "STATUS:CONFIRMED" in ics
    assert f"DTSTART:{new.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in ics


def test_a_mail_for_an_older_change_or_another_notification_has_no_file():
    meetup = MeetupFactory()
    fan = UserFactory(language="en")
    register_for_meetup(fan, meetup)
    staff = event_staff()
    meetup = reschedule_meetup(staff, meetup, timezone.now() + datetime.timedelta(days=20), None, "一")
    first = _told(meetup, fan)
    meetup = cancel_meetup(staff, meetup, "二")
    assert notification_email(first).attachments == []  # the cancel's own mail carries the file
    other = Notification.objects.create(recipient=fan, kind="meetup", text="x", url="/", group=f"meetup:{meetup.pk}")
    assert notification_email(other).attachments == []
