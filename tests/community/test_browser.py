"""On a phone (390 px), in Chinese: check in with one tap; medals, level and device under a post; a tap
on the name opens the user card; its message button leads to a conversation the other fan sees."""

import re

import pytest

from community import devices, follows, medals
from community.models import CheckIn, Device, Medal, MedalAward
from messaging.models import Message
from tests.forum.factories import fan, reply, thread
from tests.helpers import signed_in

SHOTS = "/tmp/engage-shots"


@pytest.mark.browser
def test_check_in_with_one_tap_on_a_phone(browser, live_server):
    user = fan(username="qiandao", display_name="签到达人")
    page = signed_in(browser, live_server, user)
    try:
        page.goto(f"{live_server.url}/forum/")
        page.get_by_role("button", name="签到").click()
        status = page.get_by_role("status").filter(has_text="签到成功")
        status.wait_for()
        assert status.inner_text() == "签到成功：已连续签到 1 天。"
        page.screenshot(path=f"{SHOTS}/checkin-nav.png")
        page.goto(f"{live_server.url}/checkin/")
        assert "今天已签到：已连续签到 1 天。" in page.locator("#checkin-status").inner_text()
        page.screenshot(path=f"{SHOTS}/checkin-page.png", full_page=True)
        assert CheckIn.objects.filter(user=user).count() == 1
    finally:
        page.context.close()


@pytest.mark.browser
def test_medals_under_a_post_the_user_card_and_a_private_message(browser, live_server):
    author = fan(username="laofen", display_name="老粉丝")
    device = Device.objects.get(name="粉丝手机 15 至尊版")
    devices.set_devices(author, [device.pk], device.pk)
    shown = [Medal.objects.get(slug=s) for s in ("ten_meetups", "hundred_replies", "anniversary")]
    for medal in shown:
        MedalAward.objects.create(user=author, medal=medal)
    medals.choose_shown(author, [m.pk for m in shown])
    t = thread(author, title="十次聚会的心得", body="分享一下")
    reader = fan(username="xinfen", display_name="新粉丝")
    follows.follow(author, reader)  # the author follows the reader, so the reader is no stranger
    reply(reader, t, body="学习了")

    page = signed_in(browser, live_server, reader)
    other = signed_in(browser, live_server, author)
    try:
        page.goto(f"{live_server.url}{t.get_absolute_url()}")
        head = page.locator("#floor-1 .post-head")
        assert head.locator(".tag.level").inner_text() == "初级粉丝"
        assert head.locator(".medal").all_inner_texts() == ["🎉聚会常客", "💬百帖达人", "🎂周年粉丝"]
        assert "粉丝手机 15 至尊版" in head.locator(".device").inner_text()
        box = head.bounding_box()
        assert box is not None and box["width"] <= 390
        page.screenshot(path=f"{SHOTS}/post-medals.png")

        head.get_by_role("link", name="老粉丝").click()
        card = page.locator("dialog .user-card")
        card.wait_for()
        assert "初级粉丝" in card.inner_text() and "粉丝手机 15 至尊版" in card.inner_text()
        assert card.locator(".medal").count() == 3
        page.screenshot(path=f"{SHOTS}/user-card.png")

        card.get_by_role("link", name="私信").click()
        page.wait_for_url(re.compile(r"/messages/to/laofen/$"))
        page.get_by_label("你的私信").fill("你好，想请教聚会的事")
        page.get_by_role("button", name="发送").click()
        page.wait_for_url(re.compile(r"/messages/\d+/$"))
        assert "你好，想请教聚会的事" in page.locator(".messages-list").inner_text()
        page.screenshot(path=f"{SHOTS}/conversation.png", full_page=True)

        other.goto(f"{live_server.url}/forum/")
        assert "1" in other.locator(".pm-link .badge").inner_text()
        other.locator(".pm-link").click()
        other.get_by_role("link", name="新粉丝").click()
        other.get_by_label("你的私信").fill("欢迎！")
        other.get_by_role("button", name="发送").click()
        other.locator(".pm.mine").filter(has_text="欢迎！").wait_for()
        other.screenshot(path=f"{SHOTS}/conversation-reply.png", full_page=True)
        assert Message.objects.count() == 2
    finally:
        page.context.close()
        other.context.close()
