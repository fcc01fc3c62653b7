"""Moderation by the board's own moderators (版主): the queue, actions, undo, the log, the author told."""

import pytest
from django.utils import translation

from accounts.models import Notification
from accounts.roles import MODERATORS
from forum.models import BoardModerator, ModerationAction, ModerationKind, Post, Report
from forum.moderation import moderate
from tests.forum.factories import board, fan, member, reply, staff, thread

pytestmark = pytest.mark.django_db


def board_moderator(slug: str = "general", **kwargs):
    user = fan(**kwargs)
    BoardModerator.objects.create(board=board(slug), user=user)
    return user


def _texts(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user, kind="moderation").values_list("text", flat=True))


def test_report_queue_hide_notify_and_unhide(client):
    """report → the board moderator is told → moderation page → hide (confirmed) → author told → unhide."""
    author = fan(language="en")
    mod = board_moderator()
    t = thread(fan(), title="Phones")
    post = reply(author, t, "buy cheap pills here")
    client.force_login(fan())
    assert client.post(f"/forum/p/{post.pk}/report/", {"reason": "spam"}).status_code == 302
    assert _texts(mod) and "Phones" in _texts(mod)[0]

    client.force_login(mod)
    page = client.get("/forum/moderation/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "buy cheap pills here" in html and "Phones" in html

    # The one-tap hide asks first: without confirm=yes the server only shows the confirmation page.
    asked = client.post(f"/forum/p/{post.pk}/hide/", {"reason": "spam", "next": "/forum/moderation/"})
    assert asked.status_code == 200 and 'name="confirm"' in asked.content.decode()
    post.refresh_from_db()
    assert post.hidden_at is None

    done = client.post(f"/forum/p/{post.pk}/hide/", {"reason": "spam", "confirm": "yes", "next": "/forum/moderation/"})
    assert done.status_code == 302 and done["Location"] == "/forum/moderation/"
    post.refresh_from_db()
    t.refresh_from_db()
    assert post.hidden_at is not None and t.reply_count == 0
    assert Report.objects.get().resolved_at is not None
    assert _texts(author) == ["A moderator hid your post (floor 2) in “Phones”. Reason: spam"]

    assert client.post(f"/forum/p/{post.pk}/unhide/").status_code == 302
    post.refresh_from_db()
    t.refresh_from_db()
    assert post.hidden_at is None and post.search is not None and t.reply_count == 1
    assert "restored" in _texts(author)[0]
    kinds = list(ModerationAction.objects.order_by("id").values_list("kind", "moderator", "post"))
    assert kinds == [(ModerationKind.HIDE, mod.pk, post.pk), (ModerationKind.UNHIDE, mod.pk, post.pk)]


def test_board_moderator_acts_on_their_board_only(client):
    mod = board_moderator("general")
    here = thread(fan(), slug="general")
    there = thread(fan(), slug="city-shenzhen")
    here_post, there_post = here.posts.get(), there.posts.get()
    client.force_login(mod)
    assert client.post(f"/forum/p/{here_post.pk}/hide/", {"reason": "x", "confirm": "yes"}).status_code == 302
    assert client.post(f"/forum/p/{there_post.pk}/hide/", {"reason": "x", "confirm": "yes"}).status_code == 403
    assert client.get(f"/forum/p/{there_post.pk}/hide/").status_code == 403
    assert client.post(f"/forum/t/{there.pk}/moderate/", {"action": "lock"}).status_code == 403
    assert client.post(f"/forum/p/{there_post.pk}/ban/", {"reason": "x", "duration": "1"}).status_code == 403
    assert client.post(f"/forum/p/{there_post.pk}/warn/", {"reason": "x"}).status_code == 403
    there_post.refresh_from_db()
    there.refresh_from_db()
    assert there_post.hidden_at is None and not there.is_locked
    # The private beta board is not even there for them.
    beta = thread(member("Core testers"), slug="beta")
    assert client.post(f"/forum/p/{beta.posts.get().pk}/hide/", {"reason": "x", "confirm": "yes"}).status_code == 404
    # A report on another board is not on their page and cannot be dismissed by them.
    other = moderate.report_post(fan(), there_post, "rude")
    assert "rude" not in client.get("/forum/moderation/").content.decode()
    assert client.post(f"/forum/moderation/reports/{other.pk}/dismiss/").status_code == 403


def test_a_fan_gets_no_moderation_page_and_no_link(client):
    client.force_login(fan())
    assert client.get("/forum/moderation/").status_code == 403
    assert client.get("/forum/moderation/log/").status_code == 403
    assert "/forum/moderation/" not in client.get("/forum/").content.decode()


def test_the_navigation_counts_waiting_reports_for_moderators(client):
    mod = board_moderator(language="en")
    t = thread(fan())
    moderate.report_post(fan(), t.posts.get(), "spam")
    client.force_login(mod)
    html = client.get("/forum/").content.decode()
    badge = '<span class="badge" aria-hidden="true">1</span><span class="visually-hidden">1 waiting</span>'
    assert 'href="/forum/moderation/"' in html and badge in html


def test_site_wide_moderator_locks_moves_and_the_author_is_told_why(client):
    author = fan(language="en")
    t = thread(author, title="Wrong place")
    mod = member(MODERATORS)
    client.force_login(mod)
    client.post(f"/forum/t/{t.pk}/moderate/", {"action": "lock", "reason": "off topic", "confirm": "yes"})
    shenzhen = board("city-shenzhen")
    response = client.post(f"/forum/t/{t.pk}/moderate/", {"action": "move", "board": shenzhen.pk, "reason": "local"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.is_locked and t.board == shenzhen
    texts = _texts(author)
    assert "A moderator locked your thread “Wrong place”. Reason: off topic" in texts
    assert "A moderator moved your thread “Wrong place” from General to Shenzhen club. Reason: local" in texts
    client.post(f"/forum/t/{t.pk}/moderate/", {"action": "unlock"})
    t.refresh_from_db()
    assert not t.is_locked


def test_ban_for_a_time_tells_until_when_and_unban_lifts_it(client):
    bad = fan(language="en")
    mod = board_moderator()
    post = thread(bad).posts.get()
    client.force_login(mod)
    # A board moderator bans for a time, not for good: the form says so and keeps the reason.
    refused = client.post(f"/forum/p/{post.pk}/ban/", {"reason": "spam", "duration": "forever", "confirm": "yes"})
    assert refused.status_code == 400 and "只有全站版主可以永久封禁" in refused.content.decode()
    assert "spam</textarea>" in refused.content.decode()
    ban = {"reason": "spam", "duration": "7", "confirm": "yes"}
    assert client.post(f"/forum/p/{post.pk}/ban/", ban).status_code == 302
    bad.refresh_from_db()
    assert bad.is_banned
    assert _texts(bad)[0].startswith("Your account is banned from posting until ") and "Reason: spam" in _texts(bad)[0]
    assert ModerationAction.objects.get(kind=ModerationKind.BAN).detail.startswith("→ 20")
    # A moderator of another board cannot lift it; theirs can.
    client.force_login(board_moderator("city-shenzhen"))
    assert client.post(f"/forum/moderation/fans/{bad.pk}/unban/").status_code == 403
    client.force_login(mod)
    assert client.post(f"/forum/moderation/fans/{bad.pk}/unban/").status_code == 302
    bad.refresh_from_db()
    assert not bad.is_banned


def test_warn_dismiss_and_delete_with_confirmation(client):
    author = fan()
    t = thread(fan())
    post = reply(author, t, "borderline")
    mod = board_moderator()
    report = moderate.report_post(fan(), post, "meh")
    client.force_login(mod)
    assert client.post(f"/forum/p/{post.pk}/warn/", {"reason": "calm down"}).status_code == 302
    assert len(_texts(author)) == 1
    report2 = moderate.report_post(fan(), post, "still meh")
    assert client.post(f"/forum/moderation/reports/{report2.pk}/dismiss/").status_code == 302
    asked = client.post(f"/forum/p/{post.pk}/delete/")
    assert asked.status_code == 200 and Post.objects.get(pk=post.pk).deleted_at is None
    assert client.post(f"/forum/p/{post.pk}/delete/", {"confirm": "yes", "reason": "rude"}).status_code == 302
    assert Post.objects.get(pk=post.pk).deleted_at is not None
    report.refresh_from_db()
    assert report.resolved_at is not None
    kinds = set(ModerationAction.objects.values_list("kind", flat=True))
    assert kinds == {ModerationKind.WARN, ModerationKind.DISMISS, ModerationKind.DELETE}


def test_the_log_is_filtered_by_permission_and_by_the_filters(client):
    general_mod, city_mod = board_moderator("general"), board_moderator("city-shenzhen")
    a = thread(fan(username="alice"), slug="general")
    b = thread(fan(username="bob"), slug="city-shenzhen")
    moderate.hide_post(general_mod, a.posts.get(), "general-reason")
    moderate.set_locked(city_mod, b, True, "city-reason")
    moderate.set_pinned(city_mod, b, True)

    client.force_login(general_mod)
    html = client.get("/forum/moderation/log/").content.decode()
    assert "general-reason" in html and "city-reason" not in html

    client.force_login(staff(language="en"))
    response = client.get("/forum/moderation/log/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "general-reason" in html and "city-reason" in html
    html = client.get("/forum/moderation/log/", {"board": "city-shenzhen", "kind": "lock"}).content.decode()
    assert "city-reason" in html and "general-reason" not in html and "<strong>Pinned a thread</strong>" not in html
    html = client.get("/forum/moderation/log/", {"fan": "alice"}).content.decode()
    assert "general-reason" in html and "city-reason" not in html
    html = client.get("/forum/moderation/log/", {"moderator": city_mod.username}).content.decode()
    assert "city-reason" in html and "general-reason" not in html
    html = client.get("/forum/moderation/log/", {"moderator": "nobody-at-all"}).content.decode()
    assert "city-reason" not in html and "general-reason" not in html


def test_notifications_are_in_the_authors_language():
    author = fan(language="zh-hans")
    t = thread(author, title="标题")
    moderate.set_locked(staff(), t, True, "广告")
    with translation.override("zh-hans"):
        assert "广告" in _texts(author)[0] and "标题" in _texts(author)[0]


@pytest.mark.parametrize("posts", [1, 6])
def test_moderation_page_query_count(client, django_assert_max_num_queries, posts):
    mod = board_moderator()
    t = thread(fan())
    for n in range(posts):
        moderate.report_post(fan(), reply(fan(), t, f"report me {n}"), "spam")
    client.force_login(mod)
    client.get("/forum/moderation/")  # the session's first request records the day's activity
    with django_assert_max_num_queries(10):
        response = client.get("/forum/moderation/")
    assert response.status_code == 200 and "report me" in response.content.decode()
    with django_assert_max_num_queries(10):
        assert client.get("/forum/moderation/log/").status_code == 200


def test_a_moderators_pages_add_at_most_two_queries_to_a_fans_budget(client, django_assert_max_num_queries):
    """A fan's pages pay nothing for moderation (tests/forum/test_page_queries.py holds their budgets); a
    moderator's add their own boards (thread page) and the waiting count (every 30 seconds)."""
    t = thread(fan())
    moderate.report_post(fan(), reply(fan(), t, "spam"), "spam")
    client.force_login(board_moderator(language="en"))
    client.get("/forum/")  # the session's first request records the day's activity
    with django_assert_max_num_queries(8 + 2):
        response = client.get("/forum/")
    assert response.status_code == 200 and '<span class="visually-hidden">1 waiting</span>' in response.content.decode()
    with django_assert_max_num_queries(16 + 2):
        response = client.get(t.get_absolute_url())
    assert response.status_code == 200 and "/forum/p/" in response.content.decode()
