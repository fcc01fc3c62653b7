"""Guests (+1): where a first-come meetup allows them, each guest takes a seat, in the database
function as in Python, under a rush too; the waiting list is still never jumped."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from meetups.checkin import check_in, offline_list
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration, new_ticket_code
from meetups.queries import door_stats
from meetups.registration import cancel_registration, confirmed_count, register_for_meetup
from tests.factories import UserFactory
from tests.helpers import race
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def _meetup(capacity=3, max_guests=1, **kwargs):
    return MeetupFactory(
        capacity=capacity,
        capacity_override=True,
        max_guests=max_guests,
        registration_closes_at=None,
        cancel_cutoff=None,
        **kwargs,
    )


def test_a_guest_takes_a_seat_and_a_party_that_does_not_fit_waits():
    meetup = _meetup(capacity=3)
    a = register_for_meetup(UserFactory(), meetup, guests=1)
    b = register_for_meetup(UserFactory(), meetup, guests=1)
    c = register_for_meetup(UserFactory(), meetup)
    assert (a.state, b.state, c.state) == (State.CONFIRMED, State.WAITING, State.WAITING)
    assert confirmed_count(meetup) == 2  # seats, not fans
    # A seat is free, but c does not jump b (who needs two).
    assert Registration.objects.get(pk=c.pk).state == State.WAITING
    cancel_registration(a.fan, a)
    assert Registration.objects.get(pk=b.pk).state == State.CONFIRMED
    assert Registration.objects.get(pk=c.pk).state == State.CONFIRMED
    assert confirmed_count(meetup) == 3


def test_guests_are_refused_beyond_what_the_meetup_allows():
    meetup = _meetup(max_guests=1)
    with pytest.raises(RegistrationError, match="at most 1 guests"):
        register_for_meetup(UserFactory(), meetup, guests=2)
    none = _meetup(max_guests=0)
    with pytest.raises(RegistrationError, match="takes no guests"):
        register_for_meetup(UserFactory(), none, guests=1)
    assert not Registration.objects.exists()


def test_the_database_function_refuses_guests_too():
    """Staff lowered the guests allowed after the page was read: the function says so under the lock."""
    meetup = _meetup(max_guests=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome FROM meetups_register(%s, %s, '', %s, now(), NULL, 2)",
            [meetup.pk, UserFactory().pk, new_ticket_code()],
        )
        assert cursor.fetchone() == ("guests",)
    assert not Registration.objects.exists()


def test_guests_are_for_first_come_meetups_only():
    meetup = MeetupFactory.build(mode=Meetup.Mode.DRAW, max_guests=1)
    with pytest.raises(ValidationError, match="first come"):
        meetup.full_clean()


def test_the_database_refuses_guests_at_a_draw():
    with pytest.raises(IntegrityError), transaction.atomic():
        _meetup(mode=Meetup.Mode.DRAW, max_guests=1)


def test_the_register_form_asks_for_guests_and_the_door_shows_them(client):
    meetup = _meetup(starts_at=timezone.now() + datetime.timedelta(hours=1))
    fan = UserFactory(display_name="带朋友")
    client.force_login(fan)
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert 'name="guests"' in page
    client.post(f"/meetups/{meetup.pk}/register/", {"guests": "1"})
    registration = Registration.objects.get(fan=fan)
    assert (registration.state, registration.guests) == (State.CONFIRMED, 1)
    assert "+1" in client.get(f"/meetups/{meetup.pk}/ticket/").content.decode()
    staff = event_staff()
    assert offline_list(staff, meetup)["tickets"][0]["n"] == "带朋友 +1"
    stats = door_stats(meetup)
    assert (stats["expected"], stats["checked_in"]) == (2, 0)
    check_in(staff, meetup, registration.ticket_code)
    assert door_stats(meetup)["checked_in"] == 2


def test_a_capacity_cut_counts_guests():
    from meetups.capacity import change_capacity

    meetup = _meetup(capacity=4)
    register_for_meetup(UserFactory(), meetup, guests=1)
    register_for_meetup(UserFactory(), meetup, guests=1)
    with pytest.raises(RegistrationError, match="below"):
        change_capacity(event_staff(), meetup, 3, override=True)


@pytest.mark.django_db(transaction=True)
def test_a_rush_of_fans_with_guests_never_overbooks():
    """24 fans, each with a guest, racing in real threads for 15 seats: 7 parties (14 seats) get in,
    the next party would need 2 of the 1 left, so everyone else waits, in strict order."""
    meetup = _meetup(capacity=15)
    fans = make_fans(24, prefix="plusone")
    errors = [
        r
        for r in race(*[(lambda fan=fan: register_for_meetup(fan, meetup, guests=1)) for fan in fans], timeout=120)
        if isinstance(r, Exception)
    ]
    assert errors == []
    rows = list(Registration.objects.filter(meetup=meetup).order_by("order").values_list("order", "state"))
    confirmed = [o for o, s in rows if s == State.CONFIRMED]
    waiting = [o for o, s in rows if s == State.WAITING]
    assert (len(confirmed), len(waiting)) == (7, 17)
    assert max(confirmed) < min(waiting)
    assert confirmed_count(meetup) == 14 <= meetup.capacity
