import threading

import pytest
from django.db import connection

from forum import posting
from forum.models import Board, Post, Thread
from tests.forum.factories import fan, thread

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_replies_get_distinct_consecutive_floors_and_exact_counters():
    t = thread()
    repliers = [fan() for _ in range(8)]
    barrier = threading.Barrier(len(repliers))
    errors = []

    def write(user):
        try:
            barrier.wait()
            posting.post_reply(user, t, f"hello from {user.username}")
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=write, args=(u,)) for u in repliers]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert sorted(Post.objects.filter(thread=t).values_list("floor", flat=True)) == list(range(1, 10))
    t = Thread.objects.get(pk=t.pk)
    assert (t.post_count, t.reply_count) == (9, 8)
    assert Board.objects.get(pk=t.board_id).post_count == 9


def test_one_fan_racing_two_posts_gets_only_one_through():
    t = thread()
    author = fan()
    barrier = threading.Barrier(2)
    results = []

    def write():
        try:
            barrier.wait()
            posting.post_reply(author, t, "double tap")
            results.append("ok")
        except Exception as error:  # noqa: BLE001
            results.append(type(error).__name__)
        finally:
            connection.close()

    workers = [threading.Thread(target=write) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert sorted(results) == ["PostingLimited", "ok"]
    assert Post.objects.filter(author=author).count() == 1
