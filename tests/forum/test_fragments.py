"""Cached fragments (forum/fragments.py, the search ranking): every change shows on the next page view."""

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from accounts.roles import MODERATORS
from forum import moderation, posting, search
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def page(client, t, **params) -> str:
    response = client.get(t.get_absolute_url(), params)
    assert response.status_code == 200
    return response.content.decode()


def test_an_edit_shows_at_once(client):
    author = fan()
    t = thread(author, body="before the edit")
    assert "before the edit" in page(client, t)  # now cached
    posting.edit_post(author, t.posts.get(), "after the edit")
    html = page(client, t)
    assert "after the edit" in html and "before the edit" not in html


def test_a_hidden_post_disappears_at_once(client):
    t = thread()
    post = reply(fan(), t, "rude words")
    assert "rude words" in page(client, t)
    moderation.hide_post(staff(), post, "Be kind")
    assert "rude words" not in page(client, t)


def test_a_deleted_post_disappears_at_once(client):
    author = fan()
    t = thread()
    post = reply(author, t, "regret this")
    assert "regret this" in page(client, t)
    posting.delete_post(author, post)
    assert "regret this" not in page(client, t)


def test_a_like_shows_at_once_to_anonymous_and_signed_in_viewers(client):
    t = thread()
    post = t.posts.get()
    assert "0 个赞" in page(client, t)
    posting.toggle_like(fan(), post)
    assert "1 个赞" in page(client, t)
    client.force_login(fan())
    html = page(client, t)
    assert 'aria-pressed="false"' in html and '<span class="count">1</span>' in html


def test_liked_state_and_buttons_belong_to_the_viewer(client):
    author, other = fan(), fan()
    t = thread(author)
    posting.toggle_like(author, t.posts.get())
    client.force_login(author)
    mine = page(client, t)
    assert 'aria-pressed="true"' in mine and "/edit/" in mine
    client.force_login(other)
    theirs = page(client, t)
    assert 'aria-pressed="false"' in theirs and "/edit/" not in theirs


def test_a_new_display_name_or_role_of_the_author_shows_at_once(client):
    author = fan(display_name="Old name")
    t = thread(author)
    assert "Old name" in page(client, t)
    author.display_name = "New name"
    author.save(update_fields=["display_name"])
    author.groups.add(Group.objects.get(name=MODERATORS))
    html = page(client, t)
    assert "New name" in html and "Old name" not in html
    assert '<span class="tag role">' in html


def test_an_edited_quote_shows_at_once(client):
    quoted_author = fan()
    t = thread(quoted_author, body="original words")
    reply(fan(), t, "I agree", quote=t.posts.get())
    # In the body, the first post and the quote of it (the head holds it as the page's description).
    assert page(client, t).split("</head>")[1].count("original words") == 2
    posting.edit_post(quoted_author, t.posts.get(floor=1), "changed words")
    assert "original words" not in page(client, t)


def test_the_hidden_reason_is_not_cached_for_other_viewers(client):
    author = fan()
    t = thread()
    post = reply(author, t, "rude words")
    moderation.hide_post(staff(), post, "Be kind")
    client.force_login(author)
    assert "Be kind" in page(client, t)
    client.logout()
    assert "Be kind" not in page(client, t)


def test_a_board_row_shows_a_new_reply_at_once(client):
    t = thread(title="Row title")
    client.get("/forum/b/general/")
    reply(fan(display_name="Latest poster"), t)
    assert "Latest poster" in client.get("/forum/b/general/").content.decode()


def test_a_deleted_post_leaves_cached_search_results_at_once(client):
    author = fan()
    t = thread(author, body="蓝牙 耳机")
    assert [p.pk for p in search.search_posts(fan(), "蓝牙")] == [t.posts.get().pk]  # ranking now cached
    posting.delete_post(author, t.posts.get())
    assert search.search_posts(fan(), "蓝牙") == []
    assert "蓝牙 耳机" not in client.get("/forum/search/", {"q": "蓝牙"}).content.decode()


