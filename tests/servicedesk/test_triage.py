"""Keyword rules on new feedback threads: automatic answers, escalation, priorities, failures."""

import logging
import re

import pytest

from accounts.models import Notification, NotificationKind
from forum.models import Board, Post
from servicedesk import triage
from servicedesk.models import Priority, Ticket
from tests.servicedesk.factories import fan, feedback, rule, staff

pytestmark = pytest.mark.django_db


def test_chinese_keyword_escalates_as_urgent_without_an_automatic_answer():
    rule("快递", "快递\ndelivery", escalate=Priority.URGENT)
    thread = feedback(title="请问", body="我的快递三天了还没到")
    ticket = triage.triage(thread.pk)
    assert ticket.priority == Priority.URGENT and ticket.escalated_at and ticket.rule_name == "快递"
    assert ticket.reason == Ticket.Reason.RULE and ticket.auto_post is None
    assert thread.posts.count() == 1


def test_english_keyword_in_the_title_matches_case_insensitively():
    rule("Orders", "订单\norder", escalate=Priority.URGENT)
    ticket = triage.triage(feedback(title="Where is my ORDER?", body="no news").pk)
    assert ticket.priority == Priority.URGENT


def test_english_keyword_inside_a_longer_word_does_not_match():
    rule("Orders", "order", escalate=Priority.URGENT)
    ticket = triage.triage(feedback(title="Please reorder the settings menu", body="idea").pk)
    assert ticket.rule is None and ticket.priority == Priority.NORMAL and ticket.reason == Ticket.Reason.NO_RULE


def test_template_answer_is_posted_by_the_bot_marked_automatic_with_a_link_to_a_person():
    rule("Battery", "耗电\nbattery drain", reply="{{ name }}，请查看设置里的电池页面。")
    author = fan(display_name="小明")
    thread = feedback(author, title="耗电太快", body="一天要充三次")
    ticket = triage.triage(thread.pk)
    post = Post.objects.get(thread=thread, floor=2)
    assert ticket.auto_post == post and ticket.escalated_at is None and ticket.priority == Priority.NONE
    assert post.author.username == triage.BOT_USERNAME and not post.by_staff
    assert "小明，请查看设置里的电池页面" in post.body
    assert "自动回复" in post.html  # marked as automatic, in the fan's language (Chinese by default)
    assert f'href="/servicedesk/ask/{thread.pk}/"' in post.html
    thread.refresh_from_db()
    assert thread.first_staff_reply_at is None  # the bot does not stop the clock


def test_the_rule_with_the_highest_priority_wins():
    rule("General battery answer", "battery", priority=10, reply="Check Settings › Battery.")
    rule("Battery after flashing", "battery\n刷机", priority=50, escalate=Priority.URGENT)
    ticket = triage.triage(feedback(title="Battery dies after update", body="help").pk)
    assert ticket.rule_name == "Battery after flashing" and ticket.priority == Priority.URGENT
    assert ticket.auto_post is None


def test_inactive_rules_and_rules_for_other_boards_are_skipped():
    rule("Off", "battery", reply="off", is_active=False)
    other = rule("Elsewhere", "battery", reply="elsewhere")
    other.boards.set([Board.objects.get(slug="general")])
    ticket = triage.triage(feedback(title="battery", body="x").pk)
    assert ticket.rule is None and ticket.reason == Ticket.Reason.NO_RULE


def test_a_failing_rule_is_logged_and_the_next_rule_applies(caplog):
    rule("Broken template", "battery", priority=90, reply="{% if %}")
    rule("Battery", "battery", priority=10, reply="Check Settings › Battery.")
    thread = feedback(title="battery", body="drains")  # posting itself never runs the rules
    with caplog.at_level(logging.ERROR, logger="servicedesk.triage"):
        ticket = triage.triage(thread.pk)
    assert "Broken template" in caplog.text
    assert ticket.rule_name == "Battery" and ticket.auto_post is not None


def test_when_every_matching_rule_fails_a_person_answers():
    rule("Broken", "battery", reply="{% if %}")
    ticket = triage.triage(feedback(title="battery", body="drains").pk)
    assert ticket.reason == Ticket.Reason.RULE_FAILED and ticket.priority == Priority.NORMAL and ticket.escalated_at


def test_triage_twice_changes_nothing():
    rule("Battery", "battery", reply="Check Settings › Battery.", escalate=Priority.URGENT)
    staff()
    thread = feedback(title="battery", body="drains")
    first = triage.triage(thread.pk)
    second = triage.triage(thread.pk)
    assert first.pk == second.pk and thread.posts.count() == 2
    assert Notification.objects.filter(kind=NotificationKind.STAFF).count() == 1


def test_rule_edits_apply_to_the_next_thread():
    battery = rule("Battery", "battery", reply="old answer")
    triage.triage(feedback(title="battery", body="one").pk)
    battery.phrases = "耗电"
    battery.save()
    ticket = triage.triage(feedback(title="battery", body="two").pk)
    assert ticket.rule is None


