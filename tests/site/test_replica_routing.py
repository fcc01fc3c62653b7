"""Reads from a real streaming replica (fancity.lib.dbrouting), with read-your-writes, against a real primary.

The replica's replay is paused where a test must show that a page did not come from the replica: the
replica then lacks the fan's write, and the page shows it only if it was read from the primary.
"""

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fancity.lib import dbrouting
from meetups.models import Registration
from tests.dbcluster import DATABASES, REPLICA
from tests.factories import UserFactory
from tests.forum.factories import fan, reply, thread
from tests.forum.test_page_queries import BUDGETS
from tests.helpers import wait_until
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)


def _queries(client, url, params=None):
    """The response to GET `url`, and the number of queries it ran on the primary and on the replica."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as rep:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response, len(primary), len(rep)


def test_anonymous_pages_read_from_the_replica_with_the_same_queries(db_cluster, client):
    t = thread(fan(), title="刷机问题", body="我刷机后无法开机")
    reply(fan(), t, "刷机 第二楼")
    meetup = MeetupFactory()
    db_cluster.wait_for_replica()
    pages = {
        "board": ("/forum/b/general/", None),
        "thread": (t.get_absolute_url(), None),
        "search": ("/forum/search/", {"q": "刷机"}),
    }
    for name, (url, params) in pages.items():
        client.get(url, params or {})  # warm, as the page-query test does
        response, on_primary, on_replica = _queries(client, url, params)
        assert (on_primary, on_replica) == (0, BUDGETS[name][0]), name
    for url in (f"/u/{t.author.username}/", meetup.get_absolute_url(), "/meetups/"):
        response, on_primary, on_replica = _queries(client, url)
        assert on_primary == 0 and on_replica > 0, url
    # Not a page that tolerates lag: the primary.
    assert _queries(client, "/accounts/login/")[2] == 0


def test_hot_reads_use_prepared_statements_on_the_replica(db_cluster, client):
    t = thread(fan(), body="prepared")
    db_cluster.wait_for_replica()
    for _ in range(7):  # past psycopg's prepare_threshold (settings.DATABASES)
        assert client.get(t.get_absolute_url()).status_code == 200
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
    assert prepared > 0


@pytest.fixture
def fan_client(db_cluster, client):
    """A signed-in fan whose session the replica has, with the replica's replay then paused: from here on
    the replica lacks every write, and is still used (its lag limit is an hour)."""
    user = fan()
    client.force_login(user)
    db_cluster.wait_for_replica()
    db_cluster.pause_replay()
    with override_settings(DATABASE_REPLICA_MAX_LAG=3600):
        dbrouting.checker.forget()
        yield client, user
    db_cluster.resume_replay()


def _anonymous(url: str):
    """GET `url` as a new anonymous reader (served by the replica)."""
    return Client().get(url)


def test_a_reply_is_on_the_page_the_fan_lands_on_and_the_next(db_cluster, fan_client):
    client, _user = fan_client
    t = thread(fan(), body="first")
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "我的回复在这里"}, follow=True)
    assert response.status_code == 200 and "我的回复在这里" in response.content.decode()
    assert "我的回复在这里" in client.get(t.get_absolute_url()).content.decode()
    # An anonymous reader is served by the paused replica, which has neither the thread nor the reply.
    assert _anonymous(t.get_absolute_url()).status_code == 404


def test_a_like_is_on_the_next_page(db_cluster, fan_client):
    client, _user = fan_client
    t = thread(fan(), body="like me")
    db_cluster.resume_replay()
    db_cluster.wait_for_replica()
    db_cluster.pause_replay()
    post = t.posts.get()
    assert client.post(f"/forum/p/{post.pk}/like/").status_code == 302
    for _ in range(2):
        assert 'aria-pressed="true"' in client.get(t.get_absolute_url()).content.decode()
    # The replica has the post but not the like.
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT like_count FROM forum_post WHERE id = %s", [post.pk])
        assert cursor.fetchone() == (0,)


def test_a_meetup_registration_is_on_the_meetup_page(db_cluster, fan_client):
    client, user = fan_client
    meetup = MeetupFactory()
    response = client.post(reverse("meetups:register", args=[meetup.pk]), {"answer": "你好"}, follow=True)
    assert response.status_code == 200
    assert Registration.objects.filter(fan=user).exists()
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert reverse("meetups:ticket", args=[meetup.pk]) in page


def test_a_setting_is_on_the_profile_page(db_cluster, fan_client):
    client, user = fan_client
    form = {"display_name": "新名字", "city": user.city, "bio": "我的新简介", "language": "", "email_kinds": []}
    assert client.post("/settings/", form).status_code == 302
    for _ in range(2):
        assert "我的新简介" in client.get(f"/u/{user.username}/").content.decode()
    assert "我的新简介" not in _anonymous(f"/u/{user.username}/").content.decode()


def test_a_replica_past_the_lag_limit_is_skipped(db_cluster, client):
    t = thread(fan(), body="lagging")
    db_cluster.wait_for_replica()
    db_cluster.pause_replay()
    try:
        reply(fan(), t, "written while the replica is paused")
        with override_settings(DATABASE_REPLICA_MAX_LAG=0.5, DATABASE_CHECK_SECONDS=0.1):
            # The replica is skipped once it is measured past the limit: the page then has the reply.
            wait_until(
                lambda: "written while the replica is paused" in client.get(t.get_absolute_url()).content.decode(),
                what="the lagging replica to be skipped",
            )
            _response, _on_primary, on_replica = _queries(client, t.get_absolute_url())
            assert on_replica == 0
            assert dbrouting.checker.current().lag[REPLICA] > 0.5
    finally:
        db_cluster.resume_replay()


def test_a_replica_that_is_down_is_skipped_without_an_error(db_cluster, client):
    t = thread(fan(), body="replica down")
    db_cluster.wait_for_replica()
    assert _queries(client, t.get_absolute_url())[2] > 0  # served by the replica
    db_cluster.replica.halt("immediate")
    try:
        for _ in range(3):
            with CaptureQueriesContext(connections["default"]) as primary:
                response = client.get(t.get_absolute_url())
            assert response.status_code == 200 and "replica down" in response.content.decode()
            assert len(primary) > 0
        assert REPLICA not in dbrouting.checker.current().answering
    finally:
        db_cluster.replica.start()
        dbrouting.checker.forget()
    db_cluster.wait_for_replica()


def test_signed_in_fans_who_have_not_written_read_from_the_replica(db_cluster, client):
    t = thread(fan(), body="signed in")
    client.force_login(UserFactory())
    db_cluster.wait_for_replica()
    client.get(t.get_absolute_url())  # the day's first visit writes (accounts.activity)
    db_cluster.wait_for_replica()
    _response, on_primary, on_replica = _queries(client, t.get_absolute_url())
    assert on_replica == BUDGETS["thread"][1] and on_primary == 0
