"""Every forum page runs a fixed number of queries, whatever the amount of data."""

import pytest

from forum import feedback
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _data(threads: int, replies: int):
    last = None
    for n in range(threads):
        last = thread(fan(), title=f"刷机问题 {n}", body=f"我刷机后无法开机 {n}")
        for _ in range(replies):
            reply(fan(), last, "刷机 reply @nobody")
    return last


def _fb():
    t = thread(fan(), slug="feedback", feedback_kind="bug", body="crash")
    feedback.change_feedback_status(staff(), t, "acknowledged", "seen")
    return t


@pytest.mark.parametrize("size", [1, 4])
def test_board_index_board_thread_and_search_pages_query_counts(client, django_assert_max_num_queries, size):
    t = _data(size, size)
    fb = _fb()
    client.force_login(fan())
    client.get("/forum/")  # the first request of a session writes the day's activity
    with django_assert_max_num_queries(8):
        assert client.get("/forum/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/forum/b/general/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/forum/b/feedback/", {"sort": "votes"}).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(t.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(fb.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/forum/search/", {"q": "刷机"}).status_code == 200


def test_anonymous_pages_query_counts(client, django_assert_max_num_queries):
    t = _data(3, 3)
    with django_assert_max_num_queries(3):
        assert client.get("/forum/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/forum/b/general/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(t.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/forum/search/", {"q": "刷机"}).status_code == 200


# The thread page's exact budget, whatever the number of posts and replies. Anonymous: the thread
# with its board, the page's posts, their authors (role groups in the same query), the quoted posts.
# Signed in adds the user (with their groups, unread count and the session check: accounts.backends;
# the session itself comes from Redis), watch/read/me-too state, their likes and the read mark. A
# feedback thread adds its status history and the service desk's panel (settings.FORUM_THREAD_PANELS).
THREAD_PAGE_QUERIES = {
    ("anonymous", "plain"): 4,
    ("anonymous", "feedback"): 6,
    ("signed in", "plain"): 8,
    ("signed in", "feedback"): 10,
}


@pytest.mark.parametrize("replies", [1, 25])
@pytest.mark.parametrize("kind", ["plain", "feedback"])
@pytest.mark.parametrize("reader", ["anonymous", "signed in"])
def test_thread_page_runs_an_exact_number_of_queries(client, django_assert_num_queries, reader, kind, replies):
    t = _fb() if kind == "feedback" else thread(fan(), title="刷机问题", body="我刷机后无法开机")
    first = t.posts.get(floor=1)
    for n in range(replies):
        reply(fan(), t, f"第 {n} 楼 @nobody", quote=first)
    if reader == "signed in":
        client.force_login(fan())
    client.get(t.get_absolute_url())  # a session's first request records the day's activity
    with django_assert_num_queries(THREAD_PAGE_QUERIES[reader, kind]):
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200 and t.title in response.content.decode()
