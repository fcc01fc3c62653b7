"""Canned replies fill the answer box for this fan; rules answer in the fan's language."""

import pytest

from forum.models import Post
from servicedesk import triage
from servicedesk.models import CannedReply
from tests.servicedesk.factories import fan, feedback, rule, staff

pytestmark = pytest.mark.django_db


def test_the_ticket_page_lists_canned_replies_in_the_fans_language_filled_for_them(
    client, django_assert_max_num_queries
):
    CannedReply.objects.create(title="Delivery", language="en", body="Hi {name}, about “{thread}”: it ships today.")
    CannedReply.objects.create(title="快递", language="zh-hans", body="{name} 你好，{thread} 今天发货。")
    thread = feedback(fan(display_name="Lee", language="en"), title="Where is my parcel", body="late")
    ticket = triage.triage(thread.pk)
    client.force_login(staff())
    client.get(f"/staff/queue/{ticket.pk}/")
    with django_assert_max_num_queries(14):  # with tags, notes, assignment menus and the fan's context
        page = client.get(f"/staff/queue/{ticket.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="Hi Lee, about “Where is my parcel”: it ships today."' in html
    assert "今天发货" not in html and "servicedesk/canned" in html and "<script>" not in html


def test_a_rule_answers_in_english_for_english_readers_and_falls_back_to_chinese():
    rule(
        "Battery",
        "battery\n电池",
        reply="请检查电池设置，{{ name }}。",
        reply_template_en="Check Settings › Battery, {{ name }}.",
    )
    rule("Screen", "screen", reply="请重启手机。")
    english = triage.triage(feedback(fan(display_name="Ann", language="en"), title="battery drains").pk)
    chinese = triage.triage(feedback(fan(display_name="小李", language="zh-hans"), title="电池不耐用").pk)
    fallback = triage.triage(feedback(fan(language="en"), title="screen flickers").pk)
    assert "Check Settings › Battery, Ann." in Post.objects.get(pk=english.auto_post_id).body
    assert "请检查电池设置，小李。" in Post.objects.get(pk=chinese.auto_post_id).body
    assert "请重启手机。" in Post.objects.get(pk=fallback.auto_post_id).body
