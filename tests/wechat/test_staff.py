"""Staff side of the WeChat channel: who may open and do what (role x action), the menu published
through the API, broadcasts (preview, rate limit, log), insights per channel, service centre pages."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import City
from servicedesk import insights, triage
from servicedesk.models import Channel, Ticket
from servicedesk.wechat import broadcasts, menu
from servicedesk.wechat.followers import follower_for
from servicedesk.wechat.models import Account, Broadcast, Inbound, MenuItem, ServiceCentre
from tests.servicedesk.factories import fan, feedback, rule
from tests.site.admin_states import role_user

pytestmark = pytest.mark.django_db


def _user(role: str):
    if role == "anonymous":
        return None
    if role == "fan":
        return fan()
    return role_user(role)


# (role, page, expected status): every new page, for every role.
PAGES = ["/wechat/link/", "/service-centres/", "/service-centres/shenzhen/", "/admin/wechat/account/",
         "/admin/wechat/broadcast/", "/admin/wechat/servicecentre/", "/admin/wechat/inbound/",
         "/admin/wechat/follower/"]  # fmt: skip
EXPECTED = {
    "anonymous": [302, 200, 200, 302, 302, 302, 302, 302],
    "fan": [200, 200, 200, 302, 302, 302, 302, 302],
    "moderator": [200, 200, 200, 403, 403, 403, 403, 403],
    "event staff": [200, 200, 200, 403, 403, 403, 403, 403],
    "desk staff": [200, 200, 200, 200, 200, 200, 200, 200],
    "operations": [200, 200, 200, 403, 403, 403, 403, 403],
    "superuser": [200, 200, 200, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize("role", EXPECTED)
def test_role_by_page(client, role):
    user = _user(role)
    if user is not None:
        client.force_login(user)
    got = [client.get(page).status_code for page in PAGES]
    assert got == EXPECTED[role]


def test_webhook_needs_no_session_but_a_signature(client):
    Account.objects.create(name="A", slug="brand", app_id="wx1", token_sealed="")
    response = client.post("/wechat/brand/?timestamp=1&nonce=1&signature=x", b"<xml/>", content_type="text/xml")
    assert response.status_code == 403


@pytest.fixture
def acct(standin, db):
    account = Account(name="Brand", slug="brand", app_id=standin.app_id)
    account.token, account.aes_key, account.secret = standin.token, standin.aes_key, standin.secret
    account.save()
    return account


@pytest.mark.parametrize("role", ["fan", "moderator", "event staff", "operations"])
def test_only_desk_staff_publish_menus_and_broadcast(acct, role):
    user = _user(role)
    broadcast = Broadcast.objects.create(account=acct, text="hi", created_by=user, created_at=timezone.now())
    MenuItem.objects.create(account=acct, name="保修", keyword="保修")
    for action in (
        lambda: menu.publish(user, acct),
        lambda: broadcasts.preview(user, broadcast.pk, "me"),
        lambda: broadcasts.send(user, broadcast.pk),
    ):
        with pytest.raises(PermissionDenied):
            action()


def test_menu_is_published_through_the_api(acct, standin):
    desk = role_user("desk staff")
    top = MenuItem.objects.create(account=acct, name="服务", keyword="服务", position=1)
    MenuItem.objects.create(account=acct, name="保修", keyword="保修", parent=top)
    MenuItem.objects.create(account=acct, name="官网", kind="view", url="https://example.com/", parent=top)
    MenuItem.objects.create(account=acct, name="绑定", keyword="绑定", position=2)
    menu.publish(desk, acct)
    assert standin.calls_to("menu/create") == [
        {
            "button": [
                {
                    "name": "服务",
                    "sub_button": [
                        {"type": "click", "name": "保修", "key": "保修"},
                        {"type": "view", "name": "官网", "url": "https://example.com/"},
                    ],
                },
                {"type": "click", "name": "绑定", "key": "绑定"},
            ]
        }
    ]
    assert Account.objects.get(pk=acct.pk).menu_published_at is not None


def test_a_menu_over_wechats_limits_is_refused(acct):
    for n in range(4):
        MenuItem.objects.create(account=acct, name=f"b{n}", keyword=f"k{n}")
    with pytest.raises(ValidationError):
        menu.publish(role_user("desk staff"), acct)


STAFF_OPENID = "oX3Nd5iP0sT4fFsTaFf0pEnId123"  # the shape of a real OpenID (28 characters)


def test_broadcast_needs_a_preview_and_waits_its_turn(acct, standin):
    desk = role_user("desk staff")
    first = Broadcast.objects.create(account=acct, text="门店周末营业", created_by=desk, created_at=timezone.now())
    with pytest.raises(ValidationError):
        broadcasts.send(desk, first.pk)  # no preview yet
    broadcasts.preview(desk, first.pk, STAFF_OPENID)
    assert standin.calls_to("message/mass/preview") == [
        {"touser": STAFF_OPENID, "msgtype": "text", "send_ignore_reprint": 0, "text": {"content": "门店周末营业"}}
    ]
    sent = broadcasts.send(desk, first.pk)
    assert sent.state == Broadcast.State.SENT and sent.sent_by == desk and "34182" in sent.result
    assert standin.calls_to("message/mass/sendall")[0]["filter"]["is_to_all"] is True
    second = Broadcast.objects.create(account=acct, text="又一条", created_by=desk, created_at=timezone.now())
    broadcasts.preview(desk, second.pk, STAFF_OPENID)
    with pytest.raises(ValidationError):
        broadcasts.send(desk, second.pk)  # one a week
    Broadcast.objects.filter(pk=first.pk).update(sent_at=timezone.now() - datetime.timedelta(days=8))
    assert broadcasts.send(desk, second.pk).state == Broadcast.State.SENT
    assert len(standin.calls_to("message/mass/sendall")) == 2


def test_insights_count_per_channel(acct, client):
    rule("Bot", "固件", reply="看教程")
    feedback(title="固件问题", body="固件")  # a forum thread (its ticket comes with triage)
    for thread_id in Ticket.objects.values_list("thread_id", flat=True):
        triage.triage(thread_id)
    follower = follower_for(acct, "fan-1", timezone.now())
    for n, outcome in enumerate([Inbound.Outcome.RULE] * 3 + [Inbound.Outcome.DESK, Inbound.Outcome.CENTRES]):
        Inbound.objects.create(
            account=acct, key=f"m:{n}", follower=follower, kind="text", received_at=timezone.now(), outcome=outcome
        )
    rows = {row.channel: row for row in insights.by_channel()}
    assert (rows[Channel.WECHAT].asked, rows[Channel.WECHAT].by_rules) == (5, 3)
    assert (rows[Channel.WECHAT].to_desk, rows[Channel.WECHAT].other_automatic) == (1, 1)
    client.force_login(role_user("desk staff"))
    page = client.get(reverse("servicedesk:insights")).content.decode()
    assert 'data-channel="wechat"' in page


def test_service_centre_pages_list_a_citys_open_centres(client, django_assert_max_num_queries):
    shenzhen = City.objects.get(slug="shenzhen")
    ServiceCentre.objects.create(
        name="福田中心", city=shenzhen, address="深南大道", hours="9-18", latitude=22.5, longitude=114
    )
    ServiceCentre.objects.create(
        name="已关闭", city=shenzhen, address="x", hours="-", latitude=22.5, longitude=114, is_active=False
    )
    with django_assert_max_num_queries(8):
        page = client.get("/service-centres/shenzhen/").content.decode()
    assert "福田中心" in page and "已关闭" not in page
    assert "shenzhen" in client.get("/service-centres/").content.decode()
    assert client.get("/service-centres/nowhere/").status_code == 404
