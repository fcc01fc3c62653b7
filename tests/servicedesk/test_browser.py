"""A fan's delivery question goes to a person: escalated mark, staff claims and answers, insights show it."""

import re

import pytest

from demo import servicedesk as demo
from servicedesk.models import Ticket
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, staff

PASSWORD = "correct-horse-battery"


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_placeholder("用户名或邮箱").fill(username)
    page.get_by_label("密码:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


@pytest.mark.browser
def test_delivery_question_is_escalated_claimed_answered_and_timed(page, browser, live_server, celery_worker):
    demo.load()
    fan(username="parcelfan", display_name="等快递的粉丝")
    staff(username="deskstaff", display_name="客服小王")
    base = live_server.url

    log_in(page, base, "parcelfan")
    page.goto(f"{base}/forum/b/feedback/new/")
    page.select_option("[name=feedback_kind]", "question")
    page.fill("[name=title]", "我的快递一直没到")
    page.fill("[name=body]", "下单一周了，物流信息没有更新。")
    page.locator("form.post-form button:not([name=preview])").click()
    page.wait_for_url(re.compile(r"/forum/t/\d+/$"))
    thread_url = page.url

    thread_id = int(re.search(r"/forum/t/(\d+)/$", thread_url).group(1))
    wait_until(
        lambda: Ticket.objects.filter(thread_id=thread_id, triaged_at__isnull=False).exists(),
        what="the worker to triage the thread",
    )
    page.reload()
    assert page.locator(".desk-state").inner_text().startswith("已转人工")
    assert page.locator("#floor-2").count() == 0 and "自动回复" not in page.content()

    staff_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    desk = staff_context.new_page()
    desk.set_default_timeout(15_000)
    log_in(desk, base, "deskstaff")
    assert desk.locator(".nav .badge").inner_text() == "1"  # the urgent item's notification
    desk.goto(f"{base}/staff/queue/")
    item = desk.locator(".queue-item", has_text="我的快递一直没到")
    assert "紧急" in item.inner_text() and "快递" in item.inner_text() and "Delivery" not in item.inner_text()
    item.get_by_role("button", name="认领").click()
    desk.get_by_text("你已认领此事项。").wait_for()
    desk.get_by_label("你的回答（将发布在帖子里）").fill("已为你查询，包裹明天送达。")
    desk.get_by_role("button", name="发布回答").click()
    desk.wait_for_url(re.compile(r"/forum/"))

    page.goto(thread_url)
    answer = page.locator("#floor-2")
    assert "已为你查询，包裹明天送达。" in answer.inner_text() and "客服小王" in answer.inner_text()
    assert page.locator(".desk-state .escalated").count() == 0

    desk.goto(f"{base}/staff/insights/")
    median = desk.locator('[data-figure="median"]').inner_text()
    assert re.fullmatch(r"\d+ (秒|分钟)", median), median
    assert desk.locator("#response svg").count() == 1
    staff_context.close()
