import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum.models import Post
from forum.reading import search
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
    wanted = thread(body="我刷机后无法开机")
    thread(body="开机无法刷")
    found = [p.thread_id for p in search.search_posts(fan(), "无法开机")]
    assert found == [wanted.pk]


def test_single_chinese_character_and_english_prefix():
    thread(body="屏幕 is flickering after the update")
    assert [p.pk for p in search.search_posts(fan(), "屏")]
    assert [p.pk for p in search.search_posts(fan(), "flicker")]
    assert [p.pk for p in search.search_posts(fan(), "FLICKERING update")]
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
    from forum.moderation import moderate
    from forum.writing import posting
    from tests.forum.factories import staff

    author = fan()
    t = thread(author, body="秘密 one")
    r = reply(fan(), t, "秘密 two")
    posting.delete_post(author, t.posts.get(floor=1))
    moderate.hide_post(staff(), r, "rude")
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
    ranking = search._ranking_key(search.tsquery("耳机"), search.Scope(sees_beta=False)) + ":ranking"
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
    from forum.writing import posting

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

    from forum.moderation import moderate
    from tests.forum.factories import staff

    t = thread(title="老帖", body='<span title="xss">x</span> 旧文 [链接](https://example.com/oldpath)')
    hidden = reply(fan(), t, '<i class="xss">i</i> hidden')
    moderate.hide_post(staff(), hidden, "rude")
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


# --- One result per thread, pages, filters and order (the search page) ---------------------------


def _hits(client, **params):
    response = client.get("/forum/search/", params)
    html = response.content.decode()
    return response, html, re.findall(r'<li class="search-hit">\s*<a href="/forum/p/(\d+)/"', html)


def test_one_thread_does_not_flood_the_results(client):
    """22 of 25 hits for 刷机 came from one thread: now each thread is one result, its best post, with a
    link to its other matching floors."""
    flood = thread(title="刷机教程", body="刷机 第一步")
    for n in range(6):
        reply(fan(), flood, f"我也刷机了 {n}")
    other = thread(title="别的", body="昨天刷机失败")
    response, html, shown = _hits(client, q="刷机")
    assert response.status_code == 200
    assert shown == [str(flood.posts.get(floor=1).pk), str(other.posts.get().pk)]  # the title match first
    assert "本帖还有 6 层匹配" in html
    link = re.search(r'<p class="more-hits"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == f"?q=%E5%88%B7%E6%9C%BA&thread={flood.pk}"
    response, html, in_thread = _hits(client, q="刷机", thread=flood.pk)
    assert len(in_thread) == 7 and set(in_thread) == {str(p.pk) for p in flood.posts.all()}
    assert "刷机教程" in html and "本帖还有" not in html


def test_newest_first_shows_each_thread_s_newest_matching_post(client):
    older = thread(title="耳机 older", body="耳机 a")
    newer = thread(title="newer", body="耳机 b")
    latest = reply(fan(), older, "耳机 latest")
    Post.objects.filter(pk=latest.pk).update(created_at=timezone.now())
    _, _, by_relevance = _hits(client, q="耳机")
    assert by_relevance == [str(older.posts.get(floor=1).pk), str(newer.posts.get().pk)]
    _, html, by_time = _hits(client, q="耳机", sort="newest")
    assert by_time == [str(latest.pk), str(newer.posts.get().pk)]
    assert '<option value="newest" selected>' in html


def test_results_come_in_pages_with_a_documented_bound(client):
    for n in range(search.PER_PAGE + 3):
        thread(title=f"主题 {n}", body=f"蓝牙 {n}")
    _, html, first = _hits(client, q="蓝牙")
    assert len(first) == search.PER_PAGE and 'href="?q=%E8%93%9D%E7%89%99&amp;page=2"' in html
    _, _, second = _hits(client, q="蓝牙", page=2)
    assert len(second) == 3 and not set(first) & set(second)
    _, _, clamped = _hits(client, q="蓝牙", page=search.MAX_PAGES)  # past the last page: the last one
    assert clamped == second
    response, html, shown = _hits(client, q="蓝牙", page=search.MAX_PAGES + 1)
    assert response.status_code == 400 and shown == []
    assert f"搜索最多显示 {search.MAX_PAGES} 页" in html


def test_filters_by_author_board_and_dates(client):
    alice, bob = fan(username="Alice_1"), fan(username="bob")
    a = thread(alice, slug="general", title="一", body="充电 alice")
    b = thread(bob, slug="city-shenzhen", title="二", body="充电 bob")
    Post.objects.filter(pk=a.posts.get().pk).update(
        created_at=timezone.make_aware(datetime.datetime(2025, 3, 1, 23, 30))
    )
    a_post, b_post = str(a.posts.get().pk), str(b.posts.get().pk)
    assert _hits(client, q="充电", author="alice_1")[2] == [a_post]  # any case
    assert _hits(client, q="充电", author="@bob")[2] == [b_post]
    assert _hits(client, q="充电", board="city-shenzhen")[2] == [b_post]
    assert _hits(client, q="充电", since="2025-03-01", until="2025-03-01")[2] == [a_post]  # the whole day, Beijing time
    assert _hits(client, q="充电", until="2025-02-28")[2] == []
    assert _hits(client, q="充电", since="2025-03-02")[2] == [b_post]
    assert set(_hits(client, q="充电", sort="relevance")[2]) == {a_post, b_post}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"author": "nobody_here"}, "没有用户名为“nobody_here”的粉丝。"),
        ({"board": "no-such-board"}, "没有这个版块。"),
        ({"since": "2025-13-01"}, "输入一个有效的日期。"),
        ({"since": "1999-12-31"}, "请输入 2000-01-01 到 2100-12-31 之间的日期。"),
        ({"since": "2025-03-02", "until": "2025-03-01"}, "结束日期早于开始日期。"),
        ({"sort": "random()"}, "选择一个有效的选项"),
        ({"thread": "abc"}, "没有这个主题帖。"),
        ({"thread": "99999999999999999999"}, "没有这个主题帖。"),
        ({"page": "0"}, "大于或等于1"),
        ({"page": "1e9"}, "输入整数。"),
        ({"q": "", "author": "bob"}, "请输入要搜索的词。"),
        ({"q": "长" * 101}, "不超过 100 字符"),
    ],
)
def test_bad_search_input_is_a_form_error_in_the_reader_s_language(client, params, message):
    fan(username="bob")
    thread(body="充电")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/forum/search/", {"q": "充电", **params})
    html = response.content.decode()
    assert response.status_code == 400 and message in html, html[html.find("<main") :][:2000]
    assert 'class="search-hit"' not in html
    assert len(ctx) <= 3  # 2, and the device filter's list when the cache is cold (community.devices.device_names)


