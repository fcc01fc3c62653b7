"""Demo keyword rules: orders, deliveries and flashing go to a person at once; frequent questions
get a template answer. Safe to run again (rules are found by name).

Each rule is named and answers in Chinese and in English; a fan gets the answer in their language only
(servicedesk/models.py `Rule.template_for`), staff see the name in theirs (`Rule.label`)."""

from servicedesk.activity_weeks import backfill
from servicedesk.models import ActivityWeek, Priority, Rule

RULES = [
    # (name, English name, phrases, priority, escalate, reply, English reply)
    ("订单", "Orders", "订单\norder\n退款\nrefund", 300, Priority.URGENT, "", ""),
    ("快递", "Delivery", "快递\ndelivery\n物流\nshipping", 300, Priority.URGENT, "", ""),
    ("刷机", "Flashing", "刷机\nflash ROM\n线刷\n救砖\nbootloader", 300, Priority.URGENT, "", ""),
    (
        "账号密码",
        "Password",
        "忘记密码\n找回密码\nforgot password\nreset password",
        100,
        Priority.NONE,
        "{{ name }}，你好！可以在登录页点击「忘记密码」，按邮件里的链接设置新密码。",
        "Hello {{ name }}: use “Forgot password” on the log-in page and follow the link in the mail.",
    ),
    (
        "耗电",
        "Battery",
        "耗电\n掉电快\nbattery drain\nbattery life",
        100,
        Priority.NONE,
        "耗电快时请先到「设置 › 电池」查看耗电排行，关闭后台耗电高的应用，并确认系统已更新到最新版本。",
        "If the battery drains fast, check Settings › Battery for the apps using it most, and update the system.",
    ),
    (
        "系统更新",
        "Update",
        "系统更新\n升级失败\nOTA\nsystem update",
        100,
        Priority.NONE,
        "更新失败时请确认电量高于 30%、剩余空间大于 5 GB，连上 Wi-Fi 后在「设置 › 系统更新」重试。",
        "If an update fails, charge above 30%, free 5 GB, connect to Wi-Fi and retry in Settings › System update.",
    ),
    (
        "内测申请",
        "Beta",
        "内测\n公测\nbeta test",
        90,
        Priority.NONE,
        "内测招募会在「官方公告」发布，请关注公告版块；核心测试成员可以在内测专区反馈。",
        "Beta sign-ups are announced on the Announcements board; core testers report in the Private beta board.",
    ),
    (
        "见面会",
        "Meetups",
        "线下活动\n同城会\n见面会\nmeetup",
        80,
        Priority.NONE,
        "线下见面会在「见面会」页面报名；你所在城市的见面会开放报名时，你会收到通知。",
        "Meetups are listed on the Meetups page; you are notified when registration opens in your city.",
    ),
]


def load() -> list[str]:
    if not ActivityWeek.objects.exists():
        backfill(weeks=12)  # so the activity chart has a shape from the demo fans' activity
    created = 0
    for name, name_en, phrases, priority, escalate, reply, reply_en in RULES:
        _rule, made = Rule.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "phrases": phrases,
                "priority": priority,
                "escalate": escalate,
                "reply_template": reply,
                "reply_template_en": reply_en,
            },
        )
        created += made
    return [f"Service desk: {Rule.objects.count()} keyword rules ({created} new), queue at /staff/queue/"]
