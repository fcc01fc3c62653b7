"""The door finds a fan without their phone by the last digits of the phone number they registered with."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups.models import Question, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db


def test_the_door_search_finds_a_fan_by_the_last_digits_of_their_phone(client, django_assert_max_num_queries):
    meetup = MeetupFactory(
        starts_at=timezone.now() + datetime.timedelta(hours=1), registration_closes_at=None, cancel_cutoff=None
    )
    phone = Question.objects.create(meetup=meetup, label="手机号", kind=Question.Kind.PHONE, required=True)
    # Names without digits: the factory's `fan{n}` usernames would match a search for "80" once the
    # sequence passes 80 (which depends on the tests that ran before), and that search must find no one.
    zhang = UserFactory(username="zhangsan", display_name="张三")
    zhang = register_for_meetup(zhang, meetup, answers={phone.pk: "+86 138-0013-8000"})
    register_for_meetup(UserFactory(username="lisi", display_name="李四"), meetup, answers={phone.pk: "139 0000 1234"})
    url = reverse("meetups:check_in", args=[meetup.pk])
    client.force_login(event_staff(language="en"))
    client.get("/")
    with django_assert_max_num_queries(11):
        response = client.get(url, {"q": "8000"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-registration="{zhang.pk}"' in page and "李四" not in page
    for q in ("0013-8000", "0013 8000", "38000"):
        assert client.get(url, {"q": q}).content.decode().count("data-registration=") == 1, q
    assert "door-no-results" in client.get(url, {"q": "80"}).content.decode()  # too few digits to mean a phone
    response = client.post(url + "?q=8000", {"registration": zhang.pk})
    assert response.status_code == 200 and Registration.objects.get(pk=zhang.pk).checked_in_at
