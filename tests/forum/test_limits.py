import datetime

import pytest
from django.utils import timezone

from forum.models import Post, Thread
from forum.writing import posting
from forum.writing.limits import PostingLimited
from tests.factories import UserFactory
from tests.forum.factories import board, fan, rewind, thread

pytestmark = pytest.mark.django_db


def test_everyone_waits_fifteen_seconds_between_posts_and_keeps_their_text(client):
    author = fan()
    t = thread()
    client.force_login(author)
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "first"}).status_code == 302
    response = client.post(
        f"/forum/t/{t.pk}/reply/", {"body": "my carefully written second reply"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "You can post again in 1" in html and " seconds." in html
    assert "my carefully written second reply" in html
    assert Post.objects.filter(author=author).count() == 1
    rewind(author, 16)
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "second"}).status_code == 302


def test_the_limit_message_is_in_chinese_by_default():
    author = fan()
    t = thread()
    posting.post_reply(author, t, "one")
    with pytest.raises(PostingLimited) as info:
        posting.post_reply(author, t, "two")
    assert info.value.retry_at > timezone.now()


def test_new_fans_start_at_most_three_threads_on_their_first_day(client):
    newcomer = UserFactory()
    for n in range(3):
        posting.start_thread(newcomer, board(), f"t{n}", "body")
        rewind(newcomer)
    with pytest.raises(PostingLimited):
        posting.start_thread(newcomer, board(), "t4", "body")
    client.force_login(newcomer)
    response = client.post("/forum/b/general/new/", {"title": "fourth", "body": "kept text"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "new fans may start 3 threads" in response.content.decode()
    assert "kept text" in response.content.decode()
    assert Thread.objects.filter(author=newcomer).count() == 3


def test_new_fans_write_at_most_ten_replies_on_their_first_day():
    newcomer = UserFactory()
    t = thread()
    for _ in range(10):
        posting.post_reply(newcomer, t, "hi")
        rewind(newcomer)
    with pytest.raises(PostingLimited):
        posting.post_reply(newcomer, t, "eleventh")
    newcomer.date_joined = timezone.now() - datetime.timedelta(days=1, minutes=1)
    newcomer.save()
    assert posting.post_reply(newcomer, t, "next day").floor == 12


def test_staff_and_accounts_allowed_to_post_freely_are_not_limited():
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import SERVICE_DESK

    staff = UserFactory(is_staff=True)  # a new desk agent: the role lifts the limits, not is_staff
    staff.groups.add(Group.objects.get(name=SERVICE_DESK))
    bot = UserFactory()  # a brand-new account: both the interval and the first-day limits would apply
    bot.user_permissions.add(Permission.objects.get(codename="post_without_limits"))
    t = thread()
    for author in (staff, bot):
        for n in range(12):
            posting.post_reply(author, t, f"reply {n}")
    assert Post.objects.filter(author__in=[staff, bot]).count() == 24
