"""Event staff do the whole meetups job without being superusers, and nothing of the service desk;
the organiser of an approved fan meetup runs that meetup's door and nothing else."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK
from meetups.models import Meetup, Registration
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory, event_staff

pytestmark = pytest.mark.django_db


def _member(group):
    user = UserFactory(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def world():
    organiser = UserFactory(language="en")
    soon = timezone.now() + datetime.timedelta(hours=1)
    fan_meetup = MeetupFactory(
        kind=Meetup.Kind.FAN,
        approval=Meetup.Approval.APPROVED,
        proposed_by=organiser,
        starts_at=soon,
        registration_closes_at=None,
        cancel_cutoff=None,
    )
    other = MeetupFactory(starts_at=soon, registration_closes_at=None, cancel_cutoff=None)
    return {
        "organiser": organiser,
        "fan_meetup": fan_meetup,
        "other": other,
        "mine": register_for_meetup(UserFactory(display_name="来宾"), fan_meetup),
        "theirs": register_for_meetup(UserFactory(display_name="别处"), other),
    }


def _people(world):
    return {
        "event staff": event_staff(language="en"),
        "superuser": UserFactory(is_staff=True, is_superuser=True, language="en"),
        "organiser": world["organiser"],
        "fan": UserFactory(language="en"),
        "moderator": _member(MODERATORS),
        "desk staff": _member(SERVICE_DESK),
    }


DOOR = {"event staff", "superuser"}


@pytest.mark.parametrize("page", ["check_in", "attendees"])
@pytest.mark.parametrize("who", ["event staff", "superuser", "organiser", "fan", "moderator", "desk staff"])
def test_who_opens_the_door_pages(client, world, page, who, django_assert_max_num_queries):
    user = _people(world)[who]
    client.force_login(user)
    client.get("/")
    for meetup_key in ("fan_meetup", "other"):
        url = reverse(f"meetups:{page}", args=[world[meetup_key].pk])
        with django_assert_max_num_queries(13):
            response = client.get(url, {"q": "来宾"} if page == "check_in" else {})
        allowed = who in DOOR or (who == "organiser" and meetup_key == "fan_meetup")
        assert response.status_code == (200 if allowed else 403), (who, meetup_key)


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for page in ("check_in", "attendees"):
        response = client.get(reverse(f"meetups:{page}", args=[world["fan_meetup"].pk]))
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_organiser_checks_in_their_own_attendees_and_nobody_elses(client, world):
    client.force_login(world["organiser"])
    own = reverse("meetups:check_in", args=[world["fan_meetup"].pk])
    response = client.post(own, {"registration": world["mine"].pk})
    assert response.status_code == 200 and "Welcome, 来宾" in response.content.decode()
    # Another meetup's fan, through the organiser's own door: refused, nothing written.
    response = client.post(own, {"registration": world["theirs"].pk})
    assert response.status_code == 200 and "not registered for this meetup" in response.content.decode()
    response = client.post(reverse("meetups:check_in", args=[world["other"].pk]), {"registration": world["theirs"].pk})
    assert response.status_code == 403
    assert not Registration.objects.get(pk=world["theirs"].pk).checked_in_at


def test_the_organiser_gets_no_other_staff_power(client, world):
    client.force_login(world["organiser"])
    # Their own meetup's staff page (message, cancel: tests/meetups/test_organiser_powers.py), no other.
    assert client.get(reverse("meetups:manage", args=[world["other"].pk])).status_code == 403
    assert client.get(f"/admin/meetups/meetup/{world['fan_meetup'].pk}/change/").status_code == 302
    assert client.get("/staff/queue/").status_code == 403


def test_a_pending_proposal_gives_its_fan_no_door(client, world):
    Meetup.objects.filter(pk=world["fan_meetup"].pk).update(approval=Meetup.Approval.PENDING)
    client.force_login(world["organiser"])
    assert client.get(reverse("meetups:check_in", args=[world["fan_meetup"].pk])).status_code == 403


def test_my_meetups_links_the_organiser_to_their_door(client, world):
    client.force_login(world["organiser"])
    page = client.get("/meetups/mine/").content.decode()
    assert reverse("meetups:check_in", args=[world["fan_meetup"].pk]) in page
    assert reverse("meetups:attendees", args=[world["fan_meetup"].pk]) in page


EVENT_STAFF_PAGES = [
    "/admin/meetups/meetup/",
    "/admin/meetups/registration/",
    "/admin/meetups/attendeemessage/",
    "/admin/meetups/doorentry/",
    "/admin/meetups/schedulersettings/",
]


def test_event_staff_do_the_whole_job_without_being_superusers(client, world, django_assert_max_num_queries):
    staff = event_staff(language="en")
    assert not staff.is_superuser and Group.objects.get(name=EVENT_STAFF) in staff.groups.all()
    client.force_login(staff)
    for url in EVENT_STAFF_PAGES:
        assert client.get(url).status_code == 200, url
    meetup = world["other"]
    assert client.get(f"/admin/meetups/meetup/{meetup.pk}/change/").status_code == 200
    assert client.get(reverse("meetups:manage", args=[meetup.pk])).status_code == 200
    response = client.post("/admin/meetups/meetup/", {"action": "export_attendees", "_selected_action": [meetup.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    response = client.post(reverse("meetups:check_in", args=[meetup.pk]), {"registration": world["theirs"].pk})
    assert response.status_code == 200 and Registration.objects.get(pk=world["theirs"].pk).checked_in_at


def test_event_staff_get_neither_the_service_desk_nor_the_fan_export(client):
    client.force_login(event_staff(language="en"))
    assert client.get("/staff/queue/").status_code == 403
    assert client.get("/staff/insights/segments.csv", {"segment": "active"}).status_code == 403
    assert client.get("/admin/servicedesk/ticket/").status_code == 403
    assert client.get("/admin/accounts/user/").status_code == 403
