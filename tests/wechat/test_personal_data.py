"""A fan's WeChat data in their personal data export, and gone from the WeChat tables after the account
is deleted, with the insights' counts kept and another fan's data untouched."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.deletion import delete_account
from accounts.models import User
from servicedesk import claims
from servicedesk.models import Ticket
from servicedesk.wechat import desk, inbound, linking
from servicedesk.wechat.followers import placeholder_username
from servicedesk.wechat.models import Broadcast, Delivery, Follower, Inbound, LinkCode
from servicedesk.wechat.protocol import _parse
from tests.servicedesk.factories import fan, staff
from tests.wechat import standin as wx

pytestmark = pytest.mark.django_db


def say(account, xml: str) -> Inbound:
    """What the webhook does with a checked message (the HTTP path is test_webhook.py's); the desk work
    queued after the commit is run here directly."""
    fields = _parse(xml)
    inbound.handle(account, inbound.Envelope(fields=fields, xml=xml, encrypted=True, timestamp="", nonce=""))
    return Inbound.objects.get(account=account, key=inbound.message_key(fields))


def linked_fan_with_a_conversation(account, user, openid: str, words: str) -> Ticket:
    """The fan writes, links by code, gets a desk answer in WeChat and follows the account."""
    row = say(account, wx.text(openid, words))
    desk.receive(row.pk)
    say(account, wx.text(openid, "绑定"))
    linking.link_with_code(user, LinkCode.objects.get(follower__openid=openid, used_at__isnull=True).code)
    say(account, wx.text(openid, "绑定"))  # a second code, never used
    say(account, wx.event(openid, "subscribe"))
    Follower.objects.filter(openid=openid).update(unionid=f"union-{openid}", language="zh-hans")
    ticket = Ticket.objects.get(request__wechat__follower__openid=openid)
    agent = staff()
    claims.claim(agent, ticket.pk)
    answer = claims.answer(agent, ticket.pk, f"答复 {words}")
    assert desk.deliver(answer.pk).state == Delivery.State.SENT
    return ticket


def test_export_holds_the_fans_wechat_part_and_deletion_leaves_nothing_personal(account, standin, client):
    me, other = fan(), fan()
    linked_fan_with_a_conversation(account, me, "openid-me", "我的手机屏幕一直闪")
    linked_fan_with_a_conversation(account, other, "openid-other", "耳机连不上")
    Broadcast.objects.create(
        account=account, text="新品", created_by=staff(), created_at=timezone.now(), previewed_to="openid-me"
    )
    placeholder = User.objects.get(username=placeholder_username(account, "openid-me"))

    client.force_login(me)
    data = json.loads(client.get(reverse("export_data")).content)["wechat"]
    assert [(f["account"], f["openid"], f["unionid"], f["language"]) for f in data["followers"]] == [
        ("Brand service", "openid-me", "union-openid-me", "zh-hans")
    ]
    assert data["followers"][0]["linked_at"] is not None
    assert [m["text"] for m in data["messages"]] == ["我的手机屏幕一直闪", "绑定", "绑定", ""]
    assert data["messages"][1]["outcome"] == "link" and data["messages"][1]["reply"]
    assert [(a["text"], a["state"]) for a in data["answers_sent"]] == [("答复 我的手机屏幕一直闪", "sent")]
    assert len(data["link_codes"]) == 2 and sum(c["used_at"] is not None for c in data["link_codes"]) == 1
    others_before = _wechat_rows("openid-other")
    counts_before = Inbound.objects.filter(account=account).values_list("outcome").order_by("outcome")
    counts_before = list(counts_before)

    delete_account(me)

    # Nothing of the fan's is left in the WeChat tables: not the OpenID, the UnionID, what they wrote,
    # the replies they got, their codes or the answers sent to them; their placeholder account is closed.
    everything = json.dumps(_all_wechat_rows(), ensure_ascii=False, default=str)
    for personal in ("openid-me", "union-openid-me", "我的手机屏幕一直闪", "答复 我的手机屏幕一直闪"):
        assert personal not in everything
    assert not Follower.objects.filter(user=me, linked_at__isnull=False).exists()
    assert not LinkCode.objects.filter(follower__user=me).exists()
    assert not Delivery.objects.filter(follower__user=me).exists()
    assert not Inbound.objects.filter(follower__user=me).exclude(content="", reply="").exists()
    placeholder.refresh_from_db()
    assert (placeholder.username, placeholder.display_name, placeholder.is_active) == (
        f"deleted-{placeholder.pk}",
        "",
        False,
    )
    assert placeholder.deleted_at is not None and not placeholder.has_usable_password()
    assert Broadcast.objects.get().previewed_to == ""
    # The insights keep their counts: every message is still there, with its type and outcome.
    assert list(Inbound.objects.filter(account=account).values_list("outcome").order_by("outcome")) == counts_before
    # The other fan's data is untouched.
    assert _wechat_rows("openid-other") == others_before
    # A later message from the same WeChat user starts afresh, unlinked, on a new placeholder.
    say(account, wx.text("openid-me", "还在吗"))
    again = Follower.objects.get(openid="openid-me")
    assert again.linked_at is None and again.user.username.startswith("wx-") and again.user != me


def _wechat_rows(openid: str) -> dict:
    follower = Follower.objects.get(openid=openid)
    return {
        "follower": Follower.objects.filter(pk=follower.pk).values().get(),
        "messages": list(Inbound.objects.filter(follower=follower).order_by("pk").values()),
        "deliveries": list(Delivery.objects.filter(follower=follower).order_by("pk").values()),
        "codes": list(LinkCode.objects.filter(follower=follower).order_by("pk").values()),
        "user": User.objects.filter(pk=follower.user_id).values("username", "display_name").get(),
    }


def _all_wechat_rows() -> dict:
    return {
        "followers": list(Follower.objects.values()),
        "messages": list(Inbound.objects.values()),
        "deliveries": list(Delivery.objects.values()),
        "codes": list(LinkCode.objects.values()),
        "broadcasts": list(Broadcast.objects.values()),
        "users": list(User.objects.filter(username__startswith="wx-").values("username", "display_name")),
    }
