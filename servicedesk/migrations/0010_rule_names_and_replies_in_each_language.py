"""Keyword rules get a name in English; the demo rules, where nobody changed them, are split into
their Chinese and English halves (they were "订单 / Orders", and answered Chinese fans with an English
paragraph after the Chinese one), and the meetups rule names the page as the menu does (见面会)."""

from django.db import migrations, models

# Each demo rule as loaded before this migration: (old name, new name, English name, old reply,
# new reply, English reply). A field is changed only where it still holds the old demo value.
DEMO = [
    ("订单 / Orders", "订单", "Orders", "", "", ""),
    ("快递 / Delivery", "快递", "Delivery", "", "", ""),
    ("刷机 / Flashing", "刷机", "Flashing", "", "", ""),
    (
        "账号密码 / Password",
        "账号密码",
        "Password",
        "{{ name }}，你好！可以在登录页点击「忘记密码」，按邮件里的链接设置新密码。\n\n"
        "Hello {{ name }}: use “Forgot password” on the log-in page and follow the link in the mail.",
        "{{ name }}，你好！可以在登录页点击「忘记密码」，按邮件里的链接设置新密码。",
        "Hello {{ name }}: use “Forgot password” on the log-in page and follow the link in the mail.",
    ),
    (
        "耗电 / Battery",
        "耗电",
        "Battery",
        "耗电快时请先到「设置 › 电池」查看耗电排行，关闭后台耗电高的应用，并确认系统已更新到最新版本。\n\n"
        "If the battery drains fast, check Settings › Battery for the apps using it most, and update the system.",
        "耗电快时请先到「设置 › 电池」查看耗电排行，关闭后台耗电高的应用，并确认系统已更新到最新版本。",
        "If the battery drains fast, check Settings › Battery for the apps using it most, and update the system.",
    ),
    (
        "系统更新 / Update",
        "系统更新",
        "Update",
        "更新失败时请确认电量高于 30%、剩余空间大于 5 GB，连上 Wi-Fi 后在「设置 › 系统更新」重试。\n\n"
        "If an update fails, charge above 30%, free 5 GB, connect to Wi-Fi and retry in Settings › System update.",
        "更新失败时请确认电量高于 30%、剩余空间大于 5 GB，连上 Wi-Fi 后在「设置 › 系统更新」重试。",
        "If an update fails, charge above 30%, free 5 GB, connect to Wi-Fi and retry in Settings › System update.",
    ),
    (
        "内测申请 / Beta",
        "内测申请",
        "Beta",
        "内测招募会在「官方公告」发布，请关注公告版块；核心测试成员可以在内测专区反馈。\n\n"
        "Beta sign-ups are announced on the Announcements board; core testers report in the Private beta board.",
        "内测招募会在「官方公告」发布，请关注公告版块；核心测试成员可以在内测专区反馈。",
        "Beta sign-ups are announced on the Announcements board; core testers report in the Private beta board.",
    ),
    (
        "线下活动 / Meetups",
        "见面会",
        "Meetups",
        "同城会的报名在「活动」页面，开放报名时你会收到通知。\n\n"
        "Meetups are listed on the Meetups page; you are notified when registration opens in your city.",
        "线下见面会在「见面会」页面报名；你所在城市的见面会开放报名时，你会收到通知。",
        "Meetups are listed on the Meetups page; you are notified when registration opens in your city.",
    ),
]
# The meetups rule answers to the menu's word too.
MEETUP_PHRASES = ("线下活动\n同城会\nmeetup", "线下活动\n同城会\n见面会\nmeetup")


def split_demo_rules(apps, schema_editor):
    Rule = apps.get_model("servicedesk", "Rule")
    Ticket = apps.get_model("servicedesk", "Ticket")
    Rating = apps.get_model("servicedesk", "Rating")
    for old_name, name, name_en, old_reply, reply, reply_en in DEMO:
        for rule in Rule.objects.filter(name=old_name):
            rule.name, rule.name_en = name, rule.name_en or name_en
            if rule.reply_template == old_reply:
                rule.reply_template = reply
                rule.reply_template_en = rule.reply_template_en or reply_en
            if name == "见面会" and rule.phrases == MEETUP_PHRASES[0]:
                rule.phrases = MEETUP_PHRASES[1]
            rule.save(update_fields=["name", "name_en", "phrases", "reply_template", "reply_template_en"])
            Ticket.objects.filter(rule=rule, rule_name=old_name).update(rule_name=name)
            Rating.objects.filter(rule=rule, rule_name=old_name).update(rule_name=name)


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0009_ratings_and_moved_threads")]

    operations = [
        migrations.AddField(
            model_name="rule",
            name="name_en",
            field=models.CharField(
                blank=True,
                help_text="For staff who read the site in English; when empty they see the name above.",
                max_length=80,
                verbose_name="name in English",
            ),
        ),
        migrations.RunPython(split_demo_rules, migrations.RunPython.noop),
    ]
