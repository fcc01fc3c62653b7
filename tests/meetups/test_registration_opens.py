"""A meetup published before its registration opens: the city's fans are told when it opens, and its
page says when (issue 20, item 7), in the fan's language and the site's time zone."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from accounts.models import Notification
from meetups.models import Meetup
from meetups.tasks import notify_fans_batch
from tests.factories import UserFactory
from tests.meetups.factories import MeetupFactory

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _opening_later():
    """A published meetup whose registration opens in five days at 20:00, Shanghai time."""
    now = timezone.now().astimezone(SHANGHAI)
    opens = (now + datetime.timedelta(days=5)).replace(hour=20, minute=0, second=0, microsecond=0)
    meetup = MeetupFactory(
        title="春季见面会",
        registration_opens_at=opens,
        registration_closes_at=opens + datetime.timedelta(days=2),
        starts_at=opens + datetime.timedelta(days=10),
        cancel_cutoff=None,
    )
    return meetup, opens


def _day(opens, chinese: bool) -> str:
    if opens.year != timezone.now().astimezone(SHANGHAI).year:
        return opens.strftime("%Y-%m-%d")
    return f"{opens.month}月{opens.day}日" if chinese else f"{opens:%B} {opens.day}"


def test_the_notice_of_a_meetup_whose_registration_opens_later_says_when():
    meetup, opens = _opening_later()
    chinese, english = UserFactory(language="zh-hans"), UserFactory(language="en")
    assert notify_fans_batch(meetup.pk, [chinese.pk, english.pk]) == 2
    zh = Notification.objects.get(recipient=chinese, group=f"meetup:{meetup.pk}").text
    en = Notification.objects.get(recipient=english, group=f"meetup:{meetup.pk}").text
    assert f"报名将于 {_day(opens, True)} 20:00 开始" in zh and "报名已开始" not in zh
    assert en == f"New meetup in your city: “春季见面会”. Registration opens on {_day(opens, False)} at 20:00."


def test_the_notice_of_a_meetup_open_now_says_it_is_open():
    meetup = MeetupFactory(title="开放中")
    english = UserFactory(language="en")
    notify_fans_batch(meetup.pk, [english.pk])
    text = Notification.objects.get(recipient=english).text
    assert text == "New meetup in your city: “开放中”. Registration is open."


def test_the_page_of_a_meetup_whose_registration_opens_later_says_when(client, django_assert_max_num_queries):
    meetup, opens = _opening_later()
    client.force_login(UserFactory(language="zh-hans"))
    client.get("/")
    with django_assert_max_num_queries(8):
        response = client.get(meetup.get_absolute_url())
    page = response.content.decode()
    assert f"报名将于 {_day(opens, True)} 20:00 开始" in page
    assert 'id="register-button"' not in page
    assert "报名中" not in page and "尚未开始报名" in page  # the status tag does not say "open"
    index = client.get("/meetups/").content.decode()
    assert "尚未开始报名" in index.split(meetup.title, 1)[1][:2000]


def test_once_registration_opens_the_page_offers_the_form(client):
    meetup, _opens = _opening_later()
    Meetup.objects.filter(pk=meetup.pk).update(registration_opens_at=timezone.now())
    client.force_login(UserFactory(language="zh-hans"))
    page = client.get(meetup.get_absolute_url()).content.decode()
    assert 'id="register-button"' in page and "报名将于" not in page and "报名中" in page
