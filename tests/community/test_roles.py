"""Role x action for every page of issue 25: check-in, credits, devices, medals, follows, the user card,
private messages, the moderators' reported messages and the community admin."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import User
from community import follows
from messaging import conversations
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLE_USERS = {
    # role: (is_staff, is_superuser, groups)
    "fan": (False, False, []),
    "banned fan": (False, False, []),
    "moderator": (True, False, [roles.MODERATORS]),
    "event staff": (True, False, [roles.EVENT_STAFF]),
    "desk staff": (True, False, [roles.SERVICE_DESK]),
    "core tester": (False, False, [roles.CORE_TESTERS]),
    "plain is_staff": (True, False, []),
    "superuser": (True, True, []),
}
SIGNED_IN = set(ROLE_USERS)
ACTING = SIGNED_IN - {"banned fan"}
STAFF_ROLES = {"moderator", "event staff", "desk staff", "superuser"}


def make(role: str) -> User:
    is_staff, is_superuser, groups = ROLE_USERS[role]
    user = UserFactory(
        is_staff=is_staff,
        is_superuser=is_superuser,
        language="en",
        date_joined=timezone.now() - datetime.timedelta(days=30),
    )
    if role == "banned fan":
        user.banned_until = timezone.now() + datetime.timedelta(days=1)
        user.save(update_fields=["banned_until"])
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def _other():
    return UserFactory(username="other-fan")


def _reported():
    a, b = UserFactory(), UserFactory()
    follows.follow(b, a)
    message = conversations.send(a, b, "reported words")
    conversations.report(b, message, "rude")
    return message


ACTIONS = {
    # action: (setup, request, statuses when allowed, roles allowed, status when refused)
    "check in": (_other, lambda c, _: c.post("/checkin/"), 302, ACTING, 403),
    "my credits": (_other, lambda c, _: c.get("/settings/credits/"), 200, SIGNED_IN, 403),
    "my devices": (_other, lambda c, _: c.get("/settings/devices/"), 200, SIGNED_IN, 403),
    "my medals": (_other, lambda c, _: c.get("/settings/medals/"), 200, SIGNED_IN, 403),
    "user card": (_other, lambda c, o: c.get(f"/u/{o.username}/card/"), 200, SIGNED_IN, 403),
    "follow": (_other, lambda c, o: c.post(f"/u/{o.username}/follow/"), 302, ACTING, 403),
    "followers": (_other, lambda c, o: c.get(f"/u/{o.username}/followers/"), 200, SIGNED_IN, 403),
    "messages inbox": (_other, lambda c, _: c.get("/messages/"), 200, SIGNED_IN, 403),
    "message a stranger": (
        _other,
        lambda c, o: c.post(f"/messages/to/{o.username}/", {"body": "hello"}),
        302,
        STAFF_ROLES,
        400,
    ),
    "reported messages": (_reported, lambda c, _: c.get("/messages/reports/"), 200, {"moderator", "superuser"}, 403),
    "admin: adjust credits": (
        _other,
        lambda c, _: c.get("/admin/community/creditentry/add/"),
        200,
        {"moderator", "superuser"},
        "admin",
    ),
    "admin: award a medal": (
        _other,
        lambda c, _: c.get("/admin/community/medalaward/add/"),
        200,
        {"moderator", "superuser"},
        "admin",
    ),
    "admin: levels": (_other, lambda c, _: c.get("/admin/community/level/"), 200, {"moderator", "superuser"}, "admin"),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_matrix(client, django_assert_max_num_queries, role, action):
    setup, request, allowed_status, allowed, refused = ACTIONS[action]
    target = setup()
    user = make(role)
    client.force_login(user)
    client.get("/")
    with django_assert_max_num_queries(40):
        response = request(client, target)
    if role in allowed:
        assert response.status_code == allowed_status, response.content.decode()[:500]
    elif refused == "admin":
        assert response.status_code == (403 if ROLE_USERS[role][0] else 302)
    else:
        assert response.status_code == refused


@pytest.mark.parametrize("action", list(ACTIONS))
def test_anonymous_visitors_are_sent_to_log_in_or_see_only_public_pages(client, action):
    setup, request, _, _, _ = ACTIONS[action]
    response = request(client, setup())
    if action in ("user card", "followers"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "login" in response["Location"]
