"""WeChat messages on the desk, with a real Celery worker: the ticket, the agent's answer through the
customer-service API, the 48-hour window, orders, linking and the nearest service centres."""

import datetime
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from accounts.models import City
from servicedesk import claims
from servicedesk.models import Channel, Priority, PrivateMessage, Rating, Ticket, TicketState
from servicedesk.wechat.models import Conversation, Delivery, Follower, Inbound, ServiceCentre
from tests.helpers import wait_until
from tests.servicedesk.factories import fan, rule, staff
from tests.wechat import standin as wx

pytestmark = pytest.mark.django_db(transaction=True)


def wechat_ticket(openid: str) -> Ticket:
    return wait_until(
        lambda: Ticket.objects.filter(request__wechat__follower__openid=openid).select_related("request").first(),
        what="the worker to put the message on the desk",
    )


def test_unmatched_message_becomes_a_ticket_and_the_answer_reaches_wechat(standin, webhook, celery_worker):
    reply = standin.post(webhook, wx.text("fan-a", "我的手机屏幕一直闪"))
    assert reply.status == 200 and reply.content  # acknowledged at once
    ticket = wechat_ticket("fan-a")
    assert ticket.request.channel == Channel.WECHAT and ticket.is_open and ticket.priority == Priority.NORMAL
    assert ticket.request.subject == "我的手机屏幕一直闪"
    # A second message joins the same conversation.
    standin.post(webhook, wx.text("fan-a", "重启也没用"))
    wait_until(lambda: ticket.request.messages.count() == 2, what="the second message")
    agent = staff()
    claims.claim(agent, ticket.pk)
    claims.answer(agent, ticket.pk, "请先备份，再到设置里重置显示。")
    sent = standin.wait_for("message/custom/send")
    assert [(m["touser"], m["msgtype"]) for m in sent] == [("fan-a", "text")]
    assert sent[0]["text"]["content"].startswith("请先备份，再到设置里重置显示。\n\n")
    assert "1" in sent[0]["text"]["content"].split("\n\n")[1]  # how to rate it
    delivery = wait_until(lambda: Delivery.objects.filter(state=Delivery.State.SENT).first(), what="the delivery")
    assert delivery.message.body == "请先备份，再到设置里重置显示。"
    # The fan rates it by replying 2, as the message says: the same Rating as on the site.
    thanks = standin.post(webhook, wx.text("fan-a", "2"))
    assert thanks.content and Inbound.objects.filter(outcome=Inbound.Outcome.RATING).count() == 1
    rating = Rating.objects.get()
    assert (rating.helpful, rating.answered_by, rating.ticket_id) == (False, agent, ticket.pk)
    # The fan writes again: the answered item is reopened, in the same conversation.
    standin.post(webhook, wx.text("fan-a", "好了，谢谢"))
    wait_until(lambda: Ticket.objects.get(pk=ticket.pk).state == TicketState.REOPENED, what="the reopening")
    assert Conversation.objects.count() == 1


def test_answer_past_48_hours_is_not_delivered_and_the_ticket_says_so(standin, webhook, celery_worker, client):
    standin.post(webhook, wx.text("fan-old", "耳机连不上"))
    ticket = wechat_ticket("fan-old")
    Follower.objects.filter(openid="fan-old").update(last_message_at=timezone.now() - datetime.timedelta(hours=49))
    agent = staff()
    client.force_login(agent)
    page = client.get(f"/staff/queue/{ticket.pk}/")
    assert "wechat-closed" in page.content.decode()
    response = client.post(f"/staff/queue/{ticket.pk}/", {"action": "answer", "body": "请重置耳机"}, follow=True)
    assert "48" in response.content.decode()
    delivery = wait_until(lambda: Delivery.objects.exclude(state=Delivery.State.PENDING).first(), what="delivery")
    assert delivery.state == Delivery.State.EXPIRED
    assert standin.calls_to("message/custom/send") == []
    page = client.get(f"/staff/queue/{ticket.pk}/").content.decode()
    assert 'data-delivery="expired"' in page


def test_wechat_refusing_the_send_is_recorded(standin, webhook, celery_worker):
    standin.post(webhook, wx.text("fan-gone", "在吗"))
    ticket = wechat_ticket("fan-gone")
    standin.refuse_openids["fan-gone"] = 45015
    claims.answer(staff(), ticket.pk, "在的")
    delivery = wait_until(lambda: Delivery.objects.exclude(state=Delivery.State.PENDING).first(), what="delivery")
    assert delivery.state == Delivery.State.EXPIRED


