"""The fan who organises an approved fan meetup writes to its attendees and cancels it with a reason
(no longer a 403); only event staff move it. Staff reject a proposal with a reason the proposer reads."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import City, Notification
from accounts.roles import MODERATORS, SERVICE_DESK
from forum.models import Post
from meetups.changes import cancel_meetup, reschedule_meetup
from meetups.messaging import message_attendees
from meetups.models import AttendeeMessage, Meetup
from meetups.proposals import approve_proposal, propose_meetup
from meetups.registration import register_for_meetup
from tests.factories import UserFactory
from tests.meetups.factories import event_staff

pytestmark = pytest.mark.django_db


def _member(group):
    user = UserFactory(is_staff=True, language="en")
    user.groups.add(Group.objects.get(name=group))
    return user


def _proposal(fan, title="读书会"):
    return propose_meetup(
        fan, title=title, starts_at=timezone.now() + datetime.timedelta(days=20), venue="咖啡馆", address="福田区 1 号"
    )


@pytest.fixture
def world():
    shenzhen = City.objects.get(slug="shenzhen")
    organiser = UserFactory(language="en", city=shenzhen, display_name="组织者")
    other_organiser = UserFactory(language="en", city=shenzhen)
    meetup = approve_proposal(event_staff(), _proposal(organiser))
    approve_proposal(event_staff(), _proposal(other_organiser, "别人的"))
    fan = UserFactory(language="en", display_name="参加者")
    register_for_meetup(fan, meetup)
    return {"organiser": organiser, "other organiser": other_organiser, "meetup": meetup, "fan": fan}


def test_the_organiser_writes_to_their_attendees(client, world):
    client.force_login(world["organiser"])
    url = reverse("meetups:manage", args=[world["meetup"].pk])
    page = client.get(url).content.decode()
    assert 'id="message"' in page and 'id="cancel"' in page and 'id="reschedule"' not in page
    client.post(url, {"action": "message", "message-audience": "confirmed", "message-text": "带上好奇心"})
    sent = AttendeeMessage.objects.get()
    assert (sent.sent_by, sent.recipients, sent.text) == (world["organiser"], 1, "带上好奇心")


def test_the_organiser_cancels_their_meetup_with_a_reason_and_the_announcement_says_so(client, world):
    client.force_login(world["organiser"])
    url = reverse("meetups:manage", args=[world["meetup"].pk])
    asked = client.post(url, {"action": "cancel", "cancel-reason": "场地临时关闭"})
    assert asked.status_code == 200 and "场地临时关闭" in asked.content.decode()  # the second step
    client.post(url, {"action": "cancel", "cancel-reason": "场地临时关闭", "confirm": "yes"})
    meetup = Meetup.objects.get(pk=world["meetup"].pk)
    assert (meetup.status, meetup.change_reason, meetup.sequence) == (Meetup.Status.CANCELLED, "场地临时关闭", 1)
    first = Post.objects.get(thread_id=meetup.city_thread_id, floor=1)
    assert "场地临时关闭" in first.body or "取消" in first.body or "Cancelled" in first.body
    assert Post.objects.filter(thread_id=meetup.city_thread_id, author=world["organiser"], floor__gt=1).exists()


def test_the_organiser_cannot_move_the_meetup(client, world):
    client.force_login(world["organiser"])
    url = reverse("meetups:manage", args=[world["meetup"].pk])
    new = timezone.localtime() + datetime.timedelta(days=30)
    response = client.post(
        url,
        {
            "action": "reschedule",
            "reschedule-starts_at": new.strftime("%Y-%m-%dT%H:%M"),
            "reschedule-reason": "改期",
        },
    )
    assert response.status_code == 200
    assert Meetup.objects.get(pk=world["meetup"].pk).sequence == 0
    with pytest.raises(PermissionDenied):
        reschedule_meetup(world["organiser"], world["meetup"], timezone.now() + datetime.timedelta(days=30), None, "x")


# Role x action on the staff page of a fan meetup.
ROLES = ["event staff", "superuser", "organiser", "other organiser", "fan", "moderator", "desk staff"]
ACTIONS = {
    "open": {"event staff", "superuser", "organiser"},
    "message": {"event staff", "superuser", "organiser"},
    "cancel": {"event staff", "superuser", "organiser"},
    "reschedule": {"event staff", "superuser"},
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", ROLES)
def test_who_may_do_what_on_a_fan_meetups_staff_page(world, who, action):
    people = {
        "event staff": lambda: event_staff(language="en"),
        "superuser": lambda: UserFactory(is_staff=True, is_superuser=True, language="en"),
        "organiser": lambda: world["organiser"],
        "other organiser": lambda: world["other organiser"],
        "fan": lambda: world["fan"],
        "moderator": lambda: _member(MODERATORS),
        "desk staff": lambda: _member(SERVICE_DESK),
    }
    user, meetup = people[who](), world["meetup"]
    allowed = who in ACTIONS[action]
    calls = {
        "message": lambda: message_attendees(user, meetup, "all", "你好"),
        "cancel": lambda: cancel_meetup(user, meetup, "原因"),
        "reschedule": lambda: reschedule_meetup(user, meetup, timezone.now() + datetime.timedelta(days=30), None, "改"),
    }
    if action == "open":
        from django.test import Client

        client = Client()
        client.force_login(user)
        status = client.get(reverse("meetups:manage", args=[meetup.pk])).status_code
        assert status == (200 if allowed else 403)
        return
    if allowed:
        calls[action]()
    else:
        with pytest.raises(PermissionDenied):
            calls[action]()
        assert Meetup.objects.get(pk=meetup.pk).sequence == 0 and not AttendeeMessage.objects.exists()


def test_reject_a_proposal_with_a_reason_the_proposer_reads(client, django_assert_max_num_queries):
    proposer = UserFactory(language="en", city=City.objects.get(slug="shenzhen"))
    meetup = _proposal(proposer)
    client.force_login(event_staff(language="en"))
    changelist = reverse("admin:meetups_meetup_changelist")
    asked = client.post(changelist, {"action": "reject_proposals", "_selected_action": [meetup.pk]})
    assert asked.status_code == 200 and 'id="reject-proposals"' in asked.content.decode()
    assert Meetup.objects.get(pk=meetup.pk).approval == Meetup.Approval.PENDING
    empty = client.post(changelist, {"action": "reject_proposals", "_selected_action": [meetup.pk], "reason": " "})
    assert empty.status_code == 200 and Meetup.objects.get(pk=meetup.pk).approval == Meetup.Approval.PENDING
    client.post(changelist, {"action": "reject_proposals", "_selected_action": [meetup.pk], "reason": "同一天已有活动"})
    meetup.refresh_from_db()
    assert (meetup.approval, meetup.change_reason) == (Meetup.Approval.REJECTED, "同一天已有活动")
    told = Notification.objects.get(recipient=proposer)
    assert "not accepted" in told.text and "同一天已有活动" in told.text
    client.force_login(proposer)
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert "Event staff did not accept this proposal." in page and "同一天已有活动" in page
