"""Fans who said "me too" hear when the feedback's status changes or staff answer it, in their language."""

import pytest

from accounts.models import Notification
from forum.writing import feedback
from outbox.models import Message
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _voted(t, *users):
    for user in users:
        feedback.toggle_me_too(user, t, on=True)


def test_voters_are_told_of_a_status_change_in_their_language_and_the_one_acting_is_not():
    author, chinese, english, boss = fan(), fan(language="zh-hans"), fan(language="en"), staff()
    t = thread(author, slug="feedback", title="蓝牙断连", feedback_kind="bug")
    _voted(t, chinese, english, boss)

    feedback.change_feedback_status(boss, t, "fixed", "2.1.3 修复")

    texts = dict(Notification.objects.filter(kind="feedback").values_list("recipient_id", "text"))
    assert texts[chinese.pk] == "你点了“我也是”的反馈“蓝牙断连”状态变为：已修复"
    assert texts[english.pk] == "Feedback you said “me too” to, “蓝牙断连”, is now: Fixed"
    assert texts[author.pk] == "你的反馈“蓝牙断连”状态变为：已修复"
    assert boss.pk not in texts
    mailed = {pk for m in Message.objects.filter(task="accounts.tasks.email_notifications") for pk in m.args[0]}
    assert set(Notification.objects.filter(kind="feedback").values_list("pk", flat=True)) == mailed


def test_voters_are_told_when_staff_post_an_official_answer():
    author, voter, boss = fan(), fan(language="en"), staff()
    t = thread(author, slug="feedback", title="Camera", feedback_kind="bug")
    _voted(t, voter)
    answer = reply(boss, t, "Fixed in 2.1.3")

    feedback.mark_official_answer(boss, answer)

    told = Notification.objects.get(recipient=voter, kind="feedback")
    assert told.text == "Staff answered feedback you said “me too” to: “Camera”"
    assert told.url == answer.get_absolute_url()
    assert not Notification.objects.filter(recipient=boss, kind="feedback").exists()


def test_voters_of_a_duplicate_hear_it_was_marked_duplicate_once():
    boss, voter = staff(), fan(language="en")
    original = thread(fan(), slug="feedback", title="Original", feedback_kind="bug")
    dupe = thread(fan(), slug="feedback", title="Dupe", feedback_kind="bug")
    _voted(dupe, voter)

    feedback.change_feedback_status(boss, dupe, "duplicate", "", duplicate_of=original)

    assert list(Notification.objects.filter(recipient=voter).values_list("text", flat=True)) == [
        "Feedback you said “me too” to, “Dupe”, is now: Duplicate"
    ]
