import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from accounts.moderation import ban_user
from accounts.roles import CORE_TESTERS, MODERATORS
from forum import permissions
from forum.models import Board, Post, StatusChange, Thread
from forum.moderation import moderate
from tests.forum.factories import fan, member, reply, staff, thread

pytestmark = pytest.mark.django_db


def test_fan_cannot_edit_another_fans_post(client):
    t = thread(body="original")
    client.force_login(fan())
    post = t.posts.get()
    assert client.get(f"/forum/p/{post.pk}/edit/").status_code == 403
    assert client.post(f"/forum/p/{post.pk}/edit/", {"body": "changed"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "original" and post.edited_at is None


def test_fan_cannot_delete_another_fans_post(client):
    t = thread()
    client.force_login(fan())
    post = t.posts.get()
    assert client.post(f"/forum/p/{post.pk}/delete/").status_code == 403
    post.refresh_from_db()
    assert post.deleted_at is None


def test_fan_cannot_change_a_feedback_status(client):
    t = thread(slug="feedback", feedback_kind="bug")
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/status/", {"status": "fixed", "note": "hah"})
    assert response.status_code == 403
    t.refresh_from_db()
    assert t.status == "open" and not StatusChange.objects.exists()


def test_fan_cannot_mark_an_official_answer(client):
    t = thread(slug="feedback", feedback_kind="bug")
    answer = reply(staff(), t, "fixed soon")
    client.force_login(fan())
    assert client.post(f"/forum/p/{answer.pk}/official/").status_code == 403
    t.refresh_from_db()
    assert t.official_post is None


def test_beta_board_is_invisible_to_fans(client):
    tester = member(CORE_TESTERS)
    t = thread(tester, slug="beta", title="secret build notes", body="secret build")
    client.force_login(fan())
    assert client.get("/forum/b/beta/").status_code == 404
    assert client.get(t.get_absolute_url()).status_code == 404
    assert client.get(f"/forum/p/{t.posts.get().pk}/").status_code == 404
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "let me in"}).status_code == 404
    assert "/forum/b/beta/" not in client.get("/forum/").content.decode()
    assert "secret build" not in client.get("/forum/search/", {"q": "secret"}).content.decode()
    assert client.get("/forum/b/beta/feed.atom").status_code == 404
    assert Post.objects.count() == 1


def test_beta_board_is_visible_to_core_testers_and_superusers_not_to_other_staff(client):
    t = thread(member(CORE_TESTERS), slug="beta", body="secret build")
    for user in (member(CORE_TESTERS), fan(is_staff=True, is_superuser=True)):
        client.force_login(user)
        assert client.get("/forum/b/beta/").status_code == 200
        assert client.get(t.get_absolute_url()).status_code == 200
        assert "secret" in client.get("/forum/search/", {"q": "secret"}).content.decode()
    client.force_login(staff())  # a moderator and desk member, but not a core tester
    assert client.get("/forum/b/beta/").status_code == 404
    assert client.get(t.get_absolute_url()).status_code == 404
    assert t.get_absolute_url() not in client.get("/forum/search/", {"q": "secret"}).content.decode()


def test_nobody_but_moderators_replies_in_a_locked_thread(client):
    t = thread()
    moderate.set_locked(staff(), t, True)
    client.force_login(fan())
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "hello"}).status_code == 403
    assert Post.objects.count() == 1
    client.force_login(staff())
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "moderator note"}).status_code == 302
    assert Post.objects.count() == 2


def test_banned_fan_can_read_but_not_write(client):
    t = thread()
    bad = fan()
    ban_user(staff(), bad, "spam", datetime.timedelta(days=1))
    client.force_login(bad)
    assert client.get(t.get_absolute_url()).status_code == 200
    assert client.post(f"/forum/t/{t.pk}/reply/", {"body": "hello"}).status_code == 403
    assert client.post("/forum/b/general/new/", {"title": "x", "body": "y"}).status_code == 403
    assert client.post(f"/forum/p/{t.posts.get().pk}/like/").status_code == 403
    assert Post.objects.count() == 1 and Thread.objects.count() == 1


