"""On a 390x844 phone: a fan reports a post, a board moderator hides it with a reason, then undoes it."""

import pytest

from accounts.models import Notification
from forum.models import BoardModerator, ModerationAction, Post
from tests.forum.factories import board, fan, reply, thread
from tests.helpers import signed_in


@pytest.mark.browser
def test_report_then_hide_with_a_reason_then_undo_on_a_phone(browser, live_server):
    t = thread(fan(), title="二手交易", body="有人要吗？")
    offender = fan(display_name="卖家")
    post = reply(offender, t, "加我私聊，便宜出")
    reporter = fan(display_name="热心粉丝")
    moderator = fan(display_name="版主小李")
    BoardModerator.objects.create(board=board(), user=moderator)
    fan_page = signed_in(browser, live_server, reporter)
    mod = signed_in(browser, live_server, moderator)
    try:
        fan_page.goto(f"{live_server.url}{t.get_absolute_url()}")
        fan_page.locator("#floor-2").get_by_role("link", name="举报").click()
        fan_page.get_by_label("原因").fill("站外交易")
        fan_page.get_by_role("button", name="提交").click()
        fan_page.wait_for_url(f"**{t.get_absolute_url()}**")

        mod.goto(f"{live_server.url}/forum/moderation/")
        report = mod.locator(".mod-queue li", has_text="站外交易")
        assert "加我私聊，便宜出" in report.inner_text()
        assert mod.evaluate("document.documentElement.scrollWidth") <= 390
        report.get_by_role("button", name="隐藏…").click()
        mod.get_by_role("heading", name="隐藏这篇帖子？").wait_for()
        mod.get_by_label("原因").fill("站外交易，请在官方渠道购买")
        mod.get_by_role("button", name="隐藏帖子").click()
        mod.get_by_text("帖子已隐藏，作者可以看到原因。").wait_for()
        post.refresh_from_db()
        assert post.hidden_at and post.hidden_reason == "站外交易，请在官方渠道购买"
        assert Notification.objects.filter(recipient=offender, kind="moderation").exists()
        assert mod.locator(".mod-queue li", has_text="站外交易").count() == 0

        mod.goto(f"{live_server.url}{t.get_absolute_url()}")
        mod.get_by_role("button", name="恢复帖子").click()
        mod.get_by_text("帖子已恢复显示。").wait_for()
        assert Post.objects.get(pk=post.pk).hidden_at is None
        kinds = list(ModerationAction.objects.filter(post=post).order_by("created_at").values_list("kind", flat=True))
        assert kinds == ["hide", "unhide"]
        fan_page.goto(f"{live_server.url}{t.get_absolute_url()}")
        assert "加我私聊，便宜出" in fan_page.locator("#floor-2").inner_text()
    finally:
        fan_page.context.close()
        mod.context.close()
