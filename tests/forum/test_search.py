import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import search
from forum.models import Post
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db


def test_chinese_word_finds_a_post_that_contains_it(client):
    t = thread(title="求助", body="我刷机后无法开机")
    thread(title="别的", body="今天天气很好")
    response = client.get("/forum/search/", {"q": "刷机"})
    html = response.content.decode()
    assert response.status_code == 200
    assert t.get_absolute_url() in html or f"/forum/p/{t.posts.get().pk}/" in html
    assert "<mark>刷机</mark>" in html
    assert "今天天气" not in html


def test_longer_chinese_phrase_must_appear_in_order():
    thread(body="我刷机后无法开机")
    thread(body="开机无法刷")
    found = [p.body for p in search.search_posts(fan(), "无法开机")]
    assert found == ["我刷机后无法开机"]


def test_single_chinese_character_and_english_prefix():
    thread(body="屏幕 is flickering after the update")
    assert [p.body for p in search.search_posts(fan(), "屏")]
    assert [p.body for p in search.search_posts(fan(), "flicker")]
    assert [p.body for p in search.search_posts(fan(), "FLICKERING update")]
    assert not list(search.search_posts(fan(), "battery"))


def test_titles_are_searched_and_rank_higher():
    in_body = thread(title="other", body="电池 problem")
    in_title = thread(title="电池 drains fast", body="see title")
    results = list(search.search_posts(fan(), "电池"))
    assert [p.thread_id for p in results] == [in_title.pk, in_body.pk]


def test_search_can_be_limited_to_a_board(client):
    thread(slug="general", body="蓝牙 general")
    t = thread(slug="city-shenzhen", body="蓝牙 shenzhen")
    html = client.get("/forum/search/", {"q": "蓝牙", "board": "city-shenzhen"}).content.decode()
    assert "shenzhen" in html and "蓝牙</mark> general" not in html
    assert f"/forum/p/{t.posts.get().pk}/" in html


def test_deleted_and_hidden_posts_are_not_found():
    from forum import moderation, posting
    from tests.forum.factories import staff

    author = fan()
    t = thread(author, body="秘密 one")
    r = reply(fan(), t, "秘密 two")
    posting.delete_post(author, t.posts.get(floor=1))
    moderation.hide_post(staff(), r, "rude")
    assert not list(search.search_posts(fan(), "秘密"))


def test_markup_in_results_is_escaped(client):
    thread(title="<b>x</b>", body="<script>alert(1)</script> 注入")
    html = client.get("/forum/search/", {"q": "注入"}).content.decode()
    assert "<script>alert" not in html


def test_search_uses_the_gin_index():
    thread(body="我刷机后无法开机")
    raw = search.tsquery("刷机")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM {Post._meta.db_table} WHERE search @@ to_tsquery('simple', %s)", [raw])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "post_search" in plan


def test_empty_or_symbol_only_query_returns_nothing(client):
    assert client.get("/forum/search/", {"q": "!!! ??"}).status_code == 200
    assert search.search_posts(fan(), "%%") is None


def test_an_old_ranking_is_ranked_again_by_one_request_while_the_others_keep_it(monkeypatch):
    reader = fan()
    first = thread(body="耳机 第一")
    assert [p.thread_id for p in search.search_posts(reader, "耳机")] == [first.pk]
    thread(body="耳机 第二")
    assert len(search.search_posts(reader, "耳机")) == 1  # the kept ranking: a new post is found within a minute
    monkeypatch.setattr(search, "RANKING_CACHE_SECONDS", -1)  # the kept ranking is now old
    ranking = search._ranking_key(search.tsquery("耳机"), None, False) + ":ranking"
    assert cache.add(ranking, 1, 10)  # another request is ranking it again
    with CaptureQueriesContext(connection) as ctx:
        assert len(search.search_posts(reader, "耳机")) == 1
    assert len(ctx) == 1  # the hits only: this request went on with the ranking it had
    cache.delete(ranking)
    assert len(search.search_posts(reader, "耳机")) == 2  # ranked again


def test_text_a_reader_never_sees_is_not_found():
    """The document is the rendered text: raw HTML the sanitiser drops, link targets and image addresses
    are not indexed; the text shown around them is."""
    t = thread(
        title="标题",
        body='<img src=x onerror="alert(xss)"> <b class="evil">shown</b> [看这里](https://example.com/hiddenpath)',
    )
    post = t.posts.get()
    assert [p.pk for p in search.search_posts(fan(), "看这里")] == [post.pk]
    assert [p.pk for p in search.search_posts(fan(), "shown")] == [post.pk]
    for never_shown in ("xss", "onerror", "evil", "hiddenpath", "example"):
        assert search.search_posts(fan(), never_shown) == [], never_shown


def test_an_edit_indexes_the_shown_text_of_the_new_version():
    from forum import posting

    author = fan()
    t = thread(author, body="plain words")
    posting.edit_post(author, t.posts.get(), 'now <a title="xss">链</a> 新词')
    assert [p.thread_id for p in search.search_posts(fan(), "新词")] == [t.pk]
    assert search.search_posts(fan(), "xss") == []


def test_the_migration_rebuilds_documents_built_from_markdown():
    """Posts indexed before the change (from their Markdown source) are rebuilt from their shown text;
    hidden posts keep no document."""
    import importlib

    from django.apps import apps

    from forum import moderation
    from tests.forum.factories import staff

    t = thread(title="老帖", body='<span title="xss">x</span> 旧文 [链接](https://example.com/oldpath)')
    hidden = reply(fan(), t, '<i class="xss">i</i> hidden')
    moderation.hide_post(staff(), hidden, "rude")
    post = t.posts.get(floor=1)
    Post.objects.filter(pk=post.pk).update(search=search.vector_literal(t.title, post.body))  # as before
    assert [p.pk for p in search.search_posts(fan(), "xss")] == [post.pk]
    cache.clear()

    migration = importlib.import_module("forum.migrations.0015_search_documents_from_shown_text")
    migration.rebuild(apps, None)

    assert search.search_posts(fan(), "xss") == [] and search.search_posts(fan(), "oldpath") == []
    assert [p.pk for p in search.search_posts(fan(), "旧文")] == [post.pk]
    assert [p.pk for p in search.search_posts(fan(), "老帖")] == [post.pk]  # the title, weight A
    assert Post.objects.get(pk=hidden.pk).search is None
