"""Each staff power belongs to one group (accounts.roles); `is_staff` alone grants none of them.

The matrix: every role against every staff write and read, asserting what each one gets.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from accounts import roles
from accounts.models import User
from forum.attachments import inspect
from forum.models import Post
from servicedesk import private
from servicedesk.models import SavedView, Ticket
from tests.factories import UserFactory
from tests.forum.factories import thread
from tests.forum.test_attachments import upload
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db

ROLE_USERS = {
    # role: (is_staff, is_superuser, groups)
    "fan": (False, False, []),
    "moderator": (True, False, [roles.MODERATORS]),
    "event staff": (True, False, [roles.EVENT_STAFF]),
    "desk staff": (True, False, [roles.SERVICE_DESK]),
    "core tester": (False, False, [roles.CORE_TESTERS]),
    "plain is_staff": (True, False, []),
    "superuser": (True, True, []),
}


def make(role: str) -> User:
    is_staff, is_superuser, groups = ROLE_USERS[role]
    user = UserFactory(is_staff=is_staff, is_superuser=is_superuser, language="en")
    user.groups.add(*Group.objects.filter(name__in=groups))
    return user


def _post():
    return thread(title="moderate me").posts.get()


def _hide(client, post):
    response = client.post(f"/forum/p/{post.pk}/hide/", {"reason": "spam", "confirm": "yes"})
    hidden = Post.objects.get(pk=post.pk).hidden_at is not None
    done = response.status_code == 302 and "login" not in response["Location"]
    assert hidden == done  # a refused write writes nothing
    return response


def _nothing():
    return None


def _desk_ticket():
    request = private.open_request(UserFactory(), "订单", "订单没到")
    return request.ticket


def _desk_write(data: dict, written):
    """A desk write on a ticket; a refused one writes nothing."""

    def run(client, ticket):
        response = client.post(f"/staff/queue/{ticket.pk}/", data)
        done = response.status_code == 302 and "login" not in response["Location"]
        assert written(ticket) == done
        return response

    return run


def _merge(client, ticket):
    other = private.open_request(ticket.request.fan, "订单 2", "还是订单").ticket
    response = client.post(f"/staff/queue/{other.pk}/", {"action": "merge", "into": ticket.pk, "confirm": "1"})
    merged = Ticket.objects.get(pk=other.pk).merged_into_id == ticket.pk
    assert merged == (response.status_code == 302 and "login" not in response["Location"])
    return response


def _save_view(client, _):
    response = client.post("/staff/queue/views/", {"name": "mine", "query": "scope=mine"})
    assert SavedView.objects.exists() == (response.status_code == 302 and "login" not in response["Location"])
    return response


def _private_file():
    fan = UserFactory()
    request = private.open_request(fan, "日志", "见附件")
    message = private.send_message(fan, request.pk, "log", inspect([], [upload("a.log", b"boot\n")], True))
    return message.attachments.get()


ACTIONS = {
    # action: (what it needs, the request, queries at most, roles allowed)
    "moderation: hide a post": (_post, _hide, 20, {"moderator", "superuser"}),
    "beta board read": (_nothing, lambda c, _: c.get("/forum/b/beta/"), 12, {"core tester", "superuser"}),
    "service desk queue": (_nothing, lambda c, _: c.get("/staff/queue/"), 12, {"desk staff", "superuser"}),
    "insights": (_nothing, lambda c, _: c.get("/staff/insights/"), 30, {"desk staff", "superuser"}),
    "all-fans CSV export": (
        _nothing,
        lambda c, _: c.get("/staff/insights/segments.csv", {"segment": "active"}),
        12,
        {"desk staff", "superuser"},
    ),
    "meetups admin change page": (
        MeetupFactory,
        lambda c, meetup: c.get(f"/admin/meetups/meetup/{meetup.pk}/change/"),
        25,
        {"event staff", "superuser"},
    ),
    "service desk admin": (
        _nothing,
        lambda c, _: c.get("/admin/servicedesk/ticket/"),
        20,
        {"desk staff", "superuser"},
    ),
    "desk write: assign, tag and fill fields": (
        _desk_ticket,
        _desk_write(
            {"action": "details", "tags": "battery", "device_model": "Mi 14"},
            lambda t: t.tags.filter(name="battery").exists(),
        ),
        40,
        {"desk staff", "superuser"},
    ),
    "desk write: internal note": (
        _desk_ticket,
        _desk_write({"action": "note", "note": "staff only"}, lambda t: t.notes.exists()),
        30,
        {"desk staff", "superuser"},
    ),
    "desk write: merge a duplicate": (_desk_ticket, _merge, 60, {"desk staff", "superuser"}),
    "desk write: save a queue view": (_nothing, _save_view, 15, {"desk staff", "superuser"}),
    "desk queue search": (
        _nothing,
        lambda c, _: c.get("/staff/queue/", {"scope": "mine", "q": "订单", "breached": "1"}),
        14,
        {"desk staff", "superuser"},
    ),
    "desk reports": (_nothing, lambda c, _: c.get("/staff/reports/"), 16, {"desk staff", "superuser"}),
    "private request file of another fan": (
        _private_file,
        lambda c, f: c.get(f"/servicedesk/files/{f.pk}/"),
        12,
        {"desk staff", "superuser"},
    ),
    "desk teams admin": (
        _nothing,
        lambda c, _: c.get("/admin/servicedesk/team/"),
        20,
        {"desk staff", "superuser"},
    ),
    "service level targets admin": (
        _nothing,
        lambda c, _: c.get("/admin/servicedesk/slatarget/"),
        20,
        {"desk staff", "superuser"},
    ),
}

# What a refusal looks like: the admin sends non-staff to its login page and answers staff without the
# model permission 403; the beta board is not found by those who may not see it; the rest is 403.
ADMIN = {"meetups admin change page", "service desk admin", "desk teams admin", "service level targets admin"}


def expected_refusal(action: str, role: str) -> int:
    if action in ADMIN:
        return 403 if ROLE_USERS[role][0] else 302
    if action in ("beta board read", "private request file of another fan"):
        return 404
    return 403


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_matrix(client, django_assert_max_num_queries, role, action):
    setup, request, budget, allowed = ACTIONS[action]
    target = setup()
    client.force_login(make(role))
    client.get("/")  # the first visit of the day records activity

    with django_assert_max_num_queries(budget):
        response = request(client, target)

    if role in allowed:
        assert response.status_code == (302 if action.startswith(("moderation", "desk write")) else 200)
    else:
        status = expected_refusal(action, role)
        assert response.status_code == status
        if status == 302:
            assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_anonymous_visitors_are_sent_to_log_in_or_not_found(client, action):
    setup, request, _, _ = ACTIONS[action]
    response = request(client, setup())
    if action == "beta board read":
        assert response.status_code == 404
    else:
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("role", list(ROLE_USERS))
@pytest.mark.parametrize("group", roles.ROLES)
def test_the_sql_rule_lets_in_exactly_whom_the_python_rule_lets_in(role, group):
    user = make(role)
    assert roles.holders(User.objects.filter(pk=user.pk), group).exists() == roles.has_role(user, group)


def test_a_deactivated_superuser_or_member_holds_no_role():
    for role in ("superuser", "desk staff"):
        user = make(role)
        user.is_active = False
        user.save(update_fields=["is_active"])
        assert not any(roles.has_role(user, group) for group in roles.ROLES)
        assert not roles.holders(User.objects.filter(pk=user.pk), roles.SERVICE_DESK).exists()
    assert not any(roles.has_role(AnonymousUser(), group) for group in roles.ROLES)


def test_each_group_holds_only_the_admin_permissions_of_its_own_tasks():
    apps = {
        roles.EVENT_STAFF: {"meetups", "accounts"},  # accounts: view cities (the meetup's city field)
        roles.SERVICE_DESK: {"servicedesk", "wechat"},  # wechat: the WeChat channel is the desk's
        roles.MODERATORS: {
            "forum",
            "accounts",
            "community",
        },  # accounts: the sensitive-word list; community: medals, devices, the ledger
        roles.CORE_TESTERS: set(),
        roles.OPERATIONS: {"django_celery_beat", "outbox"},
    }
    for name, expected in apps.items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("content_type__app_label", flat=True)) == expected, name
    codenames = {
        name: set(Group.objects.get(name=name).permissions.values_list("codename", flat=True)) for name in apps
    }
    assert {"view_ticket", "change_ticket", "view_ticketevent", "change_rule", "change_desksettings"} <= codenames[
        roles.SERVICE_DESK
    ]
    assert {"view_city", "add_meetup"} <= codenames[roles.EVENT_STAFF] and "change_city" not in codenames[
        roles.EVENT_STAFF
    ]
    assert {"add_sensitiveword", "add_boardmoderator", "view_moderationaction"} <= codenames[roles.MODERATORS]
    # Operations change when tasks run; adding or deleting one (choosing what runs) is for superusers.
    assert "change_periodictask" in codenames[roles.OPERATIONS]
    assert not {"add_periodictask", "delete_periodictask"} & codenames[roles.OPERATIONS]


def test_a_role_is_shown_in_the_staff_members_language_and_found_by_its_one_name():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert roles.role_label(roles.MODERATORS) == "全站版主"
        assert roles.role_label(roles.EVENT_STAFF) == "活动工作人员"
        assert roles.role_label("Volunteers") == "Volunteers"
    with translation.override("en"):
        assert roles.role_label(roles.OPERATIONS) == "Operations"
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
