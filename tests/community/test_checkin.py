"""Daily check-in: one tap, one row a day, a streak and a small credit, exact under a double tap."""

import datetime

import pytest
from django.utils import timezone

from community import checkin, credits
from community.models import CheckIn, CreditEntry, CreditReason
from tests.forum.factories import fan
from tests.helpers import race


@pytest.mark.django_db
def test_one_tap_checks_in_once_a_day_with_a_credit(client):
    user = fan()
    client.force_login(user)
    response = client.post("/checkin/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json() == {"streak": 1, "made": True, "text": "Checked in: 1 day in a row."}
    again = client.post("/checkin/", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.json()["made"] is False
    assert CheckIn.objects.filter(user=user).count() == 1
    assert credits.credits_of(user.pk) == credits.RULES[CreditReason.CHECKIN].amount


@pytest.mark.django_db
def test_the_streak_counts_days_in_a_row_and_restarts_after_a_gap():
    user = fan()
    today = timezone.localdate()
    CheckIn.objects.create(user=user, day=today - datetime.timedelta(days=1), streak=4)
    row, made = checkin.check_in(user)
    assert made and row.streak == 5
    other = fan()
    CheckIn.objects.create(user=other, day=today - datetime.timedelta(days=2), streak=9)
    assert checkin.check_in(other)[0].streak == 1


@pytest.mark.django_db
def test_the_navigation_knows_without_a_query_whether_the_fan_checked_in(client):
    user = fan()
    client.force_login(user)
    assert "data-checkin" in client.get("/forum/").content.decode()
    checkin.check_in(user)
    assert "data-checkin" not in client.get("/forum/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_check_ins_in_the_same_second_give_one_row_and_one_credit():
    user = fan()
    results = race(*[lambda: checkin.check_in(user) for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(made for _row, made in results) == [False, False, False, True]
    assert CheckIn.objects.filter(user=user).count() == 1
    assert CreditEntry.objects.filter(user=user, reason=CreditReason.CHECKIN).count() == 1
