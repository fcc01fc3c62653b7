"""Every forum page runs an exact number of queries, whatever the amount of data, for both readers.

A signed-in fan pays exactly one query more than an anonymous reader on every page: the user row,
which brings their groups, unread notification count and the session check with it
(accounts.backends; the session itself is read from Redis). Their state on a thread (watching, read
floor, me too, bookmark) comes as columns of the thread's query, their likes as a column of the posts
query, the board page's unread marks as a column of its rows query, and re-reading a page writes
nothing (the read mark only moves forward).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import ReadMark
from forum.writing import feedback, posting
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _data(threads: int, replies: int):
    last = None
    for n in range(threads):
        last = thread(fan(), title=f"刷机问题 {n}", body=f"我刷机后无法开机 {n}")
        first = last.posts.get(floor=1)
        for r in range(replies):
            reply(fan(), last, f"刷机 reply {r} @nobody", quote=first if r % 2 else None)
    return last


def _fb():
    t = thread(fan(), slug="feedback", feedback_kind="bug", body="crash")
    feedback.change_feedback_status(staff(), t, "acknowledged", "seen")
    return t


# (anonymous, signed in). Index: its boards are read at most every 15 s (forum.boards.board_index) and
# their HTML is memoised, so a warm page runs no query. Board and feedback board: the board, its rows
# (the page's ids from the index and those rows with their users, in one statement).
# Thread: the thread with its board, the page's posts with their authors (role groups), quoted posts
# and attachments. Feedback thread: its status history and the desk's panel too
# (settings.FORUM_THREAD_PANELS). Search: the hits (the ranking is cached 60 s, the board filter's
# boards are the index's lines).
BUDGETS = {
    "index": (0, 1),
    "board": (2, 3),
    "feedback board": (2, 3),
    "thread": (2, 3),
    "feedback thread": (4, 5),
    "search": (1, 2),
}


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("reader", ["anonymous", "signed in"])
def test_every_forum_page_runs_an_exact_number_of_queries(client, django_assert_num_queries, reader, size):
    t = _data(size, size * 6)  # 25 floors at size 4: two pages
    fb = _fb()
    if reader == "signed in":
        client.force_login(fan())
    pages = {
        "index": ("/forum/", {}),
        "board": ("/forum/b/general/", {}),
        "feedback board": ("/forum/b/feedback/", {"sort": "votes"}),
        "thread": (t.get_absolute_url(), {"page": 2 if size > 1 else 1}),
        "feedback thread": (fb.get_absolute_url(), {}),
        "search": ("/forum/search/", {"q": "刷机"}),
    }
    for name, (url, params) in pages.items():
        client.get(url, params)  # warm: the session's first request of the day, fragments, the read mark
        with django_assert_num_queries(BUDGETS[name][reader == "signed in"]):
            response = client.get(url, params)
        assert response.status_code == 200, name


def test_re_reading_a_thread_page_writes_nothing_and_new_floors_move_the_read_mark(client):
    t = _data(1, 3)
    reader = fan()
    client.force_login(reader)
    client.get(t.get_absolute_url())
    assert ReadMark.objects.get(user=reader, thread=t).floor == 4
    with CaptureQueriesContext(connection) as queries:
        assert client.get(t.get_absolute_url()).status_code == 200
    assert [q["sql"] for q in queries if not q["sql"].startswith("SELECT")] == []
    reply(fan(), t, "a new floor")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200 and len(queries) == BUDGETS["thread"][1] + 1  # the one write
    assert ReadMark.objects.get(user=reader, thread=t).floor == 5


def test_a_signed_in_fan_sees_their_own_state_on_the_thread_and_board_pages(client):
    """What the folded columns carry reaches the page: watching, liked, unread."""
    t = _data(1, 2)
    reader = fan()
    posting.set_watching(reader, t, True)
    posting.toggle_like(reader, t.posts.get(floor=2), True)
    client.force_login(reader)
    page = client.get(t.get_absolute_url()).content.decode()
    assert 'aria-pressed="true"' in page  # the liked post's button
    assert 'name="on" value="0"' in page  # watching: the button stops watching
    reply(fan(), t, "unread floor")
    board = client.get("/forum/b/general/").content.decode()
    assert 'class="thread-row unread"' in board and f"/forum/t/{t.pk}/unread/" in board
