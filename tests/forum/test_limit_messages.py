"""Limit messages say when in words that cannot read as the past: seconds or minutes while the wait is
short, then "今天/明天 22:09" or a date, never "1435 分钟后（22:09:04）"."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from forum.writing import posting
from forum.writing.limits import PostingLimited
from tests.factories import UserFactory
from tests.forum.factories import board, rewind, thread

pytestmark = pytest.mark.django_db


def limited_thread_message(language: str, joined_ago: datetime.timedelta) -> tuple[str, datetime.datetime]:
    newcomer = UserFactory(date_joined=timezone.now() - joined_ago)
    for n in range(3):
        posting.start_thread(newcomer, board(), f"t{n}", "body")
        rewind(newcomer)
    with translation.override(language), pytest.raises(PostingLimited) as info:
        posting.start_thread(newcomer, board(), "t4", "body")
    return info.value.messages[0], timezone.localtime(info.value.retry_at)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_wait_until_the_next_day_names_the_day_and_time_not_minutes(language):
    message, retry_at = limited_thread_message(language, datetime.timedelta(minutes=5))

    clock = retry_at.strftime("%H:%M")
    tomorrow = retry_at.date() != timezone.localdate()
    expected = {
        "zh-hans": ("明天" if tomorrow else "今天") + f" {clock}",
        "en": ("tomorrow" if tomorrow else "today") + f" at {clock}",
    }[language]
    assert expected in message
    assert not re.search(r"\d+ (分钟|minutes)", message)
    if language == "zh-hans":
        assert message == f"新粉丝注册第一天最多发 3 个主题。可以再发新主题的时间：{expected}。"
    else:
        assert message == f"On their first day new fans may start 3 threads. You can start another {expected}."


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "分钟后（"), ("en", "minutes (")])
def test_a_short_wait_counts_minutes_and_gives_the_time(language, expected):
    message, retry_at = limited_thread_message(language, datetime.timedelta(days=1) - datetime.timedelta(minutes=10))

    assert re.search(r"(9|10) " + re.escape(expected) + retry_at.strftime("%H:%M"), message)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", r"两次发帖之间请稍等片刻。再次发帖时间：1[45] 秒后。"),
        ("en", r"You can post again in 1[45] seconds\."),
    ],
)
def test_the_interval_between_posts_counts_seconds(language, expected):
    author = UserFactory(date_joined=timezone.now() - datetime.timedelta(days=30))
    t = thread()
    posting.post_reply(author, t, "one")
    with translation.override(language), pytest.raises(PostingLimited) as info:
        posting.post_reply(author, t, "two")
    assert re.fullmatch(r".*" + expected, info.value.messages[0])
