"""The key pages of each role, rendered as that role sees them, for the HTML and accessibility checks.

`render_key_pages(client)` builds a small world (a busy thread over two pages, a feedback thread with
its desk ticket, a private request, a report, a drawn meetup and a ticket) and returns `{name: html}`
for every page of issue 20's list, as the anonymous visitor, a fan, a moderator, event staff and a desk
agent see it, forms with their errors included.
"""

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import City
from accounts.notifications import notify
from accounts.roles import MODERATORS
from community import checkin, devices, follows
from community.models import Device
from forum.moderation.moderate import report_post
from meetups.draw import run_draw
from meetups.models import Meetup
from meetups.registration import register_for_meetup
from messaging import conversations
from servicedesk import private, triage
from servicedesk.wechat import desk as wechat_desk
from servicedesk.wechat.followers import follower_for
from servicedesk.wechat.models import Account, Inbound, ServiceCentre
from tests.forum.factories import board, fan, reply, thread
from tests.meetups.factories import MeetupFactory, event_staff, make_fans
from tests.servicedesk.factories import feedback
from tests.servicedesk.factories import staff as desk_staff


def _world() -> dict:
    someone = fan(display_name="路人甲", bio="喜欢拍照")
    me = fan(display_name="机友小李", bio="刷机十年")
    moderator = fan(display_name="版主", is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    organiser, desk = event_staff(display_name="活动组"), desk_staff(display_name="客服")

    busy = thread(someone, title="新固件续航怎么样", body="升级以后**续航**明显变好了。\n\n- 待机\n- 亮屏")
    for n in range(24):
        reply(me if n % 3 == 0 else someone, busy, f"第 {n + 2} 楼：同感，`code` 和 [链接](https://example.com)")
    report_post(me, busy.posts.order_by("floor").last(), "广告")
    problem = feedback(me, title="相机闪退", body="打开相机就闪退，版本 2.1")
    ticket = triage.triage(problem.pk)
    request = private.open_request(me, "订单没到", "订单号 12345")
    notify([me], "reply", "有人回复了你关注的帖子", busy.get_absolute_url())
    follows.follow(me, someone)  # so someone may message me
    chat = conversations.send(someone, me, "你好，周末一起去见面会吗？")
    conversations.report(me, chat, "测试举报")
    main = Device.objects.order_by("position").first()
    devices.set_devices(me, [main.pk], main.pk, {main.pk: "2.1"})
    checkin.check_in(me)
    # A WeChat conversation on the desk, and a service centre.
    account = Account.objects.create(name="粉丝城服务号", slug="brand", app_id="wxkeypages000001")
    follower = follower_for(account, "openid-key-pages", timezone.now())
    said = Inbound.objects.create(
        account=account, key="m:1", follower=follower, kind="text", content="耳机连不上", received_at=timezone.now()
    )
    wechat_ticket = wechat_desk.receive(said.pk).request.ticket
    ServiceCentre.objects.create(
        name="福田服务中心", city=City.objects.get(slug="shenzhen"), address="深南大道 1 号", hours="10:00–20:00",
        latitude=22.54, longitude=114.05,
    )  # fmt: skip

    meetup = MeetupFactory(title="深圳见面会", agenda="和工程师聊新系统")
    register_for_meetup(me, meetup)
    drawn = MeetupFactory(mode=Meetup.Mode.DRAW, capacity=3, capacity_override=True, title="抽签见面会")
    for applicant in [me, *make_fans(5, prefix="draw")]:
        register_for_meetup(applicant, drawn)
    Meetup.objects.filter(pk=drawn.pk).update(registration_closes_at=timezone.now())
    run_draw(organiser, drawn, seed="fancity")
    return locals()


def render_key_pages(client: Client) -> dict[str, str]:
    w = _world()
    busy, meetup, drawn, me = w["busy"], w["meetup"], w["drawn"], w["me"]
    pages: dict[str, str] = {}

    def get(name: str, url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        pages[name] = response.content.decode()

    def post(name: str, url: str, data: dict) -> None:
        response = client.post(url, data)
        assert response.status_code in (200, 400), (name, url, response.status_code)
        pages[name] = response.content.decode()

    public = {
        "home": "/",
        "forum": "/forum/",
        "board": board().get_absolute_url(),
        "thread": busy.get_absolute_url(),
        "thread page 2": busy.get_absolute_url() + "?page=2",
        "thread op only": busy.get_absolute_url() + "?op=1",
        "search": "/forum/search/?q=续航",
        "profile": me.get_absolute_url(),
        "meetups": "/meetups/",
        "meetup": meetup.get_absolute_url(),
        "draw": f"/meetups/{drawn.pk}/draw/",
        "service centres": "/service-centres/",
        "service centres of a city": "/service-centres/shenzhen/",
    }
    for name, url in public.items():
        get(f"anonymous {name}", url)
    get("anonymous login", "/accounts/login/")
    get("anonymous signup", "/accounts/signup/")
    post("anonymous login with errors", "/accounts/login/", {"login": "nobody", "password": "wrong"})
    post("anonymous signup with errors", "/accounts/signup/", {"username": "", "email": "x", "password1": "1"})

    client.force_login(me)
    for name, url in public.items():
        get(f"fan {name}", url)
    get("fan new thread", "/forum/b/general/new/")
    post("fan new thread with errors", "/forum/b/general/new/", {"title": "", "body": ""})
    get("fan new feedback", "/forum/b/feedback/new/")
    post("fan new feedback with errors", "/forum/b/feedback/new/", {"title": "", "body": ""})
    post("fan reply with errors", f"/forum/t/{busy.pk}/reply/", {"body": ""})
    get("fan settings", "/settings/")
    get("fan notifications", "/notifications/")
    get("fan my meetups", "/meetups/mine/")
    get("fan ticket", f"/meetups/{meetup.pk}/ticket/")
    get("fan requests", "/servicedesk/requests/")
    get("fan request", f"/servicedesk/requests/{w['request'].pk}/")
    get("fan check-in", "/checkin/")
    get("fan credits", "/settings/credits/")
    get("fan devices", "/settings/devices/")
    get("fan medals", "/settings/medals/")
    get("fan followers", f"/u/{me.username}/followers/")
    get("fan messages", "/messages/")
    get("fan conversation", f"/messages/{w['chat'].conversation_id}/")
    post("fan message with errors", f"/messages/{w['chat'].conversation_id}/", {"body": ""})
    get("fan new message", f"/messages/to/{w['moderator'].username}/")
    get("fan link wechat", "/wechat/link/")
    post("fan link wechat with errors", "/wechat/link/", {"code": "123"})

    client.force_login(w["moderator"])
    get("moderator queue", "/forum/moderation/")
    get("moderator thread", busy.get_absolute_url())
    get("moderator reported messages", "/messages/reports/")

    client.force_login(w["organiser"])
    get("event staff meetups", "/meetups/")
    get("event staff meetup", meetup.get_absolute_url())
    get("event staff manage", f"/meetups/{meetup.pk}/manage/")
    get("event staff draw", f"/meetups/{drawn.pk}/draw/")
    get("event staff attendees", f"/meetups/{meetup.pk}/attendees/")
    get("event staff check-in", f"/meetups/{meetup.pk}/check-in/")

    client.force_login(w["desk"])
    get("desk queue", "/staff/queue/")
    get("desk ticket", f"/staff/queue/{w['ticket'].pk}/")
    get("desk feedback thread", w["problem"].get_absolute_url())
    get("desk private request", f"/staff/queue/{w['request'].ticket.pk}/")
    get("desk insights", "/staff/insights/")
    get("desk queue search", "/staff/queue/?scope=mine&q=%E9%97%AE%E9%A2%98&breached=1")
    get("desk reports", "/staff/reports/")
    get("desk wechat ticket", f"/staff/queue/{w['wechat_ticket'].pk}/")
    return pages
