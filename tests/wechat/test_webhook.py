"""The webhook over real HTTP, with messages signed and encrypted by the stand-in as WeChat does."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from outbox.models import Message
from servicedesk.models import Channel, Priority
from servicedesk.wechat.models import Follower, Inbound
from tests.servicedesk.factories import rule
from tests.wechat import standin as wx

pytestmark = pytest.mark.django_db(transaction=True)


def test_url_check_echoes_echostr(standin, webhook):
    query = {**standin.signed_query(None), "echostr": "hello-123"}
    reply = standin.post_raw(webhook, query, b"", method="GET")
    assert (reply.status, reply.body) == (200, b"hello-123")


def test_rule_answers_with_a_passive_reply_in_the_fans_language(standin, webhook):
    rule("Delivery", "快递\ndelivery", reply="快递一般三天内到达。", reply_template_en="Deliveries take three days.")
    chinese = standin.post(webhook, wx.text("fan-zh", "我的快递到哪了"))
    english = standin.post(webhook, wx.text("fan-en", "Where is my delivery?"))
    assert chinese.status == 200 and chinese.content == "快递一般三天内到达。"
    assert english.status == 200 and english.content == "Deliveries take three days."
    assert chinese.fields["ToUserName"] == "fan-zh" and chinese.fields["FromUserName"] == wx.ORIGINAL_ID
    assert set(Inbound.objects.values_list("outcome", flat=True)) == {Inbound.Outcome.RULE}


def test_rule_limited_to_other_channels_does_not_answer_on_wechat(standin, webhook):
    rule("Forum only", "固件", reply="论坛答复", channels=[Channel.FORUM, Channel.REQUEST])
    reply = standin.post(webhook, wx.text("fan-1", "固件怎么升级"))
    assert reply.content != "论坛答复"
    assert Inbound.objects.get().outcome == Inbound.Outcome.DESK


def test_duplicate_delivery_of_one_msgid_is_answered_once(standin, webhook):
    """WeChat retries a message three times, each signed afresh: one row, one desk task, one answer."""
    xml = wx.text("fan-dup", "屏幕坏了怎么办", msg_id=987654321)
    replies = [standin.post(webhook, xml) for _ in range(4)]
    assert {r.status for r in replies} == {200}
    assert len({r.content for r in replies}) == 1 and replies[0].content
    assert Inbound.objects.count() == 1
    assert Message.objects.filter(task="servicedesk.wechat.tasks.to_desk").count() == 1


def test_bad_signature_is_refused(standin, webhook):
    query, body = standin.envelope(wx.text("fan-1", "hi"))
    query["signature"] = "0" * 40
    reply = standin.post_raw(webhook, query, body)
    assert (reply.status, reply.body) == (403, b"bad signature")


def test_bad_message_signature_is_refused(standin, webhook):
    query, body = standin.envelope(wx.text("fan-1", "hi"))
    query["msg_signature"] = "0" * 40
    reply = standin.post_raw(webhook, query, body)
    assert (reply.status, reply.body) == (403, b"bad message signature")


def test_stale_timestamp_is_refused(standin, webhook):
    reply = standin.post(webhook, wx.text("fan-1", "hi"), timestamp=int(time.time()) - 3600)
    assert (reply.status, reply.body) == (403, b"stale timestamp")


def test_replayed_request_is_refused(standin, webhook):
    query, body = standin.envelope(wx.text("fan-1", "hi"))
    assert standin.post_raw(webhook, query, body).status == 200
    again = standin.post_raw(webhook, query, body)
    assert (again.status, again.body) == (403, b"replayed request")
    assert Inbound.objects.count() == 1


def test_oversized_body_is_refused(standin, webhook):
    reply = standin.post(webhook, wx.text("fan-1", "长" * 40_000))
    assert (reply.status, reply.body) == (413, b"body too large")
    assert not Inbound.objects.exists()


@pytest.mark.parametrize(
    "inner",
    ["<xml><MsgType>text</MsgType><Content>unclosed", "not xml at all", "<other><MsgType>text</MsgType></other>",
     "<xml><Content>no type</Content></xml>"],
)  # fmt: skip
def test_malformed_xml_is_refused(standin, webhook, inner):
    reply = standin.post(webhook, inner)
    assert reply.status == 400 and reply.body.startswith(b"malformed")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    "<xml><ToUserName>x</ToUserName><FromUserName>fan</FromUserName><MsgType>text</MsgType>"
    "<Content>&d;</Content><MsgId>1</MsgId></xml>"
)
EXTERNAL = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>x</ToUserName><FromUserName>fan</FromUserName><MsgType>text</MsgType>"
    "<Content>&e;</Content><MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL])
def test_xml_entity_attacks_are_refused_inside_and_outside_the_envelope(standin, webhook, attack):
    inside = standin.post(webhook, attack)
    query = standin.signed_query(None)
    outside = standin.post_raw(webhook, query, attack.encode())
    for reply in (inside, outside):
        assert (reply.status, reply.body) == (400, b"XML with a DOCTYPE or entities is refused")
    assert not Inbound.objects.exists()


def test_plain_message_to_a_safe_mode_account_is_refused(standin, webhook):
    reply = standin.post_raw(webhook, standin.signed_query(None), wx.text("fan-1", "hi").encode())
    assert reply.status == 403 and b"safe-mode" in reply.body


def test_message_for_another_app_id_is_refused(standin, webhook):
    other = wx.Crypto(standin.aes_key, "wxsomeoneelse000")
    encrypted = other.encrypt(wx.text("fan-1", "hi"))
    body = f"<xml><Encrypt>{wx.cdata(encrypted)}</Encrypt></xml>".encode()
    reply = standin.post_raw(webhook, standin.signed_query(encrypted), body)
    assert (reply.status, reply.body) == (403, b"message for another AppID")


def test_unknown_type_gets_a_polite_reply_not_an_error(standin, webhook):
    reply = standin.post(webhook, wx.message_xml("fan-1", "shortvideo", {"MediaId": "m", "MsgId": 5}))
    assert reply.status == 200 and reply.content
    assert Inbound.objects.get().outcome == Inbound.Outcome.UNSUPPORTED


def test_unknown_account_and_other_methods(standin, webhook, live_server):
    assert standin.post(f"{live_server.url}/wechat/nobody/", wx.text("f", "hi")).status == 404
    assert standin.post_raw(webhook, standin.signed_query(None), b"", method="PUT").status == 405


def test_subscribe_welcomes_and_unsubscribe_is_recorded(standin, webhook):
    standin.profiles["fan-new"] = {"language": "en"}
    welcome = standin.post(webhook, wx.event("fan-new", "subscribe"))
    assert welcome.content == "欢迎关注"
    bye = standin.post(webhook, wx.event("fan-new", "unsubscribe"))
    assert bye.status == 200 and bye.body == b"success"
    assert Follower.objects.get(openid="fan-new").subscribed is False


def test_menu_click_routes_like_a_keyword(standin, webhook):
    rule("Warranty", "保修", reply="保修期一年。", escalate=Priority.NONE)
    reply = standin.post(webhook, wx.event("fan-1", "CLICK", key="保修"))
    assert reply.content == "保修期一年。"


def test_image_goes_to_the_desk(standin, webhook):
    reply = standin.post(webhook, wx.image("fan-1"))
    assert reply.status == 200 and reply.content
    assert Inbound.objects.get().outcome == Inbound.Outcome.DESK


def test_a_broken_rule_is_skipped_and_the_next_answers(standin, webhook):
    rule("Broken", "电池", priority=500, reply="{% if %}")
    rule("Battery", "电池", priority=100, reply="电池问题请看教程。")
    assert standin.post(webhook, wx.text("fan-1", "电池不耐用")).content == "电池问题请看教程。"


def test_a_burst_from_many_fans_is_answered_within_wechats_five_seconds(standin, webhook):
    """The short version of bench/wechat.py: 120 messages from 8 senders at once, 93% for a rule."""
    rule("Password", "忘记密码", reply="请在登录页点击忘记密码。")
    xmls = [
        wx.text(f"fan-{n % 40}", "忘记密码了" if n % 100 < 93 else "相机对焦很慢", msg_id=5_000_000 + n)
        for n in range(120)
    ]

    def send(xml):
        started = time.monotonic()
        reply = standin.post(webhook, xml)
        return reply.status, time.monotonic() - started

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(send, xmls))
    assert {status for status, _ in results} == {200}
    assert max(seconds for _, seconds in results) < 5
    assert Inbound.objects.count() == 120
    assert Inbound.objects.filter(outcome=Inbound.Outcome.RULE).count() == 113