def test_urgent_items_notify_every_staff_member_in_site():
    rule("快递", "快递", escalate=Priority.URGENT)
    members = [staff(), staff(language="en")]
    fan_only = fan()
    thread = feedback(title="快递丢了", body="帮帮我")
    ticket = triage.triage(thread.pk)
    notes = Notification.objects.filter(kind=NotificationKind.STAFF)
    assert {n.recipient_id for n in notes} == {m.pk for m in members}
    assert not notes.filter(recipient=fan_only).exists()
    assert all(n.url == f"/staff/queue/{ticket.pk}/" for n in notes)
    assert notes.get(recipient=members[1]).text.startswith("Urgent feedback waiting")


def test_threads_outside_feedback_boards_are_not_triaged():
    from forum.writing import posting

    thread = posting.start_thread(fan(), Board.objects.get(slug="general"), "order", "my order")
    assert triage.triage(thread.pk) is None and not Ticket.objects.exists()


def test_the_fan_can_ask_for_a_person_on_an_automatic_answer(client):
    rule("Battery", "battery", reply="Check Settings › Battery.")
    author = fan()
    thread = feedback(author, title="battery", body="drains")
    triage.triage(thread.pk)
    client.force_login(author)
    page = client.get(thread.get_absolute_url())
    assert "Ask for a person" in page.content.decode() or "人工" in page.content.decode()
    response = client.post(f"/servicedesk/ask/{thread.pk}/")
    assert response.status_code == 302
    ticket = Ticket.objects.get(thread=thread)
    assert ticket.escalated_at and ticket.reason == Ticket.Reason.FAN_ASKED and ticket.priority == Priority.NORMAL


def test_only_the_author_can_ask_for_a_person(client):
    rule("Battery", "battery", reply="Check Settings › Battery.")
    thread = feedback(title="battery", body="drains")
    triage.triage(thread.pk)
    client.force_login(fan())
    assert client.post(f"/servicedesk/ask/{thread.pk}/").status_code == 403
    assert Ticket.objects.get(thread=thread).escalated_at is None


def test_demo_rules_escalate_orders_deliveries_and_flashing_and_answer_frequent_questions():
    from demo import servicedesk as demo

    demo.load()
    demo.load()  # idempotent
    assert triage.triage(feedback(title="快递到哪了", body="?").pk).priority == Priority.URGENT
    assert triage.triage(feedback(title="Need help to flash ROM", body="?").pk).priority == Priority.URGENT
    assert triage.triage(feedback(title="my order", body="?").pk).priority == Priority.URGENT
    answered = triage.triage(feedback(title="手机耗电很快", body="?").pk)
    assert answered.auto_post is not None and answered.escalated_at is None


def test_the_bot_signs_in_the_readers_language_and_answers_in_the_fans_language_only(client):
    from django.utils import translation

    rule(
        "耗电",
        "耗电\nbattery drain",
        reply="{{ name }}，请查看设置里的电池页面。",
        reply_template_en="{{ name }}, check Settings › Battery.",
    )
    chinese, english = fan(display_name="小明"), fan(display_name="Sam", language="en")
    for author in (chinese, english):
        triage.triage(feedback(author, title="耗电太快", body="一天要充三次").pk)
    to_chinese = Post.objects.get(thread__author=chinese, floor=2)
    to_english = Post.objects.get(thread__author=english, floor=2)
    assert "小明，请查看设置里的电池页面" in to_chinese.body and "Settings" not in to_chinese.body
    assert "Sam, check Settings › Battery." in to_english.body and "电池" not in to_english.body
    with translation.override("zh-hans"):
        assert to_chinese.author.public_name == "粉丝城自动回复"
    with translation.override("en"):
        assert to_chinese.author.public_name == "Fancity auto-reply"
    client.cookies["django_language"] = "zh-hans"
    page = client.get(to_chinese.thread.get_absolute_url()).content.decode()
    assert "粉丝城自动回复" in page and "Fancity Bot" not in page


def test_a_fan_cannot_sign_up_as_the_bot(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "b@example.com",
            "username": triage.BOT_USERNAME,
            "password1": "a-long-unusual-pass-91",
            "password2": "a-long-unusual-pass-91",
            "city": "深圳",
        },
    )
    assert response.status_code == 200 and not triage.User.objects.filter(username=triage.BOT_USERNAME).exists()


def test_the_demo_rules_answer_in_one_language_and_name_the_meetups_page_as_the_menu_does():
    from demo import servicedesk as demo_rules
    from servicedesk.models import Rule

    demo_rules.load()
    meetups = Rule.objects.get(name="见面会")
    assert "「见面会」" in meetups.reply_template and "活动」" not in meetups.reply_template
    for r in Rule.objects.exclude(reply_template=""):
        english = re.findall(r"[A-Za-z]{3,}", r.reply_template.replace("{{ name }}", ""))
        assert english == [], (r.name, english)  # "GB", "Wi-Fi" are written so in Chinese too
        assert r.reply_template_en and not any("\u4e00" <= c <= "\u9fff" for c in r.reply_template_en), r.name
    assert all(" / " not in r.name and r.name_en for r in Rule.objects.all())


def test_rule_names_show_in_the_readers_language_in_the_queue(client):
    rule("订单", "订单\norder", escalate=Priority.URGENT, name_en="Orders")
    triage.triage(feedback(title="订单没到", body="三天了").pk)
    client.force_login(staff())
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/staff/queue/").content.decode()
    assert "订单" in page and "Orders" not in page
    client.cookies["django_language"] = "en"
    page = client.get("/staff/queue/").content.decode()
    assert "Rule: Orders" in page