@override_settings(HTML_MEMO_VERIFY=False)  # verification renders every fragment afresh too
def test_a_worker_serves_the_fragments_it_rendered_from_its_own_memory(client):
    """A key names its content, so the worker's copy is never stale: emptying Redis re-renders nothing."""
    from django.core.cache import cache

    t = thread(body="kept by the worker")
    first = client.get(t.get_absolute_url())
    assert "forum/_post.html" in [tpl.name for tpl in first.templates]
    cache.clear()
    again = client.get(t.get_absolute_url())
    assert "kept by the worker" in again.content.decode()
    assert "forum/_post.html" not in [tpl.name for tpl in again.templates]


def test_kept_page_links_and_blank_reply_forms_follow_the_reader_s_language(client):
    """Pagination links and the blank reply form are kept per worker, per language."""
    t = thread()
    for n in range(21):
        reply(fan(), t, f"floor {n}")
    client.force_login(fan())
    for _ in range(2):  # the second round is served from what the first kept
        zh = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        en = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "下一页" in zh and "末页" in zh and "Next" not in zh
        assert "Next" in en and "Last page" in en and "下一页" not in en
        assert "发表回复" in zh and "Post reply" in en


def test_a_quote_link_fills_the_reply_form_although_blank_forms_are_kept(client):
    t = thread(body="the words to quote")
    client.force_login(fan())
    client.get(t.get_absolute_url())  # the blank form is now kept
    quoted = client.get(t.get_absolute_url(), {"quote": t.posts.get().pk}).content.decode()
    assert "&gt; the words to quote" in quoted
    assert "&gt; the words to quote" not in client.get(t.get_absolute_url()).content.decode()


def test_a_board_row_carries_its_reader_s_unread_mark_and_nobody_else_s(client):
    """The unread mark is part of the cached row: rows with and without it are different fragments."""
    t = thread()
    reader, other = fan(), fan()
    client.force_login(reader)
    client.get(t.get_absolute_url())  # read to the end
    reply(fan(), t, "a new floor")
    assert f"/forum/t/{t.pk}/unread/" in client.get("/forum/b/general/").content.decode()
    client.force_login(other)
    client.get(t.get_absolute_url())
    assert f"/forum/t/{t.pk}/unread/" not in client.get("/forum/b/general/").content.decode()
    client.logout()
    html = client.get("/forum/b/general/").content.decode()
    assert t.get_absolute_url() in html and "/unread/" not in html and "thread-row unread" not in html


def _floors(html: str) -> dict[int, str]:
    """Each floor's part of a thread page."""
    parts = html.split('id="floor-')[1:]
    return {int(part.split('"', 1)[0]): part for part in parts}


OP_BADGE = '<span class="tag op">楼主</span>'


def test_the_op_badge_is_on_every_later_floor_of_the_thread_author_and_no_other(client):
    op, other = fan(), fan()
    t = thread(op, body="question")
    reply(other, t, "an answer")
    reply(op, t, "thanks, that worked")
    reply(other, t, "glad to help")
    for reader in (None, fan()):  # anonymous and signed in; each page twice, the second from the cache
        if reader:
            client.force_login(reader)
        for _ in range(2):
            floors = _floors(page(client, t))
            assert [n for n, part in floors.items() if OP_BADGE in part] == [3]
            assert ">楼主</a>" in floors[1]  # floor 1's own label already says so


def test_the_op_badge_belongs_to_the_thread_not_to_the_fan(client):
    """The same fan's posts in another fan's thread carry no badge, even right after their own thread's
    page was cached."""
    op = fan()
    own = thread(op, body="mine")
    reply(op, own, "mine again")
    elsewhere = thread(fan(), body="theirs")
    reply(op, elsewhere, "a reply elsewhere")
    assert OP_BADGE in _floors(page(client, own))[2]
    assert OP_BADGE not in _floors(page(client, elsewhere))[2]
    assert OP_BADGE in _floors(page(client, own, op="1"))[2]  # 只看楼主 too
