"""On a 390x844 phone: desk staff take an item from the queue, answer it, and the fan rates the answer."""

import re

import pytest

from servicedesk import triage
from servicedesk.models import Rating, Ticket, TicketState
from tests.helpers import signed_in
from tests.servicedesk.factories import fan, feedback, staff


@pytest.mark.browser
def test_queue_ticket_answer_then_the_fan_rates_it_on_a_phone(browser, live_server):
    asker = fan(username="asker", display_name="等快递的粉丝")
    thread = feedback(asker, title="快递一直没到", body="下单一周了，物流信息没有更新。")
    ticket = triage.triage(thread.pk)
    member = staff(username="desk", display_name="客服小王")
    desk = signed_in(browser, live_server, member)
    fan_page = signed_in(browser, live_server, asker)
    try:
        desk.goto(f"{live_server.url}/staff/queue/")
        item = desk.locator(".queue-item", has_text="快递一直没到")
        item.get_by_role("button", name="认领").click()
        desk.get_by_text("你已认领此事项。").wait_for()
        assert desk.locator(".claimed").inner_text() == "客服小王"
        assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        desk.get_by_label("你的回答（将发布在帖子里）").fill("已为你查询，包裹明天送达。")
        desk.get_by_role("button", name="发布回答").click()
        desk.wait_for_url(re.compile(r"/forum/"))
        assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED

        fan_page.goto(f"{live_server.url}{thread.get_absolute_url()}")
        assert "已为你查询，包裹明天送达。" in fan_page.locator("#floor-2").inner_text()
        rating = fan_page.locator(".desk-rating")
        rating.get_by_label("评论（可选）").fill("还是希望能快一点")
        rating.get_by_role("button", name="否").click()
        fan_page.get_by_text("你评价这个回答没有帮助。").wait_for()
        saved = Rating.objects.get()
        assert not saved.helpful and saved.answered_by == member and saved.comment == "还是希望能快一点"

        desk.goto(f"{live_server.url}/staff/queue/{ticket.pk}/")
        assert "还是希望能快一点" in desk.locator("[aria-labelledby=ratings-h]").inner_text()
    finally:
        desk.context.close()
        fan_page.context.close()
