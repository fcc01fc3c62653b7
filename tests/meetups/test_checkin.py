import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EVENT_STAFF
from meetups.checkin import check_in
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import cancel_registration, register_for_meetup
from meetups.tasks import finish_meetups, send_reminders
from meetups.tickets import ticket_token
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db
State = Registration.State


@pytest.fixture
def staff():
    user = UserFactory(language="en")
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    return user


def test_check_in_with_the_scanned_token_then_a_second_scan_says_already_used(staff):
    meetup = MeetupFactory()
    registration = register_for_meetup(UserFactory(), meetup)
    token = ticket_token(registration)
    assert check_in(staff, meetup, token).checked_in_at
    with pytest.raises(RegistrationError, match="Already used"):
        check_in(staff, meetup, token)


def test_check_in_with_the_typed_code(staff):
    meetup = MeetupFactory()
    registration = register_for_meetup(UserFactory(), meetup)
    assert check_in(staff, meetup, registration.ticket_code.lower()[:5] + " " + registration.ticket_code[5:].lower())


def test_forged_and_replaced_tickets_are_refused(staff):
    meetup = MeetupFactory()
    fan = UserFactory()
    registration = register_for_meetup(fan, meetup)
    old_token = ticket_token(registration)
    forged = old_token[:-3] + ("AAA" if not old_token.endswith("AAA") else "BBB")
    with pytest.raises(RegistrationError, match="not a valid"):
        check_in(staff, meetup, forged)
    with pytest.raises(RegistrationError, match="not a valid"):
        check_in(staff, meetup, "')--; DROP TABLE")
    cancel_registration(fan, registration)
    register_for_meetup(fan, meetup)  # a new ticket; the old one is dead
    with pytest.raises(RegistrationError, match="not valid any more"):
        check_in(staff, meetup, old_token)
    other = MeetupFactory()
    with pytest.raises(RegistrationError, match="another meetup"):
        check_in(staff, other, ticket_token(Registration.objects.get(fan=fan)))
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_a_waiting_fan_cannot_be_checked_in(staff):
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    register_for_meetup(UserFactory(), meetup)
    waiting = register_for_meetup(UserFactory(), meetup)
    with pytest.raises(RegistrationError, match="no confirmed seat"):
        check_in(staff, meetup, waiting.ticket_code)


def test_check_in_page_for_staff_only(client, staff, django_assert_max_num_queries):
    meetup = MeetupFactory()
    registration = register_for_meetup(UserFactory(display_name="小明"), meetup)
    url = reverse("meetups:check_in", args=[meetup.pk])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(staff)
    client.get("/")
    with django_assert_max_num_queries(9):
        response = client.post(url, {"code": registration.ticket_code})
    assert response.status_code == 200
    assert "小明" in response.content.decode() and not Registration.objects.get().checked_in_at
    response = client.post(url, {"code": registration.ticket_code, "confirm": "1"})
    assert "Welcome" in response.content.decode() and Registration.objects.get().checked_in_at
    response = client.post(url, {"code": registration.ticket_code})
    assert "Already used" in response.content.decode()


def test_after_the_meetup_confirmed_fans_who_did_not_come_are_no_shows(staff):
    meetup = MeetupFactory()
    came = register_for_meetup(UserFactory(), meetup)
    missed = register_for_meetup(UserFactory(), meetup)
    check_in(staff, meetup, came.ticket_code)
    Meetup.objects.filter(pk=meetup.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=7))
    assert finish_meetups() == 1
    assert finish_meetups() == 0
    assert Registration.objects.get(pk=missed.pk).state == State.NO_SHOW
    assert Registration.objects.get(pk=came.pk).state == State.CONFIRMED
    assert Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.FINISHED


def test_reminders_go_once_the_day_before(mailoutbox, django_capture_on_commit_callbacks):
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    meetup = MeetupFactory(
        starts_at=tomorrow.replace(hour=14, minute=0), registration_closes_at=None, cancel_cutoff=None
    )
    register_for_meetup(UserFactory(), meetup)
    MeetupFactory(starts_at=timezone.now() + datetime.timedelta(days=5))
    assert send_reminders() == 1
    assert send_reminders() == 0
    assert Registration.objects.filter(reminded_at__isnull=False).count() == 1


def test_capacity_cannot_go_below_the_confirmed_count():
    from django.core.exceptions import ValidationError

    meetup = MeetupFactory(capacity=2, capacity_override=True)
    register_for_meetup(UserFactory(), meetup)
    register_for_meetup(UserFactory(), meetup)
    meetup.capacity = 1
    with pytest.raises(ValidationError, match="below"):
        meetup.full_clean()
    meetup.capacity, meetup.capacity_override = 60, False
    with pytest.raises(ValidationError, match="between 30 and 50"):
        meetup.full_clean()
