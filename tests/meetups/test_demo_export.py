import pytest
from django.core.management import call_command

from accounts.export import export_personal_data
from meetups.models import CitySnapshot, Meetup
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db


def test_demo_data_loads_meetups_and_a_ranking_and_is_idempotent(client):
    call_command("demo_data")
    count = Meetup.objects.count()
    assert count >= 4 and CitySnapshot.objects.values("day").distinct().count() >= 10
    assert Meetup.objects.filter(status="published").exists() and Meetup.objects.filter(approval="pending").exists()
    call_command("demo_data")
    assert Meetup.objects.count() == count
    assert client.get("/meetups/cities/").status_code == 200
    assert client.get("/meetups/").status_code == 200


def test_personal_data_export_holds_the_fans_registrations():
    fan = UserFactory()
    meetup = MeetupFactory()
    register_for_meetup(fan, meetup, "我的问题")
    data = export_personal_data(fan)
    assert data["meetups"]["registrations"][0]["answer"] == "我的问题"
    assert data["meetups"]["registrations"][0]["state"] == "confirmed"