def test_grouped_results_keep_visibility_hidden_posts(client):
    """A hidden post is never a thread's result nor counted; its thread's next best post stands in."""
    from forum.moderation import moderate
    from tests.forum.factories import staff

    t = thread(title="电池 问题", body="电池 秘密电话 13800000000")
    shown = reply(fan(), t, "电池 也不行")
    reply(fan(), t, "电池 同上")
    moderate.hide_post(staff(), t.posts.get(floor=1), "personal data")
    _, html, hits = _hits(client, q="电池")
    assert hits == [str(shown.pk)] or hits == [str(t.posts.get(floor=3).pk)]
    assert "13800000000" not in html and "本帖还有 1 层匹配" in html
    # hidden after the ranking was kept: gone at once, and the thread's search leaves it out too
    moderate.hide_post(staff(), Post.objects.get(pk=hits[0]), "rude")
    _, html, after = _hits(client, q="电池")
    assert hits[0] not in after
    assert hits[0] not in _hits(client, q="电池", thread=t.pk)[2]


def test_grouped_results_leave_out_withdrawn_threads(client):
    from forum.moderation import moderate
    from tests.forum.factories import staff

    t = thread(title="withdrawn", body="网络 电话号码")
    reply(fan(), t, "网络 another")
    kept = thread(title="kept", body="网络 fine")
    assert len(_hits(client, q="网络")[2]) == 2  # ranking now kept
    moderate.withdraw_thread(staff(), t, "personal data")
    _, html, hits = _hits(client, q="网络")
    assert hits == [str(kept.posts.get().pk)] and "电话号码" not in html
    response, html, hits = _hits(client, q="网络", thread=t.pk)
    assert response.status_code == 400 and hits == [] and "没有这个主题帖。" in html


def test_grouped_results_leave_out_the_private_board_for_those_who_may_not_see_it(client):
    from accounts.roles import CORE_TESTERS
    from tests.forum.factories import member

    tester = member(CORE_TESTERS)
    beta = thread(tester, slug="beta", title="内测 build", body="固件 secret")
    reply(tester, beta, "固件 more secret")
    public = thread(fan(), title="公开", body="固件 public")
    client.force_login(fan())
    _, html, hits = _hits(client, q="固件")
    assert hits == [str(public.posts.get().pk)] and "secret" not in html
    for params in ({"thread": beta.pk}, {"board": "beta"}):
        response, html, hits = _hits(client, q="固件", **params)
        assert response.status_code == 400 and hits == [] and "secret" not in html and "内测" not in html
    client.force_login(tester)
    _, html, hits = _hits(client, q="固件")
    assert len(hits) == 2 and set(hits) & {str(p.pk) for p in beta.posts.all()} and "本帖还有 1 层匹配" in html
    assert len(_hits(client, q="固件", thread=beta.pk)[2]) == 2


def test_filtered_searches_run_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    author = fan(username="carol")
    t = thread(author, body="屏幕 闪烁")
    reply(author, t, "屏幕 again")
    params = {"q": "屏幕", "author": "carol", "board": "general", "since": "2020-01-01", "until": "2099-01-01"}
    client.get("/forum/search/", params)
    # the board, the author, the hits (the ranking is kept)
    with django_assert_max_num_queries(3):
        assert client.get("/forum/search/", {**params, "sort": "newest"}).status_code == 200
    with django_assert_max_num_queries(5):  # and the thread, and its ranking (not kept yet)
        assert client.get("/forum/search/", {**params, "thread": t.pk}).status_code == 200


@pytest.mark.browser
def test_a_fan_on_a_phone_filters_and_pages_search_results(page, live_server):
    """At 390 px: the filters open, a bad author is refused in Chinese, the page never scrolls sideways."""
    author = fan(username="dora")
    flood = thread(author, title="刷机 全记录", body="刷机 第一天")
    for n in range(3):
        reply(fan(), flood, f"刷机 第 {n} 次")
    thread(fan(), title="别的帖子", body="刷机 失败")
    page.goto(f"{live_server.url}/forum/search/?q=刷机")
    assert page.locator("li.search-hit").count() == 2
    page.get_by_text("本帖还有 3 层匹配").click()
    page.wait_for_url(re.compile(rf"thread={flood.pk}"))
    assert page.locator("li.search-hit").count() == 4
    page.goto(f"{live_server.url}/forum/search/?q=刷机")
    page.get_by_text("筛选和排序").click()
    page.get_by_label("作者（用户名）").fill("nobody")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.get_by_text("没有用户名为“nobody”的粉丝。").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("作者（用户名）").fill("dora")
    page.get_by_label("排序").select_option("newest")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.wait_for_url(re.compile("author=dora"))
    assert page.locator("li.search-hit").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
