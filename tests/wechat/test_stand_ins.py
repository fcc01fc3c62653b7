"""A follower who never linked has a stand-in account (User.stand_in): it moves no fan count, appears in
no fan list or mention, has no public profile and cannot sign in; a linked fan counts once."""

import importlib

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.activity import active_fans
from accounts.models import City, Notification, User
from forum.writing import posting
from meetups.models import CitySnapshot
from meetups.ranking import snapshot_cities
from servicedesk import insights
from servicedesk.activity_weeks import counts_on
from servicedesk.wechat import linking
from servicedesk.wechat.followers import follower_for
from servicedesk.wechat.models import Account
from tests.servicedesk.factories import fan, feedback, rewind

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return Account.objects.create(name="A", slug="brand", app_id="wxstandins000001")


def figures(city: City) -> dict:
    snapshot_cities()
    snapshot = CitySnapshot.objects.get(city=city, day=timezone.localdate())
    overall = counts_on(timezone.localdate())
    return {
        "ranking": (snapshot.active_fans, snapshot.all_fans),
        "weeks": (sum(a for a, _t in overall.values()), sum(t for _a, t in overall.values())),
        "segments": insights.segment_counts(),
        "city segments": insights.segment_counts(city),
        "active fans": active_fans().count(),
        "sign-ups": sum(day.signups for day in insights.signups()),
    }


def test_a_stand_in_moves_no_count_and_a_linked_fan_counts_once(account):
    shenzhen = City.objects.get(slug="shenzhen")
    me = fan(city=shenzhen, last_active_on=timezone.localdate(), date_joined=timezone.now())
    before = figures(shenzhen)
    assert before["ranking"][1] >= 1 and before["segments"]["new"] >= 1 and before["sign-ups"] >= 1
    follower = follower_for(account, "never-linked", timezone.now())
    stand_in = follower.user
    assert stand_in.stand_in and stand_in.username.startswith("wx-")
    # Even with a city and today's activity (nothing a stand-in gets today), it is not a fan.
    User.objects.filter(pk=stand_in.pk).update(city=shenzhen, last_active_on=timezone.localdate())
    assert figures(shenzhen) == before
    assert not insights.segment_fans("new").filter(pk=stand_in.pk).exists()

    mine = follower_for(account, "mine", timezone.now())
    linking.link_with_code(me, linking.issue(mine).code)
    assert figures(shenzhen) == before  # the fan once; their follower's stand-in not at all


def test_a_stand_in_is_not_mentioned_has_no_profile_and_cannot_sign_in(account, client):
    stand_in = follower_for(account, "quiet", timezone.now()).user
    other = fan()
    author = fan()
    thread = feedback(author)
    rewind(author)
    posting.post_reply(author, thread, f"@{stand_in.username} @{other.username} 看看这个")
    mentioned = set(Notification.objects.filter(kind="mention").values_list("recipient_id", flat=True))
    assert mentioned == {other.pk}

    for name in ("profile", "community:card", "community:followers", "forum:fan_threads", "forum:fan_posts"):
        assert client.get(reverse(name, args=[stand_in.username])).status_code == 404, name
    assert client.get(reverse("profile", args=[other.username])).status_code == 200

    client.force_login(stand_in)
    assert client.get(reverse("notifications")).status_code == 302  # signed out: to the sign-in page
    assert not client.login(username=stand_in.username, password="")


def test_the_admins_fan_list_leaves_stand_ins_out_unless_asked(account, client):
    stand_in = follower_for(account, "listed", timezone.now()).user
    someone = fan()
    admin = User.objects.create_superuser("root-admin", "root@example.com", "correct-horse-battery")
    client.force_login(admin)
    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert someone.username in page and stand_in.username not in page
    page = client.get(reverse("admin:accounts_user_changelist") + "?kind=stand_in").content.decode()
    assert stand_in.username in page and someone.username not in page


def test_the_migration_marks_the_placeholders_made_before_the_field(account):
    """wechat.0003: a follower's placeholder (its digest username, no password) becomes a stand-in; a fan
    who happens to have a wx- username and a password does not."""
    from django.apps import apps

    migration = importlib.import_module("servicedesk.wechat.migrations.0003_placeholders_are_stand_ins")
    old = follower_for(account, "before-the-field", timezone.now()).user
    User.objects.filter(pk=old.pk).update(stand_in=False)
    lookalike = fan(username="wx-0123456789abcdef")
    migration.mark(apps, None)
    assert User.objects.get(pk=old.pk).stand_in and not User.objects.get(pk=lookalike.pk).stand_in