def test_rule_that_escalates_answers_and_opens_a_ticket(standin, webhook, celery_worker):
    rule("Refund", "退款", reply="退款将在七天内处理。", escalate=Priority.URGENT)
    reply = standin.post(webhook, wx.text("fan-r", "我要退款"))
    assert reply.content == "退款将在七天内处理。"
    ticket = wechat_ticket("fan-r")
    assert ticket.priority == Priority.URGENT and ticket.rule_name == "Refund"


def test_link_code_moves_the_conversations_to_the_fans_account(standin, webhook, celery_worker, client):
    standin.post(webhook, wx.text("fan-l", "充电很慢"))
    ticket = wechat_ticket("fan-l")
    code_reply = standin.post(webhook, wx.text("fan-l", "绑定"))
    code = re.search(r"\d{8}", code_reply.content).group(0)
    me = fan(city=City.objects.get(slug="shenzhen"))
    client.force_login(me)
    assert client.post("/wechat/link/", {"code": "00000000"}).status_code == 400
    response = client.post("/wechat/link/", {"code": code})
    assert response.status_code == 302
    follower = Follower.objects.get(openid="fan-l")
    assert follower.user == me and follower.linked_at
    ticket.refresh_from_db()
    assert ticket.request.fan == me and ticket.city.slug == "shenzhen"
    assert client.post("/wechat/link/", {"code": code}).status_code == 400  # once only
    # The ticket page shows the fan's context.
    agent = staff()
    client.force_login(agent)
    page = client.get(f"/staff/queue/{ticket.pk}/").content.decode()
    assert "Linked to a Fancity account" in page or "已关联" in page


def test_location_is_answered_with_the_nearest_three_centres(standin, webhook):
    shenzhen = City.objects.get(slug="shenzhen")
    for name, lat, lng in [("福田中心", 22.541, 114.055), ("南山中心", 22.533, 113.930), ("罗湖中心", 22.548, 114.131),
                           ("宝安中心", 22.555, 113.883), ("龙岗中心", 22.720, 114.247)]:  # fmt: skip
        ServiceCentre.objects.create(
            name=name, city=shenzhen, address=f"{name}地址", hours="10:00-20:00", latitude=lat, longitude=lng
        )
    reply = standin.post(webhook, wx.location("fan-loc", 22.540, 114.050, "市民中心"))
    text = reply.content
    assert text.index("福田中心") < text.index("罗湖中心") < text.index("南山中心")
    assert "宝安中心" not in text and "龙岗中心" not in text
    assert Inbound.objects.get().outcome == Inbound.Outcome.CENTRES


class OrderService:
    """The brand's order system for the test: one known order, and a number that answers too late."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                number = self.path.rsplit("order=", 1)[-1]
                if number == "FC99999999":
                    time.sleep(3)
                if number == "FC12345678":
                    body = json.dumps({"order": number, "status": "已发货", "status_en": "Shipped"}).encode()
                    self.send_response(200)
                else:
                    body = b"{}"
                    self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orders"


@pytest.fixture
def orders(settings):
    service = OrderService()
    settings.WECHAT_ORDER_HOOK_URL = service.url
    yield service
    service.server.shutdown()


def test_order_status_is_looked_up_without_delaying_the_reply(standin, webhook, orders, celery_worker):
    started = time.monotonic()
    reply = standin.post(webhook, wx.text("fan-o", "订单 FC12345678 到哪了"))
    assert time.monotonic() - started < 2 and "FC12345678" in reply.content
    sent = standin.wait_for("message/custom/send")
    assert "已发货" in sent[0]["text"]["content"]
    # A slow order system (3 s, past the 2 s timeout) never holds the passive reply; the fan is told politely.
    started = time.monotonic()
    reply = standin.post(webhook, wx.text("fan-o", "FC99999999"))
    assert time.monotonic() - started < 2 and reply.status == 200
    late = standin.wait_for("message/custom/send", count=2)[1]["text"]["content"]
    assert "FC99999999" in late and "已发货" not in late
    assert not PrivateMessage.objects.exists()
