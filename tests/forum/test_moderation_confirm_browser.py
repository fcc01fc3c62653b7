"""On a 390x844 phone, in Chinese: ban and lock from the moderation queue ask first, like hide, and a board
moderator is offered only the ban lengths they may give."""

import pytest

from forum.models import BoardModerator, ModerationAction
from forum.moderation import moderate
from tests.forum.factories import board, fan, reply, thread
from tests.helpers import signed_in


@pytest.mark.browser
def test_ban_and_lock_from_the_queue_ask_first_on_a_phone(browser, live_server):
    t = thread(fan(), title="二手交易", body="有人要吗？")
    offender = fan(display_name="卖家")
    post = reply(offender, t, "加我私聊，便宜出")
    moderate.report_post(fan(), post, "站外交易")
    moderator = fan(display_name="版主小李")
    BoardModerator.objects.create(board=board(), user=moderator)
    page = signed_in(browser, live_server, moderator)
    try:
        page.goto(f"{live_server.url}/forum/moderation/")
        report = page.locator(".mod-queue li", has_text="站外交易")
        assert report.get_by_label("时长").locator("option").all_inner_texts() == ["1 天", "7 天", "30 天"]
        report.get_by_role("button", name="封禁…").click()
        page.get_by_role("heading", name="封禁 卖家？").wait_for()
        offender.refresh_from_db()
        assert not offender.is_banned  # one tap banned nobody
        assert page.get_by_label("原因").input_value() == "站外交易"  # the report's reason, kept
        assert page.get_by_label("时长").locator("option").all_inner_texts() == ["1 天", "7 天", "30 天"]
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_label("原因").fill("站外交易，第二次")
        page.get_by_label("时长").select_option("30")
        page.get_by_role("button", name="封禁", exact=True).click()
        page.get_by_text("卖家 已被封禁。").wait_for()
        offender.refresh_from_db()
        assert offender.is_banned and offender.ban_reason == "站外交易，第二次"

        page.goto(f"{live_server.url}/forum/moderation/")
        page.locator(".mod-queue li", has_text="站外交易").get_by_role("button", name="锁定…").click()
        page.get_by_role("heading", name="锁定“二手交易”？").wait_for()
        t.refresh_from_db()
        assert not t.is_locked
        page.get_by_role("button", name="锁定主题").click()
        page.wait_for_url("**/forum/moderation/**")
        t.refresh_from_db()
        assert t.is_locked
        kinds = list(ModerationAction.objects.order_by("created_at").values_list("kind", flat=True))
        assert kinds == ["ban", "lock"]
    finally:
        page.context.close()
