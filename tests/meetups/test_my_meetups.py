"""A fan's own meetups: what they registered for, in which state, their tickets; late seats reminded once."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Notification
from meetups.models import Registration
from meetups.registration import cancel_registration, confirm_seat, register_for_meetup
from meetups.reminders import remind_unconfirmed_seats
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def _late_seat(prefix="rem"):
    """A full 30-seat meetup starting in 24 hours; a cancel promotes the first waiting fan late."""
    now = timezone.now()
    meetup = MeetupFactory(
        capacity=30,
        starts_at=now + datetime.timedelta(hours=24),
        registration_closes_at=now + datetime.timedelta(hours=23),
        cancel_cutoff=now + datetime.timedelta(hours=23),
    )
    fans = make_fans(32, prefix=prefix)
    for fan in fans:
        register_for_meetup(fan, meetup)
    cancel_registration(fans[0], Registration.objects.get(meetup=meetup, fan=fans[0]))
    held = Registration.objects.get(meetup=meetup, fan=fans[30])
    assert held.confirm_by is not None
    return meetup, fans, held


def _reminders(fan, meetup):
    return Notification.objects.filter(recipient=fan, group=f"meetup:{meetup.pk}:late-reminder")


def test_a_late_seat_is_reminded_halfway_to_the_deadline_once_in_the_fans_language(mailoutbox):
    meetup, fans, held = _late_seat()
    fans[30].language = "en"
    fans[30].save(update_fields=["language"])
    halfway = held.confirmed_at + (held.confirm_by - held.confirmed_at) / 2
    assert remind_unconfirmed_seats(halfway - datetime.timedelta(minutes=1)) == 0
    assert remind_unconfirmed_seats(halfway + datetime.timedelta(minutes=1)) == 1
    assert remind_unconfirmed_seats(halfway + datetime.timedelta(minutes=6)) == 0  # once
    (note,) = _reminders(fans[30], meetup)
    assert note.text.startswith("Reminder: please confirm by") and meetup.title in note.text


def test_a_chinese_fan_is_reminded_in_chinese():
    meetup, fans, held = _late_seat(prefix="zh")
    fans[30].language = "zh-hans"
    fans[30].save(update_fields=["language"])
    assert remind_unconfirmed_seats(held.confirm_by - datetime.timedelta(minutes=1)) == 1
    (note,) = _reminders(fans[30], meetup)
    assert "确认" in note.text


def test_a_confirmed_seat_is_not_reminded():
    meetup, fans, held = _late_seat(prefix="ok")
    confirm_seat(fans[30], held)
    assert remind_unconfirmed_seats(held.confirm_by - datetime.timedelta(minutes=1)) == 0
    assert not _reminders(fans[30], meetup).exists()


def test_a_fan_confirmed_early_is_never_reminded():
    meetup = MeetupFactory()
    fan = UserFactory()
    register_for_meetup(fan, meetup)
    assert remind_unconfirmed_seats(timezone.now() + datetime.timedelta(days=9)) == 0


def test_my_meetups_shows_each_state_with_position_ticket_and_cancel(client, django_assert_max_num_queries):
    fan = UserFactory(language="en")
    full = MeetupFactory(capacity=1, capacity_override=True, title="满了")
    register_for_meetup(UserFactory(), full)
    register_for_meetup(UserFactory(), full)
    waiting = register_for_meetup(fan, full)  # number 2 in line
    confirmed = register_for_meetup(fan, MeetupFactory(title="有座"))
    drawn = MeetupFactory(title="抽签", mode="draw")
    register_for_meetup(fan, drawn)
    Registration.objects.filter(meetup=drawn, fan=fan).update(state=State.REJECTED)
    past = MeetupFactory(title="去过")
    came = register_for_meetup(fan, past)
    Registration.objects.filter(pk=came.pk).update(checked_in_at=timezone.now())
    missed_meetup = MeetupFactory(title="没去")
    missed = register_for_meetup(fan, missed_meetup)
    Registration.objects.filter(pk=missed.pk).update(state=State.NO_SHOW)
    from meetups.models import Meetup

    Meetup.objects.filter(pk__in=[past.pk, missed_meetup.pk]).update(
        starts_at=timezone.now() - datetime.timedelta(days=3)
    )
    client.force_login(fan)
    client.get("/")
    with django_assert_max_num_queries(8):
        response = client.get("/meetups/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    upcoming, past_part = page.split('id="my-past"')
    assert "You are number 2 on the waiting list." in upcoming
    assert f"/meetups/{confirmed.meetup_id}/ticket/" in upcoming
    assert f"/meetups/registrations/{waiting.pk}/cancel/" in upcoming
    assert "Not selected" in upcoming and "去过" not in upcoming
    assert "Checked in" in past_part and "Did not come" in past_part
    # Cancelling from the page asks first, then comes back to it.
    asked = client.post(f"/meetups/registrations/{waiting.pk}/cancel/", {"next": "mine"})
    assert asked.status_code == 200 and 'id="confirm-cancel"' in asked.content.decode()
    assert Registration.objects.get(pk=waiting.pk).state == State.WAITING
    response = client.post(f"/meetups/registrations/{waiting.pk}/cancel/", {"next": "mine", "confirm": "yes"})
    assert response.status_code == 302 and response["Location"] == "/meetups/mine/"
    assert Registration.objects.get(pk=waiting.pk).state == State.CANCELLED


def test_a_late_seat_shows_its_deadline_and_confirms_from_my_meetups(client):
    meetup, fans, held = _late_seat(prefix="page")
    client.force_login(fans[30])
    response = client.get("/meetups/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="state held"' in page and 'class="confirm-seat"' in page  # the fan reads it in Chinese
    assert timezone.localtime(held.confirm_by).strftime("%Y-%m-%d %H:%M") in page
    response = client.post(f"/meetups/registrations/{held.pk}/confirm/", {"next": "mine"})
    assert response.status_code == 302 and response["Location"] == "/meetups/mine/"
    assert Registration.objects.get(pk=held.pk).confirm_by is None


def test_past_meetups_are_paged_by_keyset(client, django_assert_max_num_queries):
    from meetups.models import Meetup

    fan = UserFactory(language="en")
    for _ in range(23):
        register_for_meetup(fan, MeetupFactory())
    Meetup.objects.update(starts_at=timezone.now() - datetime.timedelta(days=2))  # the same start: order by row
    client.force_login(fan)
    first = client.get("/meetups/mine/").content.decode()
    assert first.count("Not counted yet") == 20
    cursor = first.split("?before=")[1].split('"')[0]
    with django_assert_max_num_queries(6):
        response = client.get("/meetups/mine/", {"before": cursor})
    assert response.status_code == 200
    second = response.content.decode()
    assert second.count("Not counted yet") == 3 and 'rel="next"' not in second
    for odd in ["x", "1.2.3", "99999999999999999999.1", "-5.-1", "٣.٣"]:
        assert client.get("/meetups/mine/", {"before": odd}).status_code == 200


def test_my_meetups_needs_a_sign_in(client):
    response = client.get("/meetups/mine/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_remind_once():
    from tests.helpers import race

    meetup, fans, held = _late_seat(prefix="race")
    later = held.confirm_by - datetime.timedelta(minutes=1)
    results = race(lambda: remind_unconfirmed_seats(later), lambda: remind_unconfirmed_seats(later))
    assert sorted(results) == [0, 1]
    assert _reminders(fans[30], meetup).count() == 1
