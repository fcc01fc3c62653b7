"""Medals: automatic ones from a task (idempotent, never in the request), staff-awarded ones with a
reason, up to three shown under the fan's name."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import medals
from community.models import Medal, MedalAward
from community.tasks import recompute_medals
from forum.writing import feedback
from tests.forum.factories import fan, member, staff, thread
from tests.helpers import race


@pytest.mark.django_db
def test_automatic_medals_follow_their_rules_and_a_second_run_gives_nothing_more():
    tester = fan(date_joined=timezone.now() - datetime.timedelta(days=400))
    tester.groups.add(Group.objects.get(name="Core testers"))
    reporter, desk = fan(), staff()
    bug = thread(reporter, slug="feedback", feedback_kind="bug", body="crash")
    feedback.change_feedback_status(desk, bug, "acknowledged")
    assert medals.recompute([tester.pk, reporter.pk]) == 3
    assert medals.recompute([tester.pk, reporter.pk]) == 0
    held = set(MedalAward.objects.values_list("user_id", "medal__slug"))
    assert held == {(tester.pk, "core_tester"), (tester.pk, "anniversary"), (reporter.pk, "first_bug")}


@pytest.mark.django_db
def test_the_task_recomputes_for_fans_active_lately():
    old = fan(date_joined=timezone.now() - datetime.timedelta(days=800))
    from accounts.models import DailyActivity

    DailyActivity.objects.create(user=old, day=timezone.localdate())
    assert recompute_medals() == 1
    assert MedalAward.objects.filter(user=old, medal__slug="anniversary").exists()


@pytest.mark.django_db(transaction=True)
def test_two_medal_tasks_at_once_give_one_medal():
    veteran = fan(date_joined=timezone.now() - datetime.timedelta(days=400))
    results = race(*[lambda: medals.recompute([veteran.pk]) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 1
    assert MedalAward.objects.filter(user=veteran).count() == 1


@pytest.mark.django_db
def test_staff_award_with_a_reason_and_fans_may_not():
    winner, moderator = fan(), member("Moderators")
    medal = Medal.objects.create(slug="photo-contest", name="摄影大赛冠军", name_en="Photo contest winner")
    with pytest.raises(ValidationError):
        medals.award(moderator, winner, medal, "")
    with pytest.raises(PermissionDenied):
        medals.award(fan(), winner, medal, "because")
    assert medals.award(moderator, winner, medal, "Won the 2026 contest") is True
    assert medals.award(moderator, winner, medal, "again") is False
    award = MedalAward.objects.get(user=winner, medal=medal)
    assert (award.awarded_by, award.reason) == (moderator, "Won the 2026 contest")


@pytest.mark.django_db
def test_a_fan_shows_at_most_three_of_their_own_medals_in_their_order(client):
    owner = fan()
    all_medals = list(Medal.objects.order_by("id")[:5])
    for medal in all_medals[:4]:
        MedalAward.objects.create(user=owner, medal=medal)
    with pytest.raises(ValidationError):
        medals.choose_shown(owner, [m.pk for m in all_medals[:4]])
    with pytest.raises(ValidationError):
        medals.choose_shown(owner, [all_medals[4].pk])
    medals.choose_shown(owner, [all_medals[2].pk, all_medals[0].pk])
    shown = MedalAward.objects.filter(user=owner, shown_position__isnull=False).order_by("shown_position")
    assert [a.medal_id for a in shown] == [all_medals[2].pk, all_medals[0].pk]
    client.force_login(owner)
    response = client.post("/settings/medals/", {"medals": [all_medals[1].pk]})
    assert response.status_code == 302
    assert list(MedalAward.objects.filter(user=owner, shown_position=1).values_list("medal_id", flat=True)) == [
        all_medals[1].pk
    ]
