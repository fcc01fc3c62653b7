"""Every kind of object the apps create, in every state they can reach, made through the apps' own write
functions: what the admin must be able to list and open (tests/site/test_admin_pages.py)."""

import datetime
import uuid

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles, wordfilter
from accounts.deletion import delete_account
from accounts.models import City, WordAction
from forum.models import BoardModerator
from forum.moderation import moderate
from forum.writing import feedback as forum_feedback
from forum.writing import posting, screening
from meetups import changes, checkin, draw, messaging, proposals, ranking, registration, selection, transfers
from meetups.models import MailTemplate, Meetup, Question, SchedulerSettings
from servicedesk import claims, private, satisfaction, triage
from servicedesk.models import CannedReply, DeskSettings
from servicedesk.wechat import linking
from servicedesk.wechat.followers import follower_for
from servicedesk.wechat.models import Account, Broadcast, Inbound, MenuItem, ServiceCentre
from tests.factories import UserFactory
from tests.forum.factories import board, fan, reply, rewind, thread
from tests.meetups.factories import MeetupFactory
from tests.servicedesk.factories import feedback, rule

ROLE_GROUPS = {
    # role: groups (every one of them has is_staff, to open the admin)
    "moderator": [roles.MODERATORS],
    "event staff": [roles.EVENT_STAFF],
    "desk staff": [roles.SERVICE_DESK],
    "operations": [roles.OPERATIONS],
}


def role_user(role: str, **kwargs):
    """A staff account holding one role (`superuser`: a superuser in no group)."""
    if role == "superuser":
        return fan(is_staff=True, is_superuser=True, **kwargs)
    user = fan(is_staff=True, **kwargs)
    user.groups.add(*Group.objects.filter(name__in=ROLE_GROUPS[role]))
    return user


def _in(**kwargs) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**kwargs)


def build_forum(admin) -> None:
    author, reporter = fan(display_name="作者"), fan()
    plain = thread(author, title="普通帖子")
    hidden = reply(author, plain, "待隐藏的回复")
    moderate.report_post(reporter, hidden, "广告")
    moderate.report_post(reporter, plain.posts.get(floor=1), "重复")
    moderate.hide_post(admin, hidden, "广告")
    moderate.ban_author(admin, hidden, "广告", 7)
    locked = thread(fan(), title="锁定的帖子")
    moderate.set_locked(admin, locked, True, "吵架")
    moderate.set_pinned(admin, locked, True)
    moved = thread(fan(), title="移动的帖子")
    moderate.move_thread(admin, moved, board("city-shenzhen"), "版块不对")
    BoardModerator.objects.create(board=board("general"), user=fan(display_name="版主"))
    # Held posts (the hold word is listed in build_all, before anything is posted): one approved, one waiting.
    for title in ("刷单一", "刷单二"):
        writer = fan()
        try:
            posting.start_thread(writer, board("general"), title, "找人刷单")
        except screening.HeldForReview as error:
            held = screening.hold(error)
        rewind(writer)
    moderate.approve_held(admin, held)
    # Deleted and banned fans.
    gone = fan()
    reply(gone, plain, "我要注销")
    delete_account(gone)


def build_desk(admin) -> None:
    desk = role_user("desk staff")
    rule("订单", "订单", escalate=2, reply="请提供订单号")
    rule("刷机", "刷机", reply="请看刷机教程", is_active=False)
    CannedReply.objects.create(title="问候", language="zh-hans", body="你好 {name}")
    DeskSettings.load()
    asker = fan()
    # A ticket on a thread, answered by the desk, rated; its thread's status changed.
    answered = feedback(asker, title="订单没到", body="订单号 123")
    ticket = triage.triage(answered.pk)
    claims.claim(desk, ticket.pk)
    answer = claims.answer(desk, ticket.pk, "我们查一下")
    satisfaction.rate_post(asker, answer.pk, True, "谢谢")
    forum_feedback.change_feedback_status(desk, answered, "acknowledged", note="在查")
    # A ticket nobody took, one answered by the bot, and one moved to a private request (its thread
    # withdrawn: every post hidden, the thread locked).
    triage.triage(feedback(fan(), title="无人认领").pk)
    triage.triage(feedback(fan(), title="刷机失败", body="刷机").pk)
    moved = triage.triage(feedback(fan(), title="我的电话 13800000000").pk)
    private.move_thread(desk, moved.pk, public_title="已转为私信")
    # A private request, answered and rated.
    requester = fan()
    request = private.open_request(requester, "退货", "订单 456 要退货")
    message = claims.answer(desk, request.ticket.pk, "可以退")
    satisfaction.rate_message(requester, message.pk, False, "太慢")


