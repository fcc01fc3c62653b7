"""Cached fragments (forum/reading/fragments.py, the search ranking): every change shows on the next page view."""

import dataclasses

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from accounts.roles import MODERATORS
from fancity.lib import cards as lib_cards
from forum.moderation import moderate
from forum.reading import fragments, queries, search
from forum.reading.cards import ActionsCard, PostCard, ThreadRow
from forum.writing import posting
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
    moderate.hide_post(staff(), post, "Be kind")
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
    moderate.hide_post(staff(), post, "Be kind")
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


# --- Cards (forum/reading/cards.py): one per fragment; the fields make the SELECT list and the key ----------


def _field_names(card) -> list[str]:
    return [f.name for f in dataclasses.fields(card)]


def test_a_post_card_s_fields_make_the_posts_select_list():
    """Each column field of PostCard and of the cards nested in it is read by the posts statement, in
    the order the card is built from: a field added to the card is in the SELECT list with no other edit."""
    from forum.reading import queries

    expected = []
    for f in dataclasses.fields(PostCard):
        if "cards.sql" in f.metadata:
            expected.append(f"p.{f.name}")
        elif "cards.card" in f.metadata:
            nested, alias = f.metadata["cards.card"], f.metadata["cards.alias"]
            expected.extend(c for c in lib_cards.columns(nested, alias))
    assert lib_cards.columns(PostCard, "p") == expected
    assert lib_cards.select(PostCard, "p") in queries._POSTS_SQL
    assert lib_cards.select(ThreadRow, "t") in queries._ROWS_SQL
    assert {"author", "quote", "by_op", "created_words", "images"} <= set(_field_names(PostCard))


def test_a_post_fragment_s_key_is_its_card_and_every_field_changes_it(client):
    """The key holds the card's value: changing any one field of it (nested ones too) is another key."""
    t = thread(body="a card")
    posts = queries.thread_posts(t, 1)
    [card] = posts.cards
    key = fragments._keys("forum/_post.html", [fragments._card(card)])
    others = {
        name: dataclasses.replace(card, **{name: value})
        for name, value in {
            "floor": 2,
            "html": "<p>other</p>",
            "like_count": 5,
            "by_op": True,
            "created_words": "not the words of now",
            "images": ("x",),
            "author": dataclasses.replace(card.author, display_name="other name"),
        }.items()
    }
    assert set(_field_names(PostCard)) - set(others) == {
        "id",
        "by_staff",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden_at",
        "quote",
    }
    for name, other in others.items():
        assert fragments._keys("forum/_post.html", [fragments._card(other)]) != key, name
    for f in dataclasses.fields(PostCard):  # every field is in the key's text
        assert f"{f.name}=" in repr(card)


def test_a_fragment_template_receives_only_its_card(client):
    """_post.html, _post_actions.html, _thread_row.html and _search_hit.html get their card (and the
    post's `anonymous`, the buttons' CSRF placeholder)."""
    t = thread(title="蓝牙 标题", body="蓝牙 耳机")
    seen = {}
    names = {"forum/_post.html", "forum/_post_actions.html", "forum/_thread_row.html", "forum/_search_hit.html"}
    from django.test.signals import template_rendered

    def record(sender, template, context, **kwargs):
        if template.name in names:
            seen[template.name] = {k for d in context.dicts for k in d if k not in {"True", "False", "None"}}, context

    template_rendered.connect(record)
    try:
        client.get(t.get_absolute_url())
        client.get("/forum/b/general/")
        client.get("/forum/search/", {"q": "蓝牙"})
        client.force_login(fan())
        client.get(t.get_absolute_url())
    finally:
        template_rendered.disconnect(record)
    assert seen["forum/_post.html"][0] == {"post", "anonymous"}
    assert isinstance(seen["forum/_post.html"][1]["post"], PostCard)
    assert seen["forum/_post_actions.html"][0] == {"actions", "csrf_token"}
    assert isinstance(seen["forum/_post_actions.html"][1]["actions"], ActionsCard)
    assert seen["forum/_thread_row.html"][0] == {"thread"}
    assert isinstance(seen["forum/_thread_row.html"][1]["thread"], ThreadRow)
    assert seen["forum/_search_hit.html"][0] == {"hit"}
    assert isinstance(seen["forum/_search_hit.html"][1]["hit"], search.HitCard)


def test_cards_are_frozen():
    t = thread()
    [card] = queries.thread_posts(t, 1).cards
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.html = "changed"  # type: ignore[misc]
    hash(card)  # nested cards and arrays (role groups, images) are frozen too
