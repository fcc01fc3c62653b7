import re

import pytest

from forum.models import Thread
from tests.forum.factories import fan, rewind, staff
from tests.helpers import signed_in


@pytest.mark.browser
def test_thread_reply_quote_mention_then_feedback_answered_by_staff(browser, live_server):
    alice = fan(username="alice", display_name="爱丽丝")
    bob = fan(username="bob", display_name="小波")
    boss = staff(username="boss", display_name="官方客服")
    a, b, s = (signed_in(browser, live_server, u) for u in (alice, bob, boss))
    try:
        # Alice starts a thread.
        a.goto(f"{live_server.url}/forum/b/general/")
        a.get_by_role("link", name="发新帖").click()
        a.get_by_label("标题").fill("大家的手机续航怎么样？")
        a.get_by_label("正文").fill("我的手机**一天一充**。")
        a.get_by_role("button", name="发布").click()
        a.wait_for_url(re.compile(r"/forum/t/\d+/$"))
        thread_url = a.url
        assert a.locator("#floor-1 strong").inner_text() == "一天一充"

        # Bob quotes her post and mentions her.
        b.goto(thread_url)
        b.locator("#floor-1").get_by_role("link", name="引用").click()
        assert "> **爱丽丝** [#1]" in b.get_by_label("正文").input_value()  # quote.js put her words in the box
        b.get_by_label("正文").fill("@alice 我的也差不多，两天一充。")
        b.get_by_role("button", name="发表回复").click()
        b.locator("#floor-2").wait_for()
        assert "爱丽丝 写道（#1）" in b.locator("#floor-2 .quote").inner_text()

        # Alice sees the notification and the reply.
        a.goto(f"{live_server.url}/notifications/")
        a.get_by_text("小波 在“大家的手机续航怎么样？”中引用了你的帖子").click()
        a.locator("#floor-2").wait_for()
        assert "两天一充" in a.locator("#floor-2 .post-body").inner_text()

        # Alice files feedback.
        rewind(alice)
        a.goto(f"{live_server.url}/forum/b/feedback/new/")
        a.get_by_label("类型").select_option("bug")
        a.get_by_label("标题").fill("更新后蓝牙经常断开")
        a.get_by_label("设备型号（可选）").fill("Fancity X1")
        a.get_by_label("软件版本（可选）").fill("2.1.0")
        a.get_by_label("正文").fill("每隔几分钟就断开一次。")
        a.get_by_role("button", name="发布").click()
        a.wait_for_url(re.compile(r"/forum/t/\d+/$"))
        feedback_url = a.url
        assert a.locator(".feedback-info .status-open").inner_text() == "待处理"

        # Staff acknowledge it and post the official answer.
        s.goto(feedback_url)
        s.locator(".status-form").get_by_label("状态").select_option("acknowledged")
        s.locator(".status-form").get_by_label("备注（显示在帖子中）").fill("已复现")
        s.get_by_role("button", name="修改状态").click()
        s.get_by_text("状态已更新。").wait_for()
        s.get_by_label("正文").fill("感谢反馈，2.1.1 会修复。")
        s.get_by_label("设为官方答复").check()
        s.get_by_role("button", name="发表回复").click()
        s.locator(".official-answer").wait_for()

        # Alice sees both.
        a.goto(f"{live_server.url}/notifications/")
        a.get_by_text("官方答复了你的反馈“更新后蓝牙经常断开”").wait_for()
        a.get_by_text("你的反馈“更新后蓝牙经常断开”状态变为：已确认").wait_for()
        a.goto(feedback_url)
        assert a.locator(".feedback-info .status-acknowledged").inner_text() == "已确认"
        assert "已复现" in a.locator(".status-log").inner_text()
        assert "2.1.1 会修复" in a.locator(".official-answer").inner_text()
        assert Thread.objects.get(title="更新后蓝牙经常断开").time_to_first_staff_reply is not None
    finally:
        for p in (a, b, s):
            p.context.close()
