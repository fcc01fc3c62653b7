"""Bookmarks (收藏): toggled by POST, idempotent, shown on the thread page without a query of their own,
listed newest first by key, private to the fan, exported and erased with the account."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.deletion import delete_account
from accounts.export import export_personal_data
from accounts.roles import CORE_TESTERS
from forum.models import Board, Bookmark, Thread
from forum.writing import bookmarks
from tests.forum.factories import fan, member, thread
from tests.helpers import race

pytestmark = pytest.mark.django_db


def _bookmark(client, t, on: str = "1", **extra):
    return client.post(f"/forum/t/{t.pk}/bookmark/", {"on": on, **extra})


def test_a_fan_bookmarks_a_thread_and_takes_it_back(client):
    reader, t = fan(), thread(fan(), title="收藏我")
    client.force_login(reader)
    response = _bookmark(client, t)
    assert response.status_code == 302 and response["Location"] == t.get_absolute_url()
    assert Bookmark.objects.filter(user=reader, thread=t).count() == 1
    page = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["bookmarked"] is True
    assert 'aria-pressed="true">Bookmarked</button>' in page.content.decode()

    assert _bookmark(client, t, "0").status_code == 302
    assert not Bookmark.objects.filter(user=reader).exists()
    assert client.get(t.get_absolute_url()).context["bookmarked"] is False


def test_sending_the_same_form_twice_changes_nothing_twice(client):
    reader, t = fan(), thread(fan())
    client.force_login(reader)
    for _ in range(2):
        assert _bookmark(client, t).status_code == 302
    assert Bookmark.objects.filter(user=reader, thread=t).count() == 1
    for _ in range(2):
        assert _bookmark(client, t, "0").status_code == 302
    assert not Bookmark.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_make_one_bookmark():
    reader, t = fan(), thread(fan())
    results = race(
        *[lambda: bookmarks.set_bookmark(reader, Thread.objects.select_related("board").get(pk=t.pk), True)] * 4
    )
    assert results == [True] * 4
    assert Bookmark.objects.filter(user=reader, thread=t).count() == 1


def test_the_bookmark_state_costs_no_query_on_the_thread_page(client):
    reader, t = fan(), thread(fan(), title="刷机问题", body="我刷机后无法开机")
    client.force_login(reader)
    client.get(t.get_absolute_url())  # a session's first request records the day's activity
    client.get(t.get_absolute_url())
    with CaptureQueriesContext(connection) as without:
        assert client.get(t.get_absolute_url()).status_code == 200
    bookmarks.set_bookmark(reader, t, True)
    with CaptureQueriesContext(connection) as marked:
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200 and response.context["bookmarked"] is True
    assert len(marked) == len(without)
    assert any("forum_bookmark" in q["sql"] and "forum_watch" in q["sql"] for q in marked.captured_queries)


def test_bookmarking_asks_for_a_signed_in_post_with_csrf(client):
    t = thread(fan())
    assert client.post(f"/forum/t/{t.pk}/bookmark/", {"on": "1"})["Location"].startswith("/accounts/login/")
    client.force_login(fan())
    assert client.get(f"/forum/t/{t.pk}/bookmark/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(fan())
    assert strict.post(f"/forum/t/{t.pk}/bookmark/", {"on": "1"}).status_code == 403
    assert not Bookmark.objects.exists()


def test_threads_the_fan_may_not_see_cannot_be_bookmarked(client):
    hidden = thread(member(CORE_TESTERS), slug="beta")
    client.force_login(fan())
    assert _bookmark(client, hidden).status_code == 404
    assert client.post("/forum/t/999999/bookmark/", {"on": "1"}).status_code == 404
    assert not Bookmark.objects.exists()


@pytest.mark.parametrize("junk", [{"on": "maybe"}, {}, {"on": "1", "next": "https://evil.example/"}])
def test_junk_in_the_form_is_no_error(client, junk):
    t = thread(fan())
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/bookmark/", junk)
    assert response.status_code == 302 and response["Location"] == t.get_absolute_url()


def test_a_fetch_gets_the_new_state_as_json(client):
    t = thread(fan())
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/bookmark/", {"on": "1"}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 200 and response.json() == {"on": True}


def _bookmarked_threads(reader, n: int) -> list[Thread]:
    """n threads bookmarked by `reader`, oldest bookmark first."""
    author = fan()
    general = Board.objects.get(slug="general")
    threads = Thread.objects.bulk_create(Thread(board=general, author=author, title=f"帖子 {i}") for i in range(n))
    Bookmark.objects.bulk_create(Bookmark(user=reader, thread=t) for t in threads)
    return threads


def test_my_bookmarks_newest_first_paged_by_key(client, django_assert_max_num_queries):
    reader = fan()
    threads = _bookmarked_threads(reader, 35)
    Bookmark.objects.bulk_create([Bookmark(user=fan(), thread=threads[0])])  # someone else's
    client.force_login(reader)
    client.get("/forum/bookmarks/")
    # the session and the fan (when not cached), the bookmarks with their threads, the read marks
    with django_assert_max_num_queries(4) as seen:
        first = client.get("/forum/bookmarks/")
    assert first.status_code == 200
    assert [b.thread for b in first.context["page"].bookmarks] == threads[::-1][:30]
    assert not any("OFFSET" in q["sql"].upper() for q in seen.captured_queries)
    cursor = first.context["page"].next_before
    assert f"?before={cursor}" in first.content.decode()

    second = client.get("/forum/bookmarks/", {"before": cursor})
    assert second.status_code == 200
    assert [b.thread for b in second.context["page"].bookmarks] == threads[::-1][30:]
    assert second.context["page"].next_before is None


@pytest.mark.parametrize("junk", ["abc", "-1", "0", "99999999999999999999999", "１"])
def test_my_bookmarks_with_a_junk_key_is_a_page(client, junk):
    reader = fan()
    _bookmarked_threads(reader, 2)
    client.force_login(reader)
    response = client.get("/forum/bookmarks/", {"before": junk})
    assert response.status_code == 200


def test_my_bookmarks_are_mine_and_need_a_sign_in(client):
    reader, other = fan(), fan()
    mine, theirs = thread(fan(), title="我的收藏帖"), thread(fan(), title="别人的收藏帖")
    bookmarks.set_bookmark(reader, mine, True)
    bookmarks.set_bookmark(other, theirs, True)
    assert client.get("/forum/bookmarks/")["Location"].startswith("/accounts/login/")
    client.force_login(reader)
    html = client.get("/forum/bookmarks/").content.decode()
    assert "我的收藏帖" in html and "别人的收藏帖" not in html


def test_a_bookmarked_thread_moved_to_the_beta_board_drops_out_for_fans_who_may_not_see_it(client):
    reader, tester = fan(), member(CORE_TESTERS)
    t = thread(fan(), title="搬走的帖子")
    for who in (reader, tester):
        bookmarks.set_bookmark(who, t, True)
    Thread.objects.filter(pk=t.pk).update(board=Board.objects.get(slug="beta"))
    client.force_login(reader)
    assert "搬走的帖子" not in client.get("/forum/bookmarks/").content.decode()
    client.force_login(tester)
    assert "搬走的帖子" in client.get("/forum/bookmarks/").content.decode()


def test_bookmarks_are_exported_and_erased_with_the_account():
    leaving, staying = fan(), fan()
    t = thread(fan())
    bookmarks.set_bookmark(leaving, t, True)
    bookmarks.set_bookmark(staying, t, True)
    assert [b["thread"] for b in export_personal_data(leaving)["forum_bookmarks"]] == [t.pk]
    delete_account(leaving)
    assert not Bookmark.objects.filter(user=leaving).exists()
    assert export_personal_data(leaving)["forum_bookmarks"] == []
    assert Bookmark.objects.filter(user=staying).count() == 1