def test_fans_cannot_start_announcements(client):
    client.force_login(fan())
    assert client.get("/forum/b/announcements/new/").status_code == 403
    assert client.post("/forum/b/announcements/new/", {"title": "x", "body": "y"}).status_code == 403
    assert not Thread.objects.exists()


def test_author_edits_for_thirty_minutes_and_nobody_edits_someone_elses_post(client):
    author = fan()
    t = thread(author, body="old")
    post = t.posts.get()
    client.force_login(author)
    assert client.post(f"/forum/p/{post.pk}/edit/", {"title": "A thread", "body": "new"}).status_code == 302
    post.refresh_from_db()
    assert post.body == "new" and post.edited_at is not None
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=31))
    assert client.post(f"/forum/p/{post.pk}/edit/", {"title": "A thread", "body": "newer"}).status_code == 403
    client.force_login(staff())  # staff roles edit their own posts at any time, never a fan's
    assert client.post(f"/forum/p/{post.pk}/edit/", {"title": "A thread", "body": "by staff"}).status_code == 403
    post.refresh_from_db()
    assert post.body == "new"
    assert 'class="muted edited"' in client.get(t.get_absolute_url()).content.decode()


def test_fans_cannot_moderate(client):
    t = thread()
    client.force_login(fan())
    assert client.post(f"/forum/t/{t.pk}/moderate/", {"action": "pin"}).status_code == 403
    post = t.posts.get()
    assert client.post(f"/forum/p/{post.pk}/hide/", {"reason": "x"}).status_code == 403
    assert client.post(f"/forum/p/{post.pk}/ban/", {"reason": "x", "duration": "7"}).status_code == 403
    t.refresh_from_db()
    post.refresh_from_db()
    assert not t.is_pinned and post.hidden_at is None and not post.author.is_banned


@pytest.mark.parametrize(
    "who", ["fan", "core tester", "moderator", "staff", "staff and core tester", "deleted core tester"]
)
def test_the_sql_beta_filter_lets_in_exactly_whom_may_see_beta_lets_in(who):
    user = {
        "fan": fan,
        "core tester": lambda: member(CORE_TESTERS),
        "moderator": lambda: member(MODERATORS),
        "staff": staff,
        "staff and core tester": lambda: member(CORE_TESTERS, is_staff=True),
        "deleted core tester": lambda: member(CORE_TESTERS, is_active=False),
    }[who]()
    in_sql = permissions.beta_readers(User.objects.filter(pk=user.pk)).exists()
    assert in_sql == permissions.may_see_beta(user) == permissions.can_see(user, Board.objects.get(slug="beta"))
    assert permissions.visible_boards(user).filter(slug="beta").exists() == permissions.may_see_beta(user)


def test_anonymous_readers_never_see_the_beta_board():
    assert not permissions.may_see_beta(AnonymousUser())
    assert not permissions.visible_boards(AnonymousUser()).filter(slug="beta").exists()


def test_the_search_board_filter_lists_the_beta_board_only_to_those_who_see_it(client):
    """The filter's board list is kept 60 s per kind of reader: a tester's list never reaches a fan."""
    thread(member(CORE_TESTERS), slug="beta", body="secret build")
    client.force_login(member(CORE_TESTERS))
    assert 'value="beta"' in client.get("/forum/search/", {"q": "secret"}).content.decode()
    assert 'value="beta" selected' in client.get("/forum/search/", {"q": "x", "board": "beta"}).content.decode()
    client.force_login(fan())
    for params in ({"q": "secret"}, {"q": "secret", "board": "beta"}):
        html = client.get("/forum/search/", params).content.decode()
        assert 'value="beta"' not in html and "secret build" not in html
