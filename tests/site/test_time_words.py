"""Moments in words (fancity.lib.when): "刚刚" rather than "0 分钟", "明天 22:09" rather than "1435 分钟后"."""

import datetime

import pytest
from django.utils import timezone, translation

from accounts.models import Notification
from fancity.lib import when
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
