"""Event staff message a meetup's attendees: logged, sent in batches by a real Celery worker."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from meetups import publishing
from meetups.locking import RegistrationError
from meetups.messaging import message_attendees, message_group
from meetups.models import AttendeeMessage, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.helpers import celery_idle, wait_until
from tests.meetups.factories import MeetupFactory, event_staff, make_fans


def _meetup_with_fans():
    meetup = MeetupFactory(capacity=30)
    fans = make_fans(33, prefix="msg")
    for fan in fans:
        register_for_meetup(fan, meetup)  # 30 confirmed, 3 waiting
    Registration.objects.filter(meetup=meetup, fan__in=fans[:4]).update(checked_in_at=timezone.now())
    return meetup, fans


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("audience", "count"), [("confirmed", 30), ("waiting", 3), ("checked_in", 4), ("all", 33)])
def test_a_message_reaches_its_group_in_batches_and_is_logged(celery_worker, monkeypatch, mailoutbox, audience, count):
    monkeypatch.setattr(publishing, "NOTIFY_BATCH", 7)
    staff = event_staff()
    meetup, fans = _meetup_with_fans()
    message = message_attendees(staff, meetup, audience, "  Bring your  ID card  ")
    assert message.recipients == count and message.sent_by == staff and message.text == "Bring your ID card"
    group = message_group(message)
    wait_until(lambda: Notification.objects.filter(group=group).count() == count)
    wait_until(celery_idle)
    assert len({m.to[0] for m in mailoutbox if "Bring your ID card" in m.body}) == count
    from meetups.messaging import audience_fan_ids
    from meetups.tasks import message_batch

    assert message_batch(message.pk, list(audience_fan_ids(meetup, audience))) == 0  # a re-run sends nothing twice


@pytest.mark.django_db
def test_messages_need_staff_text_and_someone_to_reach():
    meetup = MeetupFactory()
    with pytest.raises(PermissionDenied):
        message_attendees(UserFactory(), meetup, "all", "hi")
    staff = event_staff()
    with pytest.raises(RegistrationError, match="write a message"):
        message_attendees(staff, meetup, "all", "  ")
    with pytest.raises(RegistrationError, match="Nobody"):
        message_attendees(staff, meetup, "waiting", "hi")
    with pytest.raises(RegistrationError, match="whom"):
        message_attendees(staff, meetup, "everyone", "hi")
    assert not AttendeeMessage.objects.exists()


@pytest.mark.django_db
def test_staff_send_from_their_page_and_the_admin_lists_the_log(client, django_assert_max_num_queries):
    meetup, _ = _meetup_with_fans()
    staff = event_staff(language="en")
    client.force_login(staff)
    url = reverse("meetups:manage", args=[meetup.pk])
    response = client.post(url, {"action": "message", "message-audience": "waiting", "message-text": "Doors at 2 pm"})
    assert response.status_code == 302
    logged = AttendeeMessage.objects.get()
    assert (logged.audience, logged.recipients, logged.sent_by) == ("waiting", 3, staff)
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.status_code == 200 and "Doors at 2 pm" in page.content.decode()
    admin_list = client.get(reverse("admin:meetups_attendeemessage_changelist"))
    assert admin_list.status_code == 200 and "Doors at 2 pm" in admin_list.content.decode()
