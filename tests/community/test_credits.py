"""Credits are a ledger: every change a row with its reason; the standing (credits, level) kept in step."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community import credits
from community.levels import level_of
from community.models import CreditEntry, CreditReason, Level, Standing
from forum.moderation import moderate
from forum.writing import feedback, posting
from tests.forum.factories import board, fan, member, reply, rewind, staff, thread

pytestmark = pytest.mark.django_db


def assert_in_step(user) -> None:
    """The standing equals what the ledger alone gives (credits summed, level recomputed)."""
    standing = Standing.objects.get(user=user)
    assert (standing.credits, standing.level_id) == credits.recompute(user.pk)


def test_a_thread_and_a_reply_earn_credits_with_their_reason():
    author = fan()
    t = thread(author)
    reply(author, t)
    entries = list(CreditEntry.objects.filter(user=author).order_by("id").values_list("reason", "amount"))
    assert entries == [(CreditReason.THREAD, 5), (CreditReason.REPLY, 2)]
    assert credits.credits_of(author.pk) == 7
    assert_in_step(author)


def test_replies_stop_earning_at_the_daily_cap():
    author, t = fan(), thread()
    for n in range(12):
        reply(author, t, body=f"reply {n}")
    assert credits.credits_of(author.pk) == credits.RULES[CreditReason.REPLY].daily_cap
    assert CreditEntry.objects.filter(user=author).count() == 10
    assert_in_step(author)


def test_a_hidden_post_loses_its_credit_and_its_likes_and_regains_the_post_credit_when_restored():
    author, t, mod = fan(), thread(), staff()
    post = reply(author, t)
    for liker in (fan(), fan()):
        posting.toggle_like(liker, post, on=True)
    assert credits.credits_of(author.pk) == 2 + 2
    moderate.hide_post(mod, post, "spam")
    assert credits.credits_of(author.pk) == 0
    reversals = CreditEntry.objects.filter(user=author, reverses__isnull=False)
    assert sorted(reversals.values_list("amount", flat=True)) == [-2, -1, -1]
    assert_in_step(author)
    moderate.unhide_post(mod, post)
    assert credits.credits_of(author.pk) == 2
    assert_in_step(author)


def test_a_deleted_post_earns_nothing():
    author = fan()
    post = reply(author, thread())
    posting.delete_post(author, post)
    assert credits.credits_of(author.pk) == 0
    assert_in_step(author)


def test_liking_and_unliking_cannot_refill_the_like_cap():
    author, liker = fan(), fan()
    post = reply(author, thread())
    for _ in range(30):
        posting.toggle_like(liker, post)
    gross = CreditEntry.objects.filter(user=author, reason=CreditReason.LIKE, amount__gt=0)
    assert sum(gross.values_list("amount", flat=True)) <= credits.RULES[CreditReason.LIKE].daily_cap
    assert_in_step(author)


def test_own_likes_earn_nothing():
    author = fan()
    post = reply(author, thread())
    posting.toggle_like(author, post, on=True)
    assert not CreditEntry.objects.filter(reason=CreditReason.LIKE).exists()


def test_a_confirmed_bug_and_an_official_answer_credit_once():
    reporter, desk = fan(), staff()
    t = thread(reporter, slug="feedback", title="Crash", body="It crashes", feedback_kind="bug")
    feedback.change_feedback_status(desk, t, "acknowledged")
    feedback.change_feedback_status(desk, t, "in_progress")
    feedback.change_feedback_status(desk, t, "fixed")
    assert CreditEntry.objects.filter(user=reporter, reason=CreditReason.BUG).count() == 1
    answer = reply(desk, t, body="Fixed in 2.1")
    feedback.mark_official_answer(desk, answer)
    feedback.mark_official_answer(desk, answer)
    assert CreditEntry.objects.filter(user=desk, reason=CreditReason.ANSWER).count() == 1
    assert_in_step(reporter)
    assert_in_step(desk)


def test_reaching_a_threshold_raises_the_level_in_the_same_transaction():
    author = fan()
    regular = Level.objects.get(threshold=50)
    moderator = member("Moderators")
    credits.adjust(moderator, author, 49, "welcome gift")
    assert level_of(author).threshold == 0
    author = type(author).objects.get(pk=author.pk)
    reply(author, thread())
    author = type(author).objects.get(pk=author.pk)
    assert level_of(author) == regular
    assert_in_step(author)


def test_staff_adjust_with_a_logged_reason_and_fans_may_not():
    author, moderator = fan(), member("Moderators")
    with pytest.raises(ValidationError):
        credits.adjust(moderator, author, 10, "  ")
    with pytest.raises(PermissionDenied):
        credits.adjust(fan(), author, 10, "I like them")
    entry = credits.adjust(moderator, author, -30, "farming")
    assert (entry.reason, entry.amount, entry.staff, entry.note) == (CreditReason.STAFF, -30, moderator, "farming")
    assert credits.credits_of(author.pk) == -30
    assert level_of(author).threshold == 0
    assert_in_step(author)


def test_changing_thresholds_relevels_every_fan():
    author, moderator = fan(), member("Moderators")
    credits.adjust(moderator, author, 60, "test")
    Level.objects.filter(threshold=50).update(threshold=70)
    credits.relevel_all()
    assert_in_step(author)
    assert Standing.objects.get(user=author).level.threshold == 0


def test_the_lowest_levels_rules_are_the_new_fan_limits_and_staff_may_lift_them():
    from tests.factories import UserFactory

    newcomer = UserFactory()
    b = board()
    for n in range(3):
        posting.start_thread(newcomer, b, f"Thread {n}", f"body {n}")
        rewind(newcomer)
    with pytest.raises(ValidationError):
        posting.start_thread(newcomer, b, "Thread 4", "body 4")
    Level.objects.filter(threshold=0).update(first_day_threads=None)
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)
    posting.start_thread(newcomer, b, "Thread 4", "body 4")


def test_a_level_without_links_refuses_links_but_not_mentions_or_quotes():
    Level.objects.filter(threshold=0).update(may_post_links=False)
    author, t = fan(), thread()
    with pytest.raises(ValidationError) as refused:
        posting.post_reply(author, t, "see https://spam.example/")
    assert "更高等级" in str(refused.value)
    posting.post_reply(author, t, f"@{t.author.username} [floor 1](/forum/post/1/)")
