"""Likes tell the author with one notification per post, brought up to date: not one row per like."""

import pytest

from accounts.models import Notification
from forum.writing import posting
from tests.forum.factories import fan, reply, thread
from tests.helpers import race

pytestmark = pytest.mark.django_db


def test_likes_of_one_post_are_one_notification_that_updates():
    author = fan(language="en")
    t = thread(author, title="Battery tips")
    post = t.posts.get(floor=1)
    first, second, third = fan(display_name="Ann"), fan(display_name="Bo"), fan(display_name="Cy")

    posting.toggle_like(first, post, on=True)
    (told,) = Notification.objects.filter(recipient=author, kind="like")
    assert told.text == "Ann liked your post in “Battery tips”"
    assert told.url == post.get_absolute_url()
    Notification.objects.filter(pk=told.pk).update(read_at=told.created_at)

    posting.toggle_like(second, post, on=True)
    posting.toggle_like(third, post, on=True)
    (told,) = Notification.objects.filter(recipient=author, kind="like")
    assert told.text == "Cy and 2 others liked your post in “Battery tips”"
    assert told.read_at is None  # unread again, at the top of the inbox


def test_liking_your_own_post_and_unliking_tell_nobody():
    author, other = fan(), fan()
    post = reply(author, thread(other), "mine")
    posting.toggle_like(author, post, on=True)
    assert not Notification.objects.filter(kind="like").exists()

    posting.toggle_like(other, post, on=True)
    before = Notification.objects.get(kind="like")
    posting.toggle_like(other, post, on=False)
    after = Notification.objects.get(kind="like")
    assert (after.text, after.created_at, after.read_at) == (before.text, before.created_at, before.read_at)


def test_each_post_has_its_own_notification_in_the_authors_language():
    author = fan(language="zh-hans")
    t = thread(author, title="电池")
    liker = fan(display_name="小明")
    posting.toggle_like(liker, t.posts.get(floor=1), on=True)
    posting.toggle_like(liker, reply(author, t, "第二楼"), on=True)
    texts = sorted(Notification.objects.filter(recipient=author, kind="like").values_list("text", flat=True))
    assert texts == ["小明赞了你在“电池”中的帖子", "小明赞了你在“电池”中的帖子"]


@pytest.mark.django_db(transaction=True)
def test_likes_at_the_same_moment_still_make_one_notification():
    author = fan(language="en")
    post = thread(author, title="Race").posts.get(floor=1)
    likers = [fan() for _ in range(4)]
    results = race(*[lambda u=u: posting.toggle_like(u, post, on=True) for u in likers])
    assert all(not isinstance(r, Exception) for r in results), results
    (told,) = Notification.objects.filter(recipient=author, kind="like")
    assert "and 3 others liked your post" in told.text
