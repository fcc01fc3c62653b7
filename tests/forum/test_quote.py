import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum import permissions
from forum.reading import search
from forum.reading.feeds import BoardFeed
from forum.writing import markup
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db

SOURCE = "**加粗** and `code` <b>raw</b> & [a link](https://example.com)\n\n> quoted\n\n- one\n- two"


def test_plain_text_is_the_rendered_text_not_the_markdown():
    text = markup.plain_text(markup.render(SOURCE))
    assert text == "加粗 and code raw & a link\n\nquoted\n\none\ntwo"
    assert markup.plain_excerpt(markup.render(SOURCE), 12) == "加粗 and code…"


def test_the_quote_link_without_javascript_prefills_a_markdown_quote_of_the_rendered_text(client):
    quoted = fan(display_name="爱丽丝")
    t = thread(quoted, body=SOURCE)
    first = t.posts.get()
    client.force_login(fan())
    client.get(t.get_absolute_url())  # warm the fragment cache
    with CaptureQueriesContext(connection) as plain:
        assert client.get(t.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as quoting:
        response = client.get(t.get_absolute_url(), {"quote": first.pk})
    assert response.status_code == 200
    assert len(quoting) <= len(plain) + 1  # the quoted post, nothing else
    body = response.context["form"].initial["body"]
    assert body.startswith(f"> **爱丽丝** [#1](/forum/p/{first.pk}/):\n> 加粗 and code raw & a link\n>\n> quoted\n")
    assert "**加粗**" not in body and "[a link]" not in body
    assert response.context["form"].initial["quote"] == first.pk


def test_a_reply_with_the_quote_in_its_text_shows_it_once_and_tells_the_quoted_author(client):
    quoted = fan(display_name="爱丽丝")
    t = thread(quoted, body="original words")
    first = t.posts.get()
    text = markup.quote_markdown("爱丽丝", 1, first.get_absolute_url(), "original words") + "I agree"
    reply(fan(), t, text, quote=first)
    html = client.get(t.get_absolute_url()).content.decode()
    floor2 = html[html.index('id="floor-2"') :]
    assert floor2.count("original words") == 1 and 'class="quote"' not in floor2
    assert f'href="/forum/p/{first.pk}/"' in floor2


def test_an_older_quote_box_shows_the_rendered_text(client):
    t = thread(body="**strong** words")
    reply(fan(), t, "plain reply", quote=t.posts.get())
    html = client.get(t.get_absolute_url()).content.decode()
    box = html[html.index('class="quote"') :]
    box = box[: box.index("</blockquote>")]
    assert "strong words" in box and "**" not in box


def test_search_snippets_and_feed_summaries_are_rendered_text():
    t = thread(title="蓝牙", body="**蓝牙** <em>断连</em> [详情](https://example.com)")
    [hit] = search.search_posts(fan(), "蓝牙")
    snippet = str(hit.snippet)
    assert snippet == "<mark>蓝牙</mark> 断连 详情"
    assert BoardFeed().item_description(t) == "蓝牙 断连 详情"


def test_the_search_page_shows_rendered_text(client, django_assert_max_num_queries):
    thread(body="**刷机** 失败 `code`")
    with django_assert_max_num_queries(8):
        response = client.get("/forum/search/", {"q": "刷机"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>刷机</mark> 失败 code" in page and "**" not in page


def test_delete_asks_first_for_the_author_and_for_moderators():
    from tests.forum.factories import staff

    author, t = fan(), thread()
    post = reply(author, t, "**to go** `now`")
    for who in (author, staff()):
        client = Client()
        client.force_login(who)
        response = client.post(f"/forum/p/{post.pk}/delete/")
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="confirm" value="yes"' in page
        assert "to go now" in page and "**" not in page  # the post as it reads, not its Markdown
        post.refresh_from_db()
        assert post.deleted_at is None
    client = Client()
    client.force_login(author)
    assert client.post(f"/forum/p/{post.pk}/delete/", {"confirm": "yes"}).status_code == 302
    post.refresh_from_db()
    assert post.deleted_at is not None
    assert permissions.can_delete(author, post) is False
