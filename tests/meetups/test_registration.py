import datetime

import pytest
from django.utils import timezone

from accounts.models import BANNED_FOR_GOOD, DailyActivity, Notification
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import cancel_registration, register_for_meetup, waiting_position
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db
State = Registration.State


def test_first_come_confirms_up_to_capacity_then_waits_in_order():
    meetup = MeetupFactory(capacity=2, capacity_override=True)
    fans = UserFactory.create_batch(4)
    states = [register_for_meetup(f, meetup).state for f in fans]
    assert states == [State.CONFIRMED, State.CONFIRMED, State.WAITING, State.WAITING]
    third, fourth = Registration.objects.filter(state=State.WAITING).order_by("order")
    assert (waiting_position(third), waiting_position(fourth)) == (1, 2)
    assert third.fan == fans[2]


def test_register_records_activity():
    fan = UserFactory()
    register_for_meetup(fan, MeetupFactory())
    assert DailyActivity.objects.filter(user=fan, day=timezone.localdate()).exists()


def test_cancel_promotes_first_waiting_fan_and_notifies_them():
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    first, second, third = UserFactory.create_batch(3)
    seat = register_for_meetup(first, meetup)
    register_for_meetup(second, meetup)
    register_for_meetup(third, meetup)
    cancel_registration(first, seat)
    assert Registration.objects.get(fan=second).state == State.CONFIRMED
    assert Registration.objects.get(fan=third).state == State.WAITING
    assert waiting_position(Registration.objects.get(fan=third)) == 1
    assert Notification.objects.filter(recipient=second, group=f"meetup:{meetup.pk}").count() == 1
    assert not Notification.objects.filter(recipient=third).exists()


def test_withdrawing_from_the_waiting_list_promotes_nobody():
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    first, second = UserFactory.create_batch(2)
    register_for_meetup(first, meetup)
    waiting = register_for_meetup(second, meetup)
    cancel_registration(second, waiting)
    assert list(Registration.objects.values_list("state", flat=True).order_by("order")) == [
        State.CONFIRMED,
        State.CANCELLED,
    ]


def test_fan_can_register_again_after_cancelling_and_gets_a_new_ticket():
    meetup = MeetupFactory()
    fan = UserFactory()
    old = register_for_meetup(fan, meetup)
    old_code = old.ticket_code
    cancel_registration(fan, old)
    again = register_for_meetup(fan, meetup)
    assert again.pk == old.pk and again.state == State.CONFIRMED and again.ticket_code != old_code


def _refused(fan, meetup, message_part=""):
    before = list(Registration.objects.values_list("pk", "state", "order"))
    with pytest.raises(RegistrationError) as error:
        register_for_meetup(fan, meetup)
    assert message_part in str(error.value)
    assert list(Registration.objects.values_list("pk", "state", "order")) == before


def test_registering_twice_is_refused():
    meetup, fan = MeetupFactory(), UserFactory()
    register_for_meetup(fan, meetup)
    _refused(fan, meetup, "already registered")


def test_registering_before_open_after_close_draft_past_is_refused():
    fan = UserFactory()
    now = timezone.now()
    _refused(fan, MeetupFactory(registration_opens_at=now + datetime.timedelta(hours=1)), "not opened")
    _refused(fan, MeetupFactory(registration_closes_at=now - datetime.timedelta(minutes=1)), "closed")
    _refused(fan, MeetupFactory(status=Meetup.Status.CLOSED), "closed")
    _refused(fan, MeetupFactory(status=Meetup.Status.DRAFT), "not published")
    _refused(
        fan,
        MeetupFactory(starts_at=now - datetime.timedelta(hours=1), registration_closes_at=None),
        "already taken place",
    )
    _refused(fan, MeetupFactory(status=Meetup.Status.CANCELLED), "cancelled")


def test_banned_fan_cannot_register():
    fan = UserFactory(banned_until=BANNED_FOR_GOOD)
    _refused(fan, MeetupFactory(), "suspended")


def test_cancelling_someone_elses_registration_is_refused():
    meetup = MeetupFactory()
    owner, other = UserFactory.create_batch(2)
    registration = register_for_meetup(owner, meetup)
    with pytest.raises(RegistrationError, match="not yours"):
        cancel_registration(other, registration)
    assert Registration.objects.get(pk=registration.pk).state == State.CONFIRMED


def test_cancelling_a_seat_after_the_cutoff_is_refused():
    meetup = MeetupFactory(cancel_cutoff=timezone.now() + datetime.timedelta(seconds=1))
    fan = UserFactory()
    registration = register_for_meetup(fan, meetup)
    Meetup.objects.filter(pk=meetup.pk).update(cancel_cutoff=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(RegistrationError, match="too late"):
        cancel_registration(fan, registration)
    assert Registration.objects.get(pk=registration.pk).state == State.CONFIRMED


def test_an_answer_that_is_too_long_is_refused():
    with pytest.raises(RegistrationError):
        register_for_meetup(UserFactory(), MeetupFactory(question="?"), "x" * 301)
    assert not Registration.objects.exists()


def test_meetup_closed_after_the_page_was_read_is_refused_under_the_lock():
    meetup, fan = MeetupFactory(), UserFactory()  # the fan's request still holds the open meetup
    Meetup.objects.filter(pk=meetup.pk).update(status=Meetup.Status.CLOSED)
    _refused(fan, meetup, "closed")
    Meetup.objects.filter(pk=meetup.pk).update(status=Meetup.Status.CANCELLED)
    _refused(fan, meetup, "cancelled")
