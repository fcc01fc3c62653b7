"""Hot threads: ranked by a beat task from recent replies and likes with time decay; pages read the
ranking from the cache (one small query on a miss, also with Redis down) and respect visibility."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts.roles import CORE_TESTERS
from forum.models import HotThread, Like, Post, Thread
from forum.moderation import moderate
from forum.reading import hot
from forum.writing import posting
from outbox.queueing import enqueue
from tests.forum.factories import board, fan, member, staff, thread
from tests.helpers import wait_until
from tests.site.test_redis_outage import redis_server  # noqa: F401 - a fixture: a real Redis to kill

pytestmark = pytest.mark.django_db


def _activity(t: Thread, replies: int, hours_ago: float, likes: int = 0) -> None:
    """`replies` replies and `likes` likes on `t`, all `hours_ago` hours ago (written directly: the
    ranking is under test, not posting)."""
    at = timezone.now() - datetime.timedelta(hours=hours_ago)
    start = t.post_count + 1
    Post.objects.bulk_create(
        Post(thread=t, floor=n, author=fan(), body="+1", html="<p>+1</p>", created_at=at)
        for n in range(start, start + replies)
    )
    first = t.posts.get(floor=1)
    Like.objects.bulk_create(Like(post=first, user=fan(), created_at=at) for _ in range(likes))
    Thread.objects.filter(pk=t.pk).update(post_count=start + replies - 1, reply_count=start + replies - 2)
    t.refresh_from_db()


def _titles(items) -> list[str]:
    return [item.title for item in items]


def test_recent_replies_and_likes_rank_first_and_old_activity_fades():
    fresh, liked, stale, quiet = (thread(title=name) for name in ("fresh", "liked", "stale", "quiet"))
    _activity(fresh, replies=3, hours_ago=0.5)
    _activity(liked, replies=1, hours_ago=1, likes=4)
    _activity(stale, replies=12, hours_ago=60)
    _activity(quiet, replies=2, hours_ago=24 * 4)  # outside the window

    assert hot.rank() == 3
    assert _titles(hot.for_board(board("general"))) == ["fresh", "liked", "stale"]
    scores = dict(HotThread.objects.values_list("thread__title", "score"))
    assert scores["fresh"] > scores["liked"] > scores["stale"] > 0


def test_hidden_moved_and_deleted_threads_drop_out_and_beta_shows_only_to_testers(client):
    tester, mod = member(CORE_TESTERS), staff()
    shown, hidden, moved, deleted = (thread(title=name) for name in ("shown", "hidden", "moved", "deleted"))
    secret = thread(tester, slug="beta", title="secret")
    for t in (shown, hidden, moved, deleted, secret):
        _activity(t, replies=2, hours_ago=1)
    hot.rank()

    moderate.hide_post(mod, hidden.posts.get(floor=1), "spam")
    moderate.move_thread(mod, moved, board("feedback"))
    posting.delete_post(deleted.author, deleted.posts.get(floor=1))  # no hook: the query filters it
    cache.clear()

    assert _titles(hot.for_board(board("general"))) == ["shown"]
    assert _titles(hot.for_site(fan())) == ["shown"]
    assert sorted(_titles(hot.for_site(tester))) == ["secret", "shown"]
    home = client.get("/")
    assert home.status_code == 200 and "shown" in home.content.decode() and "secret" not in home.content.decode()


def test_board_and_home_pages_show_the_list_and_pay_for_it_only_on_a_cache_miss(client):
    t = thread(title="热门帖子")
    _activity(t, replies=3, hours_ago=1)
    hot.rank()
    client.force_login(fan())
    client.get("/")  # the first request of a session writes the day's activity
    general = board("general")

    with CaptureQueriesContext(connection) as cold:
        page = client.get("/forum/b/general/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/forum/b/general/", HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200
    assert page.status_code == 200 and len(warm) == len(cold) - 1
    assert not any("forum_hotthread" in q["sql"] for q in warm.captured_queries)
    html = page.content.decode()
    assert "热门主题" in html and "热门帖子" in html
    assert _titles(hot.for_board(general)) == ["热门帖子"]

    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert home.status_code == 200 and "Hot threads" in home.content.decode() and "热门帖子" in home.content.decode()
    with CaptureQueriesContext(connection) as again:
        assert client.get("/", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert not any("forum_hotthread" in q["sql"] for q in again.captured_queries)


def test_with_redis_down_the_pages_read_the_table(client, redis_server):  # noqa: F811
    _activity(thread(title="still hot"), replies=2, hours_ago=1)
    hot.rank()
    redis_server.kill()
    page = client.get("/forum/b/general/")
    assert page.status_code == 200 and "still hot" in page.content.decode()
    home = client.get("/")
    assert home.status_code == 200 and "still hot" in home.content.decode()


def test_a_cache_miss_costs_one_query(django_assert_num_queries):
    _activity(thread(title="x"), replies=1, hours_ago=1)
    hot.rank()
    general = board("general")
    with django_assert_num_queries(1):
        hot.for_board(general)
    with django_assert_num_queries(0):
        hot.for_board(general)


def test_ranking_again_replaces_the_lists_and_clears_their_cache(django_capture_on_commit_callbacks):
    t = thread(title="first")
    _activity(t, replies=1, hours_ago=1)
    hot.rank()
    assert _titles(hot.for_board(board("general"))) == ["first"]
    Post.objects.filter(thread=t, floor__gt=1).update(created_at=timezone.now() - datetime.timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert hot.rank() == 0
    assert hot.for_board(board("general")) == [] and not HotThread.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_ranks_on_a_real_worker(celery_worker):
    assert PeriodicTask.objects.get(task="forum.tasks.rank_hot_threads").enabled
    _activity(thread(title="beat"), replies=2, hours_ago=1)
    with transaction.atomic():
        enqueue("forum.tasks.rank_hot_threads")
    wait_until(lambda: HotThread.objects.exists())
    assert _titles(hot.for_board(board("general"))) == ["beat"]
