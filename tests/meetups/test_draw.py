import datetime
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.activity import active_since
from accounts.models import DailyActivity
from meetups.draw import draw_order, draw_weights, run_draw
from meetups.locking import RegistrationError
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from meetups.selection import select_applicants
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff, make_fans

pytestmark = pytest.mark.django_db
State = Registration.State


def staff_user():
    return event_staff()


def closed_draw(capacity=3, applicants=10):
    meetup = MeetupFactory(mode=Meetup.Mode.DRAW, capacity=capacity, capacity_override=True)
    fans = make_fans(applicants, prefix=f"d{meetup.pk}-")
    for fan in fans:
        assert register_for_meetup(fan, meetup).state == State.APPLIED
    Meetup.objects.filter(pk=meetup.pk).update(registration_closes_at=timezone.now())
    return meetup, fans


def test_same_seed_same_order():
    entries = [(i, 1 + i % 3) for i in range(50)]
    assert draw_order("abc", entries) == draw_order("abc", list(reversed(entries)))
    assert draw_order("abc", entries) != draw_order("abd", entries)


def test_same_seed_gives_the_same_winners_in_two_draws():
    winners = []
    for _ in range(2):
        meetup, fans = closed_draw()
        run_draw(staff_user(), meetup, seed="fancity-2025")
        ranks = {f.pk: i for i, f in enumerate(fans)}  # same positions in both meetups
        winners.append(
            sorted(
                ranks[fan_id]
                for fan_id in Registration.objects.filter(meetup=meetup, state=State.CONFIRMED).values_list(
                    "fan_id", flat=True
                )
            )
        )
    assert winners[0] == winners[1] and len(winners[0]) == 3


def test_draw_confirms_capacity_queues_the_rest_in_draw_order_and_shows_the_seed():
    meetup, _ = closed_draw(capacity=3, applicants=10)
    result = run_draw(staff_user(), meetup, seed="s1")
    meetup.refresh_from_db()
    assert meetup.draw_seed == "s1" and meetup.drawn_at and meetup.status == Meetup.Status.CLOSED
    states = list(Registration.objects.filter(meetup=meetup).order_by("order").values_list("state", flat=True))
    assert states == [State.CONFIRMED] * 3 + [State.WAITING] * 7
    assert [r.pk for r in result.confirmed + result.waiting] == list(
        Registration.objects.filter(meetup=meetup).order_by("order").values_list("pk", flat=True)
    )
    with pytest.raises(RegistrationError, match="already been run"):
        run_draw(staff_user(), meetup)


def test_draw_generates_a_seed_when_none_is_given():
    meetup, _ = closed_draw()
    assert len(run_draw(staff_user(), meetup).seed) == 16


def test_draw_waits_for_registration_to_close_and_needs_staff():
    meetup = MeetupFactory(mode=Meetup.Mode.DRAW)
    with pytest.raises(RegistrationError, match="Close registration"):
        run_draw(staff_user(), meetup)
    with pytest.raises(PermissionDenied):
        run_draw(UserFactory(), meetup)


def test_weights_follow_active_days_and_no_shows():
    busy, idle, once, missed = make_fans(4, prefix="w")
    since = active_since()
    DailyActivity.objects.bulk_create(
        [DailyActivity(user=busy, day=since + datetime.timedelta(days=d)) for d in range(25)]
        + [DailyActivity(user=once, day=since + datetime.timedelta(days=3))]
        + [DailyActivity(user=once, day=since - datetime.timedelta(days=3))]  # too old to count
        + [DailyActivity(user=missed, day=since + datetime.timedelta(days=d)) for d in range(10)]
    )
    past = MeetupFactory(starts_at=timezone.now() - datetime.timedelta(days=40), status=Meetup.Status.FINISHED)
    Registration.objects.create(meetup=past, fan=missed, state=State.NO_SHOW, order=1)
    weights = draw_weights([busy.pk, idle.pk, once.pk, missed.pk])
    assert weights == {busy.pk: 3.0, idle.pk: 1.0, once.pk: 1.1, missed.pk: 1.0}


def test_a_heavier_applicant_wins_as_often_as_the_weights_say():
    # Two applicants, one seat, weights 3 and 1: the heavy one should win 3/4 of the draws.
    wins = Counter(draw_order(f"seed-{i}", [(1, 3.0), (2, 1.0)])[0] for i in range(4000))
    assert 0.72 < wins[1] / 4000 < 0.78


def test_staff_selection_confirms_chosen_applicants_within_capacity():
    meetup = MeetupFactory(mode=Meetup.Mode.STAFF, capacity=2, capacity_override=True)
    regs = [register_for_meetup(f, meetup) for f in make_fans(3, prefix="s")]
    assert {r.state for r in regs} == {State.APPLIED}
    with pytest.raises(RegistrationError, match="Only 2 seats"):
        select_applicants(staff_user(), meetup, [r.pk for r in regs])
    select_applicants(staff_user(), meetup, [regs[0].pk, regs[2].pk])
    assert list(Registration.objects.filter(state=State.CONFIRMED).values_list("pk", flat=True).order_by("pk")) == [
        regs[0].pk,
        regs[2].pk,
    ]


def test_fans_selected_by_staff_are_told_in_the_site_in_their_language(client, mailoutbox):
    """Issue 20, item 9: selected fans got the confirmation mail but nothing in the site."""
    from accounts.models import Notification

    meetup = MeetupFactory(mode=Meetup.Mode.STAFF, capacity=2, capacity_override=True, title="工程师面对面")
    english, chinese, other = UserFactory(language="en"), UserFactory(language="zh-hans"), UserFactory()
    regs = [register_for_meetup(fan, meetup) for fan in (english, chinese, other)]
    select_applicants(staff_user(), meetup, [regs[0].pk, regs[1].pk])
    told = {n.recipient_id: n for n in Notification.objects.filter(group=f"meetup:{meetup.pk}")}
    assert set(told) == {english.pk, chinese.pk}
    assert told[english.pk].text == "You were selected for “工程师面对面”: your seat is confirmed."
    assert told[chinese.pk].text.startswith("你已入选") and "工程师面对面" in told[chinese.pk].text
    assert told[english.pk].url == meetup.get_absolute_url()
    client.force_login(english)
    assert "You were selected" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_fans_who_win_the_draw_are_told_in_the_site():
    from accounts.models import Notification

    meetup, fans = closed_draw(capacity=3, applicants=5)
    result = run_draw(staff_user(), meetup, seed="s-told")
    texts = dict(Notification.objects.filter(group=f"meetup:{meetup.pk}").values_list("recipient_id", "text"))
    assert set(texts) == {r.fan_id for r in result.confirmed + result.waiting}
    assert all("你获得了名额" in texts[r.fan_id] for r in result.confirmed)
