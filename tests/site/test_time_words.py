"""Moments in words (fancity.lib.when): "刚刚" rather than "0 分钟", "明天 22:09" rather than "1435 分钟后"."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from accounts.models import Notification
from fancity.lib import when
from forum.models import Board, Thread
from tests.factories import UserFactory

NOW = timezone.make_aware(datetime.datetime(2026, 3, 5, 10, 0, 0))  # the site's zone, Asia/Shanghai
AGO = [
    (datetime.timedelta(0), "刚刚", "just now"),
    (datetime.timedelta(seconds=59), "刚刚", "just now"),
    (datetime.timedelta(seconds=-20), "刚刚", "just now"),  # another machine's clock runs ahead
    (datetime.timedelta(minutes=1), "1 分钟前", "1 minute ago"),
    (datetime.timedelta(minutes=5, seconds=30), "5 分钟前", "5 minutes ago"),
    (datetime.timedelta(hours=2), "2 小时前", "2 hours ago"),
    (datetime.timedelta(hours=14), "昨天 20:00", "yesterday at 20:00"),
    (datetime.timedelta(days=3), "3月2日 10:00", "March 2 at 10:00"),
    (datetime.timedelta(days=400), "2025-01-29 10:00", "2025-01-29 at 10:00"),
]
UNTIL = [
    (datetime.timedelta(seconds=15), "15 秒后", "in 15 seconds"),
    (datetime.timedelta(minutes=5), "5 分钟后（10:05）", "in 5 minutes (10:05)"),
    (datetime.timedelta(hours=12, minutes=9, seconds=4), "今天 22:09", "today at 22:09"),
    (datetime.timedelta(hours=23, minutes=55), "明天 09:55", "tomorrow at 09:55"),
    (datetime.timedelta(days=3), "3月8日 10:00", "on March 8 at 10:00"),
    (datetime.timedelta(days=400), "2027-04-09 10:00", "on 2027-04-09 at 10:00"),
]


@pytest.mark.parametrize(("before", "zh", "en"), AGO, ids=[a[2] + str(a[0]) for a in AGO])
def test_ago_in_both_languages(before, zh, en):
    for language, expected in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            assert when.ago(NOW - before, now=NOW) == expected


@pytest.mark.parametrize(("after", "zh", "en"), UNTIL, ids=[u[2] for u in UNTIL])
def test_until_in_both_languages(after, zh, en):
    for language, expected in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            assert when.until(NOW + after, now=NOW) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "刚刚"), ("en", "just now")])
def test_a_fresh_notification_reads_just_now(client, django_assert_max_num_queries, language, expected):
    fan = UserFactory()
    Notification.objects.create(recipient=fan, kind="reply", text="新回复", url="/")
    Notification.objects.create(
        recipient=fan, kind="reply", text="旧回复", url="/", created_at=timezone.now() - datetime.timedelta(minutes=7)
    )
    client.force_login(fan)
    client.cookies["django_language"] = language

    with django_assert_max_num_queries(9):  # 4 of them record the first visit of the day
        response = client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f">{expected}</time>" in html
    assert {"zh-hans": ">7 分钟前</time>", "en": ">7 minutes ago</time>"}[language] in html
    assert "0 分钟" not in html and "0 minutes" not in html


# --- Posts and board rows: times in words, never frozen in a cached fragment ---------------------

EXACT_TIME = re.compile(
    r'<time[^>]* datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00)" title="(\d{4}-\d\d-\d\d \d\d:\d\d)">([^<]*)</time>'
)


def _times(html: str) -> list[tuple[str, str, str]]:
    """(datetime, title, words) of every time in words on a page."""
    return EXACT_TIME.findall(html)


@pytest.mark.django_db
def test_posts_and_board_rows_read_in_words_with_the_exact_time_kept(client):
    from forum.models import Post
    from tests.forum.factories import fan, reply, thread

    t = thread(fan(), title="时间", body="first")
    old = timezone.make_aware(datetime.datetime(2025, 1, 29, 10, 0, 0))
    Post.objects.filter(thread=t, floor=1).update(created_at=old)
    fresh = reply(fan(), t, "second")
    Post.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=7, seconds=5))
    Thread.objects.filter(pk=t.pk).update(last_post_at=timezone.now() - datetime.timedelta(minutes=7, seconds=5))
    Board.objects.filter(slug="general").update(last_post_at=timezone.now() - datetime.timedelta(minutes=7, seconds=5))

    posts = _times(client.get(t.get_absolute_url()).content.decode())
    assert [words for *_, words in posts] == ["2025-01-29 10:00", "7 分钟前"]
    assert posts[0][:2] == ("2025-01-29T10:00:00+08:00", "2025-01-29 10:00")
    row = _times(client.get("/forum/b/general/").content.decode())
    assert [words for *_, words in row] == ["7 分钟前"]
    index = client.get("/forum/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [words for *_, words in _times(index)] == ["7 minutes ago"]


@pytest.mark.django_db
def test_a_cached_post_or_row_never_shows_the_words_of_an_earlier_clock(client, monkeypatch):
    """The words are part of a fragment's key: when the clock moves on, the page says so, although the
    post and the row themselves did not change."""
    from tests.forum.factories import fan, thread

    t = thread(fan(), body="kept")
    posted = t.posts.get().created_at
    Thread.objects.filter(pk=t.pk).update(last_post_at=posted)
    start = posted + datetime.timedelta(seconds=10)
    monkeypatch.setattr(when, "clock", lambda: start)
    assert [w for *_, w in _times(client.get(t.get_absolute_url()).content.decode())] == ["刚刚"]
    assert [w for *_, w in _times(client.get("/forum/b/general/").content.decode())] == ["刚刚"]
    for later, words in ((datetime.timedelta(minutes=3), "3 分钟前"), (datetime.timedelta(hours=2), "2 小时前")):
        monkeypatch.setattr(when, "clock", lambda later=later: start + later)
        for _ in range(2):  # the second time from the cache
            assert [w for *_, w in _times(client.get(t.get_absolute_url()).content.decode())] == [words]
            assert [w for *_, w in _times(client.get("/forum/b/general/").content.decode())] == [words]
