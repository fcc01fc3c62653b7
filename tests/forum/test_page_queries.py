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
        client.get("/forum/")
    with django_assert_max_num_queries(4):
        client.get("/forum/b/general/")
    with django_assert_max_num_queries(10):
        client.get(t.get_absolute_url())
    with django_assert_max_num_queries(4):
        client.get("/forum/search/", {"q": "刷机"})
