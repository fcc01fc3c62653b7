"""A fan promoted from the waiting list shortly before the start must confirm, or the seat passes on."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from meetups.locking import RegistrationError
from meetups.models import Registration
from meetups.registration import cancel_registration, confirm_seat, register_for_meetup, release_unconfirmed_seats
from tests.helpers import race, wait_until
from tests.meetups.factories import MeetupFactory, make_fans

State = Registration.State


def _soon_and_full(hours_ahead=24, waiting=2, prefix="late"):
    """A 30-seat meetup starting in `hours_ahead` hours, full, with fans waiting."""
    now = timezone.now()
    meetup = MeetupFactory(
        capacity=30,
        starts_at=now + datetime.timedelta(hours=hours_ahead),
        registration_closes_at=now + datetime.timedelta(hours=hours_ahead - 1),
        cancel_cutoff=now + datetime.timedelta(hours=hours_ahead - 1),
    )
    fans = make_fans(30 + waiting, prefix=prefix)
    for fan in fans:
        register_for_meetup(fan, meetup)
    return meetup, fans


def _reg(meetup, fan):
    return Registration.objects.get(meetup=meetup, fan=fan)


@pytest.mark.django_db
def test_a_seat_freed_48_hours_before_must_be_confirmed_within_12_hours(client, django_assert_max_num_queries):
    meetup, fans = _soon_and_full(hours_ahead=24)
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    assert held.state == State.CONFIRMED and held.confirm_by is not None
    assert abs(held.confirm_by - (timezone.now() + datetime.timedelta(hours=12))) < datetime.timedelta(minutes=1)
    assert Notification.objects.filter(recipient=fans[30], group=f"meetup:{meetup.pk}:late").exists()
    client.force_login(fans[30])
    with django_assert_max_num_queries(11):
        page = client.get(meetup.get_absolute_url())
    assert page.status_code == 200
    assert 'id="confirm-button"' in page.content.decode()
    response = client.post(reverse("meetups:confirm", args=[held.pk]))
    assert response.status_code == 302
    assert _reg(meetup, fans[30]).confirm_by is None
    # Confirmed in time: the task leaves the seat alone.
    assert release_unconfirmed_seats(timezone.now() + datetime.timedelta(hours=13)) == 0


@pytest.mark.django_db
def test_far_from_the_start_a_promotion_needs_no_confirmation():
    meetup, fans = _soon_and_full(hours_ahead=24 * 5, prefix="far")
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    assert _reg(meetup, fans[30]).confirm_by is None


@pytest.mark.django_db
def test_an_unconfirmed_seat_passes_to_the_next_fan_once():
    meetup, fans = _soon_and_full(hours_ahead=30, waiting=2, prefix="pass")
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    later = timezone.now() + datetime.timedelta(hours=12, minutes=1)
    assert release_unconfirmed_seats(later) == 1
    assert release_unconfirmed_seats(later) == 0  # idempotent
    assert _reg(meetup, fans[30]).state == State.CANCELLED
    nxt = _reg(meetup, fans[31])
    assert nxt.state == State.CONFIRMED and nxt.confirm_by is not None
    with pytest.raises(RegistrationError, match="no seat waiting"):
        confirm_seat(fans[30], _reg(meetup, fans[30]))
    assert Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).count() == 30


@pytest.mark.django_db
def test_the_window_and_the_time_to_confirm_are_per_meetup():
    meetup, fans = _soon_and_full(hours_ahead=60, prefix="cfg")
    meetup.late_promotion_hours, meetup.late_confirm_hours = 72, 3
    meetup.save(update_fields=["late_promotion_hours", "late_confirm_hours"])
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    assert abs(held.confirm_by - (timezone.now() + datetime.timedelta(hours=3))) < datetime.timedelta(minutes=1)


@pytest.mark.django_db(transaction=True)
def test_confirming_while_the_task_releases_gives_the_seat_to_exactly_one_fan():
    meetup, fans = _soon_and_full(hours_ahead=30, waiting=2, prefix="rc")
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    deadline = timezone.now() + datetime.timedelta(milliseconds=200)
    Registration.objects.filter(pk=held.pk).update(confirm_by=deadline)
    wait_until(lambda: timezone.now() > deadline, what="the deadline")
    results = race(lambda: confirm_seat(fans[30], held), release_unconfirmed_seats, release_unconfirmed_seats)
    assert isinstance(results[0], RegistrationError)
    assert sorted(r for r in results[1:]) == [0, 1]
    assert Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).count() == 30
    assert _reg(meetup, fans[31]).state == State.CONFIRMED