def build_meetups(admin) -> None:
    staff = role_user("event staff")
    SchedulerSettings.load()
    ranking.snapshot_cities()
    MeetupFactory(status=Meetup.Status.DRAFT, title="草稿见面会")
    open_meetup = MeetupFactory(title="先到先得", capacity=1, capacity_override=True)
    phone = Question.objects.create(meetup=open_meetup, label="电话", kind=Question.Kind.PHONE, position=1)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    registration.register_for_meetup(first, open_meetup, answers={phone.pk: "138 0000 0000"})
    waiting = registration.register_for_meetup(second, open_meetup, answers={phone.pk: "139 0000 0000"})
    registration.register_for_meetup(third, open_meetup, answers={phone.pk: "137 0000 0000"})
    registration.cancel_registration(second, waiting)
    messaging.message_attendees(staff, open_meetup, "all", "记得带门票")
    # Today's meetup: a fan checked in at the door.
    today = MeetupFactory(title="今天的见面会", starts_at=_in(minutes=30))
    seat = registration.register_for_meetup(UserFactory(), today)
    checkin.check_in_registration(staff, today, seat.pk)
    # The door log: an undo, an offline check-in and a conflict; a fan with a guest; a transfer.
    checkin.undo_check_in(staff, today, seat.pk)
    checkin.sync_scans(staff, today, [{"id": str(uuid.uuid4()), "registration": seat.pk, "at": _in().isoformat()}])
    checkin.sync_scans(staff, today, [{"id": str(uuid.uuid4()), "registration": seat.pk, "at": _in().isoformat()}])
    plus_one = MeetupFactory(title="可带同伴", max_guests=1, allow_transfer=True)
    giver = registration.register_for_meetup(UserFactory(), plus_one, guests=1)
    transfers.offer_transfer(giver.fan, giver, fan(username="friend-admin").username)
    accepted = registration.register_for_meetup(UserFactory(), plus_one)
    taker = fan(username="taker-admin")
    transfers.accept_transfer(taker, transfers.offer_transfer(accepted.fan, accepted, taker.username))
    MailTemplate.objects.create(
        kind=MailTemplate.Kind.CONFIRMATION, language="zh-hans", subject="{{ title }}", body="好"
    )
    MailTemplate.objects.create(kind=MailTemplate.Kind.CANCEL, language="en", subject="x", body="{% include 'x' %}")
    # A drawn meetup, a staff-selection meetup, a cancelled one, a fan proposal, a rejected one.
    drawn = MeetupFactory(title="抽签", mode=Meetup.Mode.DRAW, capacity=1, capacity_override=True)
    for _ in range(3):
        registration.register_for_meetup(UserFactory(), drawn)
    Meetup.objects.filter(pk=drawn.pk).update(registration_closes_at=_in(minutes=-1))
    draw.run_draw(staff, drawn)
    chosen = MeetupFactory(title="审核", mode=Meetup.Mode.STAFF)
    picked = registration.register_for_meetup(UserFactory(), chosen)
    turned_down = registration.register_for_meetup(UserFactory(), chosen)
    selection.select_applicants(staff, chosen, [picked.pk])
    selection.reject_applicants(staff, chosen, [turned_down.pk])
    cancelled = MeetupFactory(title="取消的见面会")
    registration.register_for_meetup(UserFactory(), cancelled)
    changes.cancel_meetup(staff, cancelled, "场地有变")
    proposer = fan()
    pending = dict(starts_at=_in(days=20), venue="茶馆", address="锦江区 1 号", capacity=30)
    proposals.propose_meetup(proposer, title="粉丝提议", **pending)
    rejected = proposals.propose_meetup(fan(), title="被拒的提议", **pending)
    proposals.reject_proposal(staff, rejected, "场地不合适")
    approved = proposals.propose_meetup(fan(), title="通过的提议", **pending)
    proposals.approve_proposal(staff, approved)


def build_wechat(admin) -> None:
    """An account with a menu, a follower (linked, with a code) and its messages, a centre, broadcasts."""
    account = Account(name="品牌服务号", slug="brand", app_id="wxadminstates0001")
    account.token, account.secret = "token", "secret"
    account.save()
    top = MenuItem.objects.create(account=account, name="服务", kind="click", keyword="保修")
    MenuItem.objects.create(account=account, parent=top, name="官网", kind="view", url="https://example.com/")
    now = timezone.now()
    follower = follower_for(account, "openid-admin-states", now)
    linking.issue(follower)
    for key, outcome in [("m:1", Inbound.Outcome.RULE), ("m:2", Inbound.Outcome.DESK)]:
        Inbound.objects.create(
            account=account, key=key, follower=follower, kind="text", content="粉丝的消息", received_at=now,
            outcome=outcome,
        )  # fmt: skip
    ServiceCentre.objects.create(
        name="福田服务中心", city=City.objects.get(slug="shenzhen"), address="深南大道 1 号", hours="10:00-20:00",
        latitude=22.54, longitude=114.05,
    )  # fmt: skip
    Broadcast.objects.create(account=account, text="新品发布", created_by=admin, created_at=now)
    Broadcast.objects.create(
        account=account, text="服务公告", created_by=admin, created_at=now, state=Broadcast.State.SENT,
        sent_by=admin, sent_at=now, result="msg_id 1",
    )  # fmt: skip


def build_all():
    """Every state; returns the superuser who made them."""
    admin = role_user("superuser", display_name="管理员")
    # Listed before the first post, so the filter (built on the first check) knows them.
    wordfilter.save_word("刷单", WordAction.HOLD, "测试")
    wordfilter.save_word("赌博", WordAction.BLOCK)
    build_forum(admin)
    build_desk(admin)
    build_meetups(admin)
    build_wechat(admin)
    return admin
