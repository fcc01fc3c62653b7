"""A cancelled meetup shows as cancelled wherever a fan looks (its page, My meetups, the ticket), the
door refuses its tickets, and a fan's own cancellation asks first (issue 20, item 8)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups.changes import cancel_meetup
from meetups.checkin import check_in
from meetups.locking import RegistrationError
from meetups.models import Registration
from meetups.registration import register_for_meetup
from meetups.tickets import ticket_token
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db
State = Registration.State


def _cancelled_with_a_seat(**kwargs):
    """A meetup within the door's hours, a Chinese fan confirmed for it, then cancelled by event staff."""
    staff = event_staff(language="en")
    meetup = MeetupFactory(registration_closes_at=None, cancel_cutoff=None, **kwargs)
    fan = UserFactory(display_name="小明")
    registration = register_for_meetup(fan, meetup)
    cancel_meetup(staff, meetup, "场地漏水")
    meetup.refresh_from_db()
    return staff, meetup, fan, registration


def test_the_meetup_page_says_cancelled_and_offers_no_ticket_and_no_cancel(client):
    _staff, meetup, fan, registration = _cancelled_with_a_seat()
    client.force_login(fan)
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert 'id="meetup-cancelled"' in page and "你的门票已失效" in page
    assert "你已确认参加" not in page
    assert reverse("meetups:ticket", args=[meetup.pk]) not in page
    assert reverse("meetups:cancel", args=[registration.pk]) not in page
    assert 'id="cancel-button"' not in page
    # The question page of an old link answers that there is nothing left to cancel.
    response = client.get(reverse("meetups:cancel", args=[registration.pk]) + "?next=mine")
    assert response.status_code == 302 and response["Location"] == reverse("meetups:mine")


def test_my_meetups_says_cancelled_and_offers_no_ticket_and_no_cancel(client):
    _staff, meetup, fan, registration = _cancelled_with_a_seat()
    client.force_login(fan)
    page = client.get(reverse("meetups:mine")).content.decode()
    upcoming = page.split('id="my-past"')[0]
    assert 'class="state cancelled"' in upcoming and meetup.title in upcoming
    assert reverse("meetups:ticket", args=[meetup.pk]) not in upcoming
    assert reverse("meetups:cancel", args=[registration.pk]) not in upcoming


def test_the_ticket_of_a_cancelled_meetup_renders_as_void_without_a_code(client, django_assert_max_num_queries):
    _staff, meetup, fan, registration = _cancelled_with_a_seat()
    client.force_login(fan)
    client.get("/")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("meetups:ticket", args=[meetup.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="ticket-cancelled"' in page and "场地漏水" in page
    assert "<svg" not in page and registration.ticket_code not in page


def test_the_door_refuses_a_ticket_of_a_cancelled_meetup_with_a_clear_message(client):
    staff, meetup, _fan, registration = _cancelled_with_a_seat(starts_at=timezone.now() + datetime.timedelta(hours=1))
    for text in (ticket_token(registration), registration.ticket_code):
        with pytest.raises(RegistrationError, match="cancelled"):
            check_in(staff, meetup, text)
    client.force_login(staff)
    url = reverse("meetups:check_in", args=[meetup.pk])
    response = client.post(url, {"code": registration.ticket_code})
    assert "This meetup was cancelled: its tickets are no longer valid." in response.content.decode()
    response = client.post(url, {"code": registration.ticket_code, "confirm": "1"})
    assert "This meetup was cancelled" in response.content.decode()
    response = client.post(url, {"registration": registration.pk})  # found by name, no ticket
    assert "This meetup was cancelled" in response.content.decode()
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None


def test_cancelling_my_seat_asks_first_and_only_the_yes_cancels(client):
    meetup = MeetupFactory()
    fan = UserFactory(language="en")
    registration = register_for_meetup(fan, meetup)
    client.force_login(fan)
    url = reverse("meetups:cancel", args=[registration.pk])
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page  # a link to the question, not a form that cancels at once
    asked = client.get(url)
    assert asked.status_code == 200
    asked_page = asked.content.decode()
    assert "Cancel your seat?" in asked_page and 'id="confirm-cancel"' in asked_page
    assert client.post(url).status_code == 200  # a POST without the "yes" (an old page) asks too
    assert Registration.objects.get(pk=registration.pk).state == State.CONFIRMED
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == meetup.get_absolute_url()
    assert Registration.objects.get(pk=registration.pk).state == State.CANCELLED
