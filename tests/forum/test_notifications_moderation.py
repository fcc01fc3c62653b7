import pytest

from accounts.models import Notification
from forum import permissions
from forum.models import Board, Report
from forum.moderation import moderate
from forum.writing import posting
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_reply_mention_and_quote_notify_once_each_grouped_by_thread():
    author = fan(username="author1")
    watcher = fan()
    t = thread(author, body="first")
    reply(watcher, t, "a reply does not watch")
    posting.set_watching(watcher, t, True)
    assert _kinds(author) == ["reply"]
    Notification.objects.all().delete()
    mentioned = fan(username="bob_m")
    reply(fan(), t, "hey @bob_m look", quote=t.posts.get(floor=1))
    assert _kinds(author) == ["quote"]  # quoted: one notification, not also "reply"
    assert _kinds(watcher) == ["reply"]
    assert _kinds(mentioned) == ["mention"]
    assert set(Notification.objects.values_list("group", flat=True)) == {f"thread:{t.pk}"}


def test_nobody_is_notified_of_their_own_post():
    author = fan(username="selfie")
    t = thread(author)
    reply(author, t, "talking to @selfie")
    assert not Notification.objects.filter(recipient=author).exists()


def test_notifications_are_written_in_the_recipients_language():
    author = fan(language="en")
    t = thread(author, title="My thread")
    reply(fan(display_name="Zed"), t, "hello")
    assert Notification.objects.get(recipient=author).text == "Zed replied to “My thread”"


def test_hidden_post_shows_the_reason_to_its_author_only(client):
    author = fan()
    t = thread()
    post = reply(author, t, "rude words")
    moderate.hide_post(staff(), post, "Be kind")
    client.force_login(author)
    assert "Be kind" in client.get(t.get_absolute_url()).content.decode()
    client.force_login(fan())
    html = client.get(t.get_absolute_url()).content.decode()
    assert "Be kind" not in html and "rude words" not in html
    t.refresh_from_db()
    assert t.reply_count == 0


def test_moving_a_thread_moves_its_counts():
    t = thread()
    reply(fan(), t)
    shenzhen = Board.objects.get(slug="city-shenzhen")
    moderate.move_thread(staff(), t, shenzhen)
    general = Board.objects.get(slug="general")
    shenzhen.refresh_from_db()
    assert (general.thread_count, general.post_count) == (0, 0)
    assert (shenzhen.thread_count, shenzhen.post_count, shenzhen.last_thread) == (1, 2, t)


def test_reports_queue_in_the_admin_and_hiding_resolves_them(client):
    t = thread(body="spam spam")
    reporter = fan()
    client.force_login(reporter)
    post = t.posts.get()
    assert client.post(f"/forum/p/{post.pk}/report/", {"reason": "spam"}).status_code == 302
    boss = staff(is_superuser=True)
    client.force_login(boss)
    page = client.get("/admin/forum/report/").content.decode()
    assert "spam spam" in page
    client.post("/admin/forum/report/", {"action": "hide_posts", "_selected_action": [Report.objects.get().pk]})
    post.refresh_from_db()
    assert post.hidden_at is not None and post.hidden_reason == "spam"
    assert Report.objects.get().resolved_at is not None


def test_moderators_ban_from_a_post(client):
    from accounts.roles import MODERATORS
    from tests.forum.factories import member

    bad = fan()
    t = thread(bad)
    client.force_login(member(MODERATORS))
    response = client.post(
        f"/forum/p/{t.posts.get().pk}/ban/", {"reason": "spam", "duration": "forever", "confirm": "yes"}
    )
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.is_banned


def test_moderator_pins_and_locks_from_the_thread_page(client):
    t = thread()
    client.force_login(staff())
    client.post(f"/forum/t/{t.pk}/moderate/", {"action": "pin"})
    client.post(f"/forum/t/{t.pk}/moderate/", {"action": "lock", "confirm": "yes"})
    t.refresh_from_db()
    assert t.is_pinned and t.is_locked
    assert not permissions.can_reply(fan(), t)


def test_an_edit_that_adds_a_mention_notifies_only_the_new_name():
    author = fan()
    old, new = fan(username="old_name"), fan(username="new_name")
    t = thread(author, body="hi @old_name")
    assert _kinds(old) == ["mention"]
    posting.edit_post(author, t.posts.get(), "hi @old_name and @new_name")
    assert _kinds(old) == ["mention"] and _kinds(new) == ["mention"]
