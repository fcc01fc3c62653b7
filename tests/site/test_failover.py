"""Losing the primary (fancity.lib.dbrouting): read-only mode from a real replica, then a promotion the site
follows without a restart. The primary is really stopped (kill -9 of its postmaster and backends, as
pg_ctl's immediate mode does) and the replica really promoted (`pg_ctl promote`).
"""

import pytest
from django.db import connections
from django.test import Client

from fancity.lib import dbrouting
from forum.models import Post
from tests.dbcluster import DATABASES, REPLICA
from tests.forum.factories import fan, staff, thread
from tests.helpers import wait_until
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=DATABASES)

READ_ONLY = "暂时只读"


def _replica_posts() -> int:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM forum_post")
        return cursor.fetchone()[0]


def test_without_a_primary_pages_answer_from_the_replica_and_writes_get_the_read_only_page(db_cluster):
    t = thread(fan(), title="停机也能看", body="主库停了")
    meetup = MeetupFactory()
    reader, boss = Client(), Client()
    writer = fan()
    reader.force_login(writer)
    boss.force_login(staff())
    post = t.posts.get()
    db_cluster.wait_for_replica()
    posts = _replica_posts()
    db_cluster.primary.halt("immediate")
    try:
        dbrouting.checker.forget()
        for client in (Client(), reader, boss):
            for url in (t.get_absolute_url(), "/forum/b/general/", "/forum/", meetup.get_absolute_url(), "/"):
                response = client.get(url)
                assert response.status_code == 200, url
            assert "停机也能看" in client.get(t.get_absolute_url()).content.decode()
        # Every write: the read-only page in the fan's language, before the view runs.
        for url, data in (
            (f"/forum/t/{t.pk}/reply/", {"body": "写不进去"}),
            (f"/forum/p/{post.pk}/like/", {}),
            (f"/meetups/{meetup.pk}/register/", {"answer": "你好"}),
            ("/settings/", {"display_name": "新名字", "city": writer.city, "bio": "", "language": ""}),
        ):
            response = reader.post(url, data)
            assert response.status_code == 503, url
            assert READ_ONLY in response.content.decode() and response["Retry-After"]
        # Only staff see the banner.
        assert "只读模式" in boss.get(t.get_absolute_url()).content.decode()
        assert "只读模式" not in reader.get(t.get_absolute_url()).content.decode()
        # Choosing a language writes nothing and still works.
        assert reader.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
        assert _replica_posts() == posts
    finally:
        db_cluster.primary.start()
        dbrouting.checker.forget()
        connections["default"].close()  # the test's own connection died with the primary
    # Nothing was half-written, and writes work again once a primary answers.
    assert Post.objects.count() == posts
    assert reader.post(f"/forum/t/{t.pk}/reply/", {"body": "主库回来了"}).status_code == 302
    assert Post.objects.filter(body="主库回来了").exists()


def test_a_write_under_way_when_the_primary_dies_gets_the_read_only_page(db_cluster):
    t = thread(fan(), body="in flight")
    client = Client(raise_request_exception=False)  # the answer a fan gets, not the exception
    client.force_login(fan())
    db_cluster.wait_for_replica()
    assert client.get(t.get_absolute_url()).status_code == 200  # the primary and the replica both measured up
    db_cluster.primary.halt("immediate")
    try:
        # The measurement (at most a second old) still says the primary is up: the write finds out itself.
        response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "half way"})
        assert response.status_code == 503 and READ_ONLY in response.content.decode()
    finally:
        db_cluster.primary.start()
        dbrouting.checker.forget()
        connections["default"].close()  # the test's own connection died with the primary
    assert not Post.objects.filter(body="half way").exists()


def test_the_site_follows_a_promoted_replica_without_a_restart(db_cluster):
    """Last in the module: afterwards the old primary is behind the new one for good."""
    t = thread(fan(), body="before the promotion")
    client = Client(raise_request_exception=False)
    client.force_login(fan())
    db_cluster.wait_for_replica()
    db_cluster.primary.halt("immediate")
    dbrouting.checker.forget()
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "x"}).status_code == 503
    db_cluster.replica.promote()
    # DATABASE_URL names both hosts with target_session_attrs=read-write: the next connection finds the new primary.
    wait_until(
        lambda: client.post(f"/forum/t/{t.pk}/reply/", {"body": "after the promotion"}).status_code == 302,
        what="writes to reach the promoted replica",
    )
    page = client.get(t.get_absolute_url())
    assert page.status_code == 200 and "after the promotion" in page.content.decode()
    assert int(str(connections["default"].connection.info.port)) == db_cluster.replica.port
    assert dbrouting.checker.current().primary_up and not dbrouting.checker.current().fresh
