import pytest
from django.test import Client

from forum.models import Board, Like, MeToo, Post, Thread
from forum.writing import feedback, posting
from tests.forum.factories import fan, staff, thread
from tests.helpers import race

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in_clients(user, count: int) -> list[Client]:
    """`count` test clients, each with its own session of `user` (as from several tabs or retries)."""
    clients = [Client() for _ in range(count)]
    for c in clients:
        c.force_login(user)
    return clients


def test_concurrent_replies_get_distinct_consecutive_floors_and_exact_counters():
    t = thread()
    repliers = [fan() for _ in range(8)]
    results = race(*[(lambda u=u: posting.post_reply(u, t, f"hello from {u.username}")) for u in repliers])
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(Post.objects.filter(thread=t).values_list("floor", flat=True)) == list(range(1, 10))
    t = Thread.objects.get(pk=t.pk)
    assert (t.post_count, t.reply_count) == (9, 8)
    assert Board.objects.get(pk=t.board_id).post_count == 9


def test_a_fans_double_reply_makes_one_post_and_both_requests_get_it():
    t = thread()
    author = fan()
    results = race(*[lambda: posting.post_reply(author, t, "double tap")] * 2)
    assert all(isinstance(r, Post) for r in results) and results[0].pk == results[1].pk
    assert Post.objects.filter(author=author).count() == 1


def test_a_fan_racing_two_different_replies_still_meets_the_posting_interval():
    t = thread()
    author = fan()
    results = race(lambda: posting.post_reply(author, t, "one"), lambda: posting.post_reply(author, t, "two"))
    assert sorted("ok" if isinstance(r, Post) else type(r).__name__ for r in results) == ["PostingLimited", "ok"]
    assert Post.objects.filter(author=author).count() == 1


def test_three_identical_staff_replies_sent_at_once_make_one_post():
    t = thread()
    member = staff()
    clients = signed_in_clients(member, 3)
    url = f"/forum/t/{t.pk}/reply/"
    responses = race(*[(lambda c=c: c.post(url, {"body": "我们已经在处理了。"})) for c in clients])
    assert [r.status_code for r in responses] == [302] * 3
    assert len({r["Location"] for r in responses}) == 1
    assert Post.objects.filter(thread=t, author=member).count() == 1
    t = Thread.objects.get(pk=t.pk)
    assert (t.post_count, t.reply_count) == (2, 1)


def test_the_same_new_thread_sent_twice_at_once_is_one_thread():
    member = staff()
    general = Board.objects.get(slug="general")
    results = race(*[lambda: posting.start_thread(member, general, "公告", "内容")] * 2)
    assert all(isinstance(r, Thread) for r in results) and results[0].pk == results[1].pk
    assert Thread.objects.filter(author=member).count() == 1
    assert Board.objects.get(pk=general.pk).thread_count == general.thread_count + 1


@pytest.mark.parametrize("racers", [2, 8])
def test_simultaneous_likes_by_one_fan_all_succeed_and_count_once(racers):
    t = thread()
    liker = fan()
    post = t.posts.get(floor=1)
    results = race(*[lambda: posting.toggle_like(liker, post, on=True)] * racers)
    assert results == [(True, 1)] * racers
    assert Post.objects.get(pk=post.pk).like_count == 1
    assert Like.objects.filter(post=post).count() == 1


def test_simultaneous_switches_by_one_fan_never_fail_and_the_count_matches_the_rows():
    t = thread()
    liker = fan()
    post = t.posts.get(floor=1)
    results = race(*[lambda: posting.toggle_like(liker, post)] * 8)
    assert not [r for r in results if isinstance(r, Exception)]
    rows = Like.objects.filter(post=post).count()
    assert Post.objects.get(pk=post.pk).like_count == rows


def test_simultaneous_likes_by_many_fans_count_each_once():
    t = thread()
    post = t.posts.get(floor=1)
    likers = [fan() for _ in range(8)]
    results = race(*[(lambda u=u: posting.toggle_like(u, post, on=True)) for u in likers])
    assert all(r[0] is True for r in results)
    assert Post.objects.get(pk=post.pk).like_count == 8


@pytest.mark.parametrize("racers", [2, 8])
def test_simultaneous_me_too_votes_by_one_fan_all_succeed_and_count_once(racers):
    t = thread(slug="feedback", feedback_kind="bug")
    voter = fan()
    results = race(*[lambda: feedback.toggle_me_too(voter, t, on=True)] * racers)
    assert results == [(True, 1)] * racers
    assert Thread.objects.get(pk=t.pk).me_too_count == MeToo.objects.filter(thread=t).count() == 1


def test_taking_back_twice_at_once_leaves_no_vote_and_no_negative_count():
    t = thread(slug="feedback", feedback_kind="bug")
    voter = fan()
    feedback.toggle_me_too(voter, t, on=True)
    results = race(*[lambda: feedback.toggle_me_too(voter, t, on=False)] * 4)
    assert results == [(False, 0)] * 4
    assert Thread.objects.get(pk=t.pk).me_too_count == 0


def test_eight_simultaneous_like_requests_are_never_a_500(client):
    t = thread()
    post = t.posts.get(floor=1)
    liker = fan()
    clients = signed_in_clients(liker, 8)
    url = f"/forum/p/{post.pk}/like/"
    responses = race(*[(lambda c=c: c.post(url, {"on": "1"}, HTTP_X_REQUESTED_WITH="fetch")) for c in clients])
    assert [r.status_code for r in responses] == [200] * 8
    assert {r.json()["count"] for r in responses} == {1}
    assert Post.objects.get(pk=post.pk).like_count == 1


def test_two_watchers_replying_to_one_thread_at_once_never_deadlock():
    """Each reply notifies the other writer, whose row the other reply holds locked: the author's lock
    must not block the notification's foreign key (FOR NO KEY UPDATE, not FOR UPDATE), or the two wait
    for each other until PostgreSQL kills one. (Staff: no posting interval between the rounds.)"""
    t = thread()
    one, two = staff(), staff()
    for user in (one, two):
        posting.set_watching(user, t, True)
    for n in range(6):
        results = race(
            lambda n=n: posting.post_reply(one, t, f"one {n}"), lambda n=n: posting.post_reply(two, t, f"two {n}")
        )
        assert [type(r).__name__ for r in results] == ["Post", "Post"], results
