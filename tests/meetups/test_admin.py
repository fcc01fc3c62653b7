import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import EVENT_STAFF
from meetups.models import Meetup
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


def test_admin_lists_a_meetup_and_links_its_registrations_with_counts(staff_client, django_assert_max_num_queries):
    meetup = MeetupFactory(capacity=1, capacity_override=True)
    register_for_meetup(UserFactory(display_name="报名者"), meetup)
    register_for_meetup(UserFactory(), meetup)
    assert staff_client.get(reverse("admin:meetups_meetup_changelist") + "?status__exact=published").status_code == 200
    response = staff_client.get(reverse("admin:meetups_meetup_change", args=[meetup.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    link = reverse("admin:meetups_registration_changelist") + f"?meetup__id__exact={meetup.pk}"
    assert link in html and "2 registrations" in html and "Confirmed: 1" in html and "On the waiting list: 1" in html
    listing = staff_client.get(link)
    assert listing.status_code == 200 and "报名者" in listing.content.decode()


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
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
        }
    )
    response = staff_client.post(url, data)
    assert "Capacity cannot be below the 1 fans already confirmed." in response.content.decode()
    assert Meetup.objects.get(pk=meetup.pk).capacity == 1


def _propose(title: str):
    import datetime

    from django.utils import timezone

    from meetups.proposals import propose_meetup

    return propose_meetup(
        UserFactory(),
        title=title,
        starts_at=timezone.now() + datetime.timedelta(days=20),
        venue="茶馆",
        address="锦江区 1 号",
        capacity=30,
    )


def test_approving_proposals_whose_titles_hold_markup_publishes_them_with_the_title_as_typed(staff_client):
    from forum.models import Thread

    longest, short = _propose("<>&\"'" * 24), _propose("Tea & <cake>")
    response = staff_client.post(
        reverse("admin:meetups_meetup_changelist"),
        {"action": "approve_proposals", "_selected_action": [longest.pk, short.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Approved 2 proposals." in [str(m) for m in response.context["messages"]]
    longest.refresh_from_db()
    short.refresh_from_db()
    assert longest.status == short.status == Meetup.Status.PUBLISHED
    long_title = Thread.objects.get(pk=longest.city_thread_id).title
    assert len(long_title) <= 120 and "<>&\"'" in long_title and "&lt;" not in long_title
    thread = Thread.objects.get(pk=short.city_thread_id)
    assert thread.title.endswith("Tea & <cake>")
    html = staff_client.get(thread.get_absolute_url()).content.decode()
    assert "Tea &amp; &lt;cake&gt;" in html and "&amp;lt;" not in html


def test_a_refused_proposal_is_reported_and_the_others_are_approved(staff_client):
    first, second = _propose("第一个"), _propose("第二个")
    staff_client.post(
        reverse("admin:meetups_meetup_changelist"),
        {"action": "reject_proposals", "_selected_action": [first.pk], "reason": "重复"},
    )
    response = staff_client.post(
        reverse("admin:meetups_meetup_changelist"),
        {"action": "approve_proposals", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert response.status_code == 200
    assert any("Only a pending fan proposal can be approved." in m for m in shown), shown
    assert "Approved 1 proposals." in shown
    second.refresh_from_db()
    assert second.status == Meetup.Status.PUBLISHED
