"""A fan's threads and posts, newest first, paged by key (?before=<id>), linked from the profile; hidden
and deleted posts and the private beta board follow the forum's visibility rules."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.deletion import delete_account
from accounts.roles import CORE_TESTERS
from forum.models import Board, Post, Thread
from forum.moderation import moderate
from forum.reading import profile
from forum.writing import posting
from tests.forum.factories import fan, member, reply, staff, thread

pytestmark = pytest.mark.django_db


def _posts(author, n: int) -> list[Post]:
    """n posts by `author` in one thread, a minute apart, oldest first (two share a time: the id breaks
    the tie)."""
    t = thread(fan())
    start = timezone.now() - datetime.timedelta(days=1)
    times = [start + datetime.timedelta(minutes=i) for i in range(n)]
    if n > 11:
        times[10] = times[11]
    posts = Post.objects.bulk_create(
        Post(thread=t, floor=i + 2, author=author, body=f"回帖 {i}", html=f"<p>回帖 <b>{i}</b></p>", created_at=at)
        for i, at in enumerate(times)
    )
    Thread.objects.filter(pk=t.pk).update(post_count=n + 1)
    return posts


def test_posts_newest_first_and_page_two_by_key_without_offset(client):
    author = fan(username="writer")
    posts = _posts(author, 65)
    newest_first = posts[::-1]
    client.get("/forum/u/writer/posts/")
    with CaptureQueriesContext(connection) as seen:
        first = client.get("/forum/u/writer/posts/")
    assert len(seen) <= 3  # the fan, the posts with their threads (and the session when signed in)
    sqls = [q["sql"] for q in seen.captured_queries]  # read now: the next request clears the log
    assert first.status_code == 200
    assert [p.pk for p in first.context["page"].rows] == [p.pk for p in newest_first[:30]]
    cursor = first.context["page"].next_before
    assert cursor == newest_first[29].pk and f"?before={cursor}" in first.content.decode()

    with CaptureQueriesContext(connection) as seen_two:
        second = client.get("/forum/u/writer/posts/", {"before": cursor})
    assert len(seen_two) <= 3
    sqls_two = [q["sql"] for q in seen_two.captured_queries]
    assert second.status_code == 200
    assert [p.pk for p in second.context["page"].rows] == [p.pk for p in newest_first[30:60]]
    third = client.get("/forum/u/writer/posts/", {"before": second.context["page"].next_before})
    assert [p.pk for p in third.context["page"].rows] == [p.pk for p in newest_first[60:]]
    assert third.context["page"].next_before is None

    for queries in (sqls, sqls_two):
        sql = " ".join(queries).upper()
        assert "OFFSET" not in sql and "LIMIT 31" in sql
    keyed = next(q for q in sqls_two if "LIMIT 31" in q)
    assert '"created_at" <= (SELECT' in keyed and f'"id" < {cursor}' in keyed
    assert "回帖 64" in first.content.decode() and "<b>" not in first.content.decode().split("profile-posts")[1]


def test_the_key_is_a_range_on_the_author_index():
    author = fan()
    posts = _posts(author, 40)
    older = profile._older_than(Post.objects.filter(author=author), Post, posts[20].pk)
    with connection.cursor() as cursor:
        # Statistics left by earlier tests would mislead the planner: take them from these rows.
        cursor.execute(f"ANALYZE {Post._meta.db_table}")
        # A test table is tiny: ask what the index can do, not whether a scan and a sort are cheaper.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = older.order_by("-created_at", "-id")[:31].explain()
    assert "post_author_recent" in plan and "created_at <= (InitPlan" in plan.replace("$0", "(InitPlan"), plan


def test_hidden_deleted_and_beta_posts_are_left_out(client):
    author = member(CORE_TESTERS, username="tester")
    t = thread(author, title="公开帖")
    kept = reply(author, t, "看得见")
    hidden = reply(author, t, "被隐藏")
    gone = reply(author, t, "被删除")
    moderate.hide_post(staff(), hidden, "spam")
    posting.delete_post(author, gone)
    beta = thread(author, slug="beta", title="内测帖", body="内测内容")

    html = client.get("/forum/u/tester/posts/").content.decode()
    assert "看得见" in html and "被隐藏" not in html and "被删除" not in html and "内测内容" not in html
    assert "公开帖" in client.get("/forum/u/tester/threads/").content.decode()
    assert "内测帖" not in client.get("/forum/u/tester/threads/").content.decode()

    client.force_login(member(CORE_TESTERS))
    assert "内测内容" in client.get("/forum/u/tester/posts/").content.decode()
    assert beta.title in client.get("/forum/u/tester/threads/").content.decode()
    assert kept.pk in [p.pk for p in client.get("/forum/u/tester/posts/").context["page"].rows]


def test_threads_newest_first_paged_by_key(client, django_assert_max_num_queries):
    author = fan(username="starter")
    general = Board.objects.get(slug="general")
    start = timezone.now() - datetime.timedelta(days=1)
    threads = Thread.objects.bulk_create(
        Thread(board=general, author=author, title=f"主题 {i}", created_at=start + datetime.timedelta(minutes=i))
        for i in range(33)
    )
    client.get("/forum/u/starter/threads/")
    with django_assert_max_num_queries(3):
        first = client.get("/forum/u/starter/threads/")
    assert first.status_code == 200
    assert first.context["page"].rows == threads[::-1][:30]
    second = client.get("/forum/u/starter/threads/", {"before": first.context["page"].next_before})
    assert second.status_code == 200 and second.context["page"].rows == threads[::-1][30:]


@pytest.mark.parametrize("junk", ["abc", "0", "-4", "99999999999999999999999", "9223372036854775807", "１"])
def test_a_junk_key_is_a_page_not_an_error(client, junk):
    _posts(fan(username="writer"), 3)
    for kind in ("posts", "threads"):
        assert client.get(f"/forum/u/writer/{kind}/", {"before": junk}).status_code == 200


def test_unknown_and_deleted_fans_have_no_lists(client):
    gone = fan(username="gone")
    delete_account(gone)
    for path in ("/forum/u/nobody/posts/", "/forum/u/nobody/threads/", f"/forum/u/{gone.username}/posts/"):
        assert client.get(path).status_code == 404


def test_the_profile_links_to_the_lists_and_the_fans_own_bookmarks(client):
    owner = fan(username="owner")
    response = client.get("/u/owner/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/forum/u/owner/threads/"' in html and 'href="/forum/u/owner/posts/"' in html
    assert "/forum/bookmarks/" not in html.split('<main id="main"')[1]
    client.force_login(owner)
    html = client.get("/u/owner/").content.decode()
    assert "/forum/bookmarks/" in html.split('<main id="main"')[1]
