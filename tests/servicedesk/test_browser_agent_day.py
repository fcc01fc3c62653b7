"""An agent's day on a 390x844 phone: assign, note, tag, search and save the view, merge a duplicate,
answer, and the fan's reply by mail (a real SMTP session to the desk's listener) lands in the ticket."""

import os
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from accounts.models import Notification
from accounts.tasks import notification_email
from scripts import devtools
from servicedesk import private, triage
from servicedesk.models import SavedView, Team, Ticket, TicketNote, TicketState
from servicedesk.smtp import listener
from tests.helpers import signed_in, wait_until
from tests.servicedesk.factories import fan, feedback, staff

SHOTS = Path(os.environ.get("DESK_SHOTS", "/tmp/desk-shots"))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name  # nothing wider than the phone


@pytest.mark.browser
def test_an_agents_day_on_a_phone(browser, live_server):
    asker = fan(username="asker", display_name="屏幕闪烁的粉丝", email="asker@example.com")
    thread = feedback(asker, title="屏幕闪烁", body="更新后屏幕一直闪烁")
    screen = triage.triage(thread.pk)
    first = private.open_request(asker, "订单没到", "订单 A1001 一周没到")
    again = private.open_request(asker, "还是订单", "订单 A1001 到底在哪")
    kept, duplicate = Ticket.objects.get(request=first), Ticket.objects.get(request=again)
    me = staff(username="wang", display_name="客服小王")
    staff(username="li", display_name="客服小李")
    Team.objects.create(name="显示组").members.add(me)
    port = devtools.free_port()
    smtp = listener("127.0.0.1", port)
    desk = signed_in(browser, live_server, me)
    try:
        # Assign, tag and fill a field, then a note only staff read.
        desk.goto(f"{live_server.url}/staff/queue/?scope=unassigned")
        desk.locator(".queue-item", has_text="屏幕闪烁").get_by_role("link", name="屏幕闪烁").click()
        details = desk.locator("#details")
        details.locator("summary").click()
        details.get_by_label("客服").select_option(label="客服小王")
        details.get_by_label("小组").select_option(label="显示组")
        details.get_by_label("标签（用逗号分隔）").fill("屏幕, 闪烁")
        details.get_by_label("机型").fill("Mi 14")
        details.get_by_role("button", name="保存").click()
        desk.get_by_text("已保存。").wait_for()
        screen.refresh_from_db()
        assert screen.claimed_by == me and screen.team.name == "显示组" and screen.device_model == "Mi 14"
        assert "已分派" in desk.locator(".ticket-events").inner_text()
        desk.get_by_label("内部备注（仅工作人员可见，绝不向粉丝显示）").fill("可能是 1.0.5 的已知问题")
        desk.get_by_role("button", name="添加备注").click()
        desk.get_by_text("备注已保存，只有工作人员能看到。").wait_for()
        assert "可能是 1.0.5 的已知问题" in desk.locator(".desk-notes").inner_text()
        assert TicketNote.objects.filter(ticket=screen).count() == 1
        _shot(desk, "1-ticket-assigned-tagged-noted")

        # Search by the fan's words and save the view in the sidebar.
        desk.goto(f"{live_server.url}/staff/queue/")
        desk.locator(".queue-search summary").click()
        desk.get_by_label("粉丝原文中的词").fill("闪烁")
        desk.get_by_role("button", name="搜索").click()
        desk.wait_for_url(re.compile(r"q=%E9%97%AA%E7%83%81"))
        assert desk.locator(".queue-item").count() == 1 and "屏幕闪烁" in desk.locator(".queue-item").inner_text()
        desk.locator(".save-view-box summary").click()
        desk.get_by_label("视图名称").fill("闪烁问题")
        desk.locator(".save-view").get_by_role("button", name="保存").click()
        desk.get_by_text("视图已保存到你的侧栏。").wait_for()
        assert desk.locator(".saved-views").get_by_role("link", name="闪烁问题").is_visible()
        assert SavedView.objects.get(owner=me).query == "q=%E9%97%AA%E7%83%81"
        desk.goto(f"{live_server.url}/staff/queue/?tag=屏幕")
        assert desk.locator(".queue-item").count() == 1
        _shot(desk, "2-queue-search-saved-view")

        # Merge the duplicate order request into the first one.
        desk.goto(f"{live_server.url}/staff/queue/{duplicate.pk}/")
        merge = desk.locator("#merge")
        merge.locator("summary").click()
        merge.get_by_label("合并到事项编号").fill(str(kept.pk))
        merge.get_by_label("是的，关闭此事项并把对话并入另一个事项").check()
        merge.get_by_role("button", name="合并").click()
        desk.get_by_text("已合并，并已通知粉丝一次。").wait_for()
        assert desk.url.endswith(f"/staff/queue/{kept.pk}/")
        assert "订单 A1001 到底在哪" in desk.locator("#conversation-h + *").inner_text() or "订单 A1001 到底在哪" in (
            desk.content()
        )
        _shot(desk, "3-merged")

        # Answer; the fan replies to the mail, and the reply lands in the ticket.
        desk.get_by_label(re.compile("你的回答")).fill("已为你催促快递，请留意短信。")
        desk.get_by_role("button", name="发布回答").click()
        desk.wait_for_url(re.compile(r"/servicedesk/requests/"))
        assert Ticket.objects.get(pk=kept.pk).state == TicketState.ANSWERED
        mail = notification_email(Notification.objects.filter(recipient=asker).latest("pk"))
        assert mail.to == ["asker@example.com"]
        reply = EmailMessage()
        reply["From"], reply["To"], reply["Subject"] = "asker@example.com", mail.extra_headers["Reply-To"], mail.subject
        reply["Message-ID"] = "<reply-1@example.com>"
        reply.set_content("收到短信了，谢谢！\n\n在 2026年12月6日，粉丝城 写道：\n> 已为你催促快递，请留意短信。\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.send_message(reply)
        wait_until(lambda: Ticket.objects.get(pk=kept.pk).state == TicketState.REOPENED, 30, "the reply to land")
        desk.goto(f"{live_server.url}/staff/queue/{kept.pk}/")
        conversation = desk.locator("section[aria-labelledby=conversation-h]").inner_text()
        assert "收到短信了，谢谢！" in conversation and "请留意短信。\n>" not in conversation
        _shot(desk, "4-reply-by-mail-landed")
    finally:
        smtp.stop()
        desk.context.close()
