"""The admin's bulk check-in goes through the door's rules (meetups.checkin): only while the door is open,
only confirmed seats, once; outside the door's hours it says when the door opens or closed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups import changes
from meetups.models import Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db


def _check_in(client, registrations):
    response = client.post(
        reverse("admin:meetups_registration_changelist"),
        {"action": "check_in", "_selected_action": [r.pk for r in registrations]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def staff_client(client):
    client.force_login(event_staff(language="en"))
    return client


def test_four_weeks_early_the_admin_refuses_and_says_when_the_door_opens(staff_client):
    meetup = MeetupFactory(starts_at=timezone.now() + datetime.timedelta(weeks=4))
    seat = register_for_meetup(UserFactory(), meetup)
    shown = _check_in(staff_client, [seat])
    assert any("Check-in opens at" in m and "2 hours before the start" in m for m in shown), shown
    assert Registration.objects.get(pk=seat.pk).checked_in_at is None


def test_after_the_door_closed_the_admin_refuses(staff_client):
    meetup = MeetupFactory(starts_at=timezone.now() + datetime.timedelta(days=10))
    seat = register_for_meetup(UserFactory(), meetup)
    meetup.starts_at = timezone.now() - datetime.timedelta(days=2)
    meetup.save(update_fields=["starts_at"])
    shown = _check_in(staff_client, [seat])
    assert any("Check-in closed at" in m for m in shown), shown
    assert Registration.objects.get(pk=seat.pk).checked_in_at is None


def test_a_cancelled_meetup_checks_nobody_in(staff_client):
    meetup = MeetupFactory(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    seat = register_for_meetup(UserFactory(), meetup)
    changes.cancel_meetup(event_staff(), meetup, "场地有变")
    shown = _check_in(staff_client, [seat])
    assert any("This meetup was cancelled." in m for m in shown), shown
    assert Registration.objects.get(pk=seat.pk).checked_in_at is None


def test_while_the_door_is_open_confirmed_fans_are_let_in_once(staff_client):
    meetup = MeetupFactory(
        starts_at=timezone.now() + datetime.timedelta(minutes=30), capacity=1, capacity_override=True
    )
    seat = register_for_meetup(UserFactory(), meetup)
    waiting = register_for_meetup(UserFactory(), meetup)
    assert waiting.state == Registration.State.WAITING
    shown = _check_in(staff_client, [seat, waiting])
    assert f"{meetup}: checked in 1 fans." in shown, shown
    first = Registration.objects.get(pk=seat.pk).checked_in_at
    assert first is not None and Registration.objects.get(pk=waiting.pk).checked_in_at is None
    assert f"{meetup}: checked in 0 fans." in _check_in(staff_client, [seat])
    assert Registration.objects.get(pk=seat.pk).checked_in_at == first
