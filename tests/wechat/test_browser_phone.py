"""On a 390x844 phone: a fan writes in WeChat, desk staff answer the ticket from the queue, and the
answer reaches WeChat's customer-service API (the stand-in records the call)."""

import re

import pytest

from servicedesk.models import Ticket, TicketState
from servicedesk.wechat.models import Inbound
from tests.forum.test_attachments import jpeg_with_gps
from tests.helpers import signed_in, wait_until
from tests.servicedesk.factories import staff
from tests.wechat import standin as wx


@pytest.mark.browser
def test_desk_answers_a_wechat_ticket_on_a_phone(browser, live_server, standin, webhook, celery_worker):
    ack = standin.post(webhook, wx.text("fan-phone", "手机升级后连不上车载蓝牙"))
    assert ack.status == 200 and ack.content
    ticket = wait_until(
        lambda: Ticket.objects.filter(request__wechat__follower__openid="fan-phone").first(), what="the ticket"
    )
    # A photo of the problem, and one WeChat no longer has: the first is attached, the second noted.
    standin.serve_media("media_car", jpeg_with_gps())
    standin.post(webhook, wx.image("fan-phone", media_id="media_car"))
    standin.post(webhook, wx.image("fan-phone", media_id="media_expired"))
    wait_until(
        lambda: set(Inbound.objects.filter(follower__openid="fan-phone").values_list("picture", flat=True))
        >= {Inbound.Picture.ATTACHED, Inbound.Picture.GONE},
        what="the pictures' outcomes",
    )
    member = staff(username="desk", display_name="客服小李")
    desk = signed_in(browser, live_server, member)
    try:
        desk.goto(f"{live_server.url}/staff/queue/")
        item = desk.locator(".queue-item", has_text="手机升级后连不上车载蓝牙")
        item.get_by_role("button", name="认领").click()
        desk.get_by_text("你已认领此事项。").wait_for()
        desk.goto(f"{live_server.url}/staff/queue/{ticket.pk}/")
        panel = desk.locator(".wechat-panel")
        assert "48" in panel.inner_text() and not desk.locator(".wechat-closed").count()
        assert "已附在工单上" in panel.inner_text() and desk.locator("img.desk-image").count() == 1
        desk.locator("img.desk-image").scroll_into_view_if_needed()
        # The picture loads: polled from here, as Playwright's wait_for_function evaluates a string the CSP refuses.
        loaded = "document.querySelector('img.desk-image').naturalWidth > 0"
        wait_until(lambda: desk.evaluate(loaded), what="the picture to load")
        desk.screenshot(path="/tmp/wechat-ticket-picture-phone.png", full_page=True)
        assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        desk.locator("textarea[name=body]").fill("请在蓝牙设置里忽略车机后重新配对。")
        desk.get_by_role("button", name="发布回答").click()
        desk.wait_for_url(re.compile(r"/servicedesk/requests/"))
        assert Ticket.objects.get(pk=ticket.pk).state == TicketState.ANSWERED
        sent = standin.wait_for("message/custom/send")
        assert [m["touser"] for m in sent] == ["fan-phone"]
        assert sent[0]["text"]["content"].startswith("请在蓝牙设置里忽略车机后重新配对。")
        desk.goto(f"{live_server.url}/staff/queue/{ticket.pk}/")
        desk.locator('[data-delivery="sent"]').wait_for()
        desk.screenshot(path="/tmp/wechat-ticket-phone.png", full_page=True)
    finally:
        desk.context.close()
