import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import EVENT_STAFF
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = UserFactory(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=EVENT_STAFF))
    client.force_login(user)
    return client


def test_event_staff_group_has_the_meetups_permissions():
    codenames = set(Group.objects.get(name=EVENT_STAFF).permissions.values_list("codename", flat=True))
    assert {"change_meetup", "view_registration", "change_registration", "change_schedulersettings"} <= codenames
    assert Permission.objects.filter(codename="change_meetup").count() == 1


def test_admin_lists_and_shows_a_meetup_with_its_registrations(staff_client, django_assert_max_num_queries):
    meetup = MeetupFactory()
    register_for_meetup(UserFactory(display_name="报名者"), meetup)
    assert staff_client.get(reverse("admin:meetups_meetup_changelist") + "?status__exact=published").status_code == 200
    response = staff_client.get(reverse("admin:meetups_meetup_change", args=[meetup.pk]))
    assert response.status_code == 200 and "报名者" in response.content.decode()


def test_admin_export_attendees_csv(staff_client):
    meetup = MeetupFactory()
    register_for_meetup(UserFactory(username="attendee1"), meetup, "问题")
    response = staff_client.post(
        reverse("admin:meetups_meetup_changelist"), {"action": "export_attendees", "_selected_action": [meetup.pk]}
    )
    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv") and "attendee1" in body and "问题" in body


def test_admin_close_registration_action(staff_client):
    meetup = MeetupFactory()
    staff_client.post(
        reverse("admin:meetups_meetup_changelist"), {"action": "close_registration", "_selected_action": [meetup.pk]}
    )
    assert Meetup.objects.get(pk=meetup.pk).status == Meetup.Status.CLOSED


def test_admin_refuses_capacity_below_confirmed(staff_client):
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    register_for_meetup(UserFactory(), meetup)
    url = reverse("admin:meetups_meetup_change", args=[meetup.pk])
    page = staff_client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "cancel_cutoff"):
        value = getattr(meetup, name)
        if value and name in form.fields:
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    data.update(
        {
            "city": meetup.city_id,
            "capacity": 0,
            "capacity_override": "on",
            "registrations-TOTAL_FORMS": 1,
            "registrations-INITIAL_FORMS": 1,
            "registrations-0-id": Registration.objects.get().pk,
            "registrations-0-meetup": meetup.pk,
        }
    )
    response = staff_client.post(url, data)
    assert "Capacity cannot be below the 1 fans already confirmed." in response.content.decode()
    assert Meetup.objects.get(pk=meetup.pk).capacity == 1
