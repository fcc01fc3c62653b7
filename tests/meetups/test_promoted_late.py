"""A fan promoted from the waiting list shortly before the start must confirm, or the seat passes on."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
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


def _starting_within_the_hour(meetup):
    """The meetup moved to start in 50 minutes: its door is open (from 2 hours before the start)."""
    Meetup.objects.filter(pk=meetup.pk).update(starts_at=timezone.now() + datetime.timedelta(minutes=50))
    return Meetup.objects.get(pk=meetup.pk)


def _door_staff():
    from tests.meetups.factories import event_staff

    return event_staff(language="en")


@pytest.mark.django_db
def test_a_late_seat_checked_in_at_the_door_is_confirmed_and_never_released(client):
    """Issue 20, item 6: the fan was at the door already, yet the release task gave their seat away."""
    from meetups.checkin import check_in

    meetup, fans = _soon_and_full(hours_ahead=30, waiting=2, prefix="door")
    meetup = _starting_within_the_hour(meetup)
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    assert held.confirm_by is not None

    assert check_in(_door_staff(), meetup, held.ticket_code).pk == held.pk
    held = _reg(meetup, fans[30])
    assert held.checked_in_at is not None and held.confirm_by is None  # checking in confirmed the seat

    assert release_unconfirmed_seats(meetup.starts_at + datetime.timedelta(minutes=1)) == 0
    held = _reg(meetup, fans[30])
    assert held.state == State.CONFIRMED and held.checked_in_at is not None
    assert _reg(meetup, fans[31]).state == State.WAITING
    assert not Notification.objects.filter(recipient=fans[30], text__contains="passed to the next fan").exists()
    client.force_login(fans[30])
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert 'id="confirm-button"' not in page


@pytest.mark.django_db
def test_the_release_skips_a_checked_in_fan_whose_deadline_was_left_set():
    """Whatever path checked the fan in (the admin's bulk action writes `checked_in_at` alone), a fan
    at the door keeps the seat when the deadline passes."""
    meetup, fans = _soon_and_full(hours_ahead=30, waiting=2, prefix="kept")
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    Registration.objects.filter(pk=held.pk).update(checked_in_at=timezone.now())
    assert release_unconfirmed_seats(held.confirm_by + datetime.timedelta(minutes=1)) == 0
    assert _reg(meetup, fans[30]).state == State.CONFIRMED


@pytest.mark.django_db(transaction=True)
def test_checking_in_while_the_task_releases_leaves_one_consistent_outcome():
    """The door and the release task at once: the fan is either in with the seat, or refused with the
    seat passed on; never checked in on a cancelled registration."""
    from meetups.checkin import check_in

    meetup, fans = _soon_and_full(hours_ahead=30, waiting=2, prefix="dr")
    meetup = _starting_within_the_hour(meetup)
    cancel_registration(fans[0], _reg(meetup, fans[0]))
    held = _reg(meetup, fans[30])
    staff = _door_staff()
    deadline = timezone.now() + datetime.timedelta(milliseconds=200)
    Registration.objects.filter(pk=held.pk).update(confirm_by=deadline)
    wait_until(lambda: timezone.now() > deadline, what="the deadline")
    results = race(lambda: check_in(staff, meetup, held.ticket_code), release_unconfirmed_seats)
    held = _reg(meetup, fans[30])
    if isinstance(results[0], RegistrationError):
        assert results[1] == 1 and held.state == State.CANCELLED and held.checked_in_at is None
        assert _reg(meetup, fans[31]).state == State.CONFIRMED
    else:
        assert results[1] == 0 and held.state == State.CONFIRMED and held.checked_in_at is not None
        assert _reg(meetup, fans[31]).state == State.WAITING
    assert Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).count() == 30
