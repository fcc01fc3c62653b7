"""400, 403, 404, 429 and 500 pages: styled, in the fan's language, saying why where it helps (DEBUG off)."""

import datetime

import pytest
from django.template import loader
from django.test import Client, override_settings
from django.utils import timezone, translation

from accounts.models import BANNED_FOR_GOOD
from accounts.moderation import ban_user
from forum.models import Post
from tests.forum.factories import fan, staff, thread

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.site.error_urls")]

BRAND = {"zh-hans": "粉丝城", "en": "Fancity"}
LANGUAGES = ["zh-hans", "en"]


# A signed-in fan's first request of the day also records the visit and saves the session (4 queries).


def get(client, url, language, **extra):
    client.cookies["django_language"] = language
    return client.get(url, **extra)


def assert_error_page(response, status, language, *texts):
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in html
    assert f'class="brand" href="/">{BRAND[language]}</a>' in html
    assert "/static/css/site.css" in html
    for text in texts:
        assert text in html, text


@pytest.mark.parametrize("language", LANGUAGES)
def test_404_is_a_styled_page_in_the_fans_language(client, django_assert_max_num_queries, language):
    with django_assert_max_num_queries(0):
        response = get(client, "/no-such-page/", language)
    title = {"zh-hans": "找不到这个页面", "en": "Page not found"}[language]
    assert_error_page(response, 404, language, f"<title>{title} · {BRAND[language]}</title>", f"<h1>{title}</h1>")
    assert "Not Found" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_thread_is_the_same_404(client, django_assert_max_num_queries, language):
    with django_assert_max_num_queries(2):
        response = get(client, "/forum/t/999999/", language)
    assert_error_page(response, 404, language, {"zh-hans": "找不到这个页面", "en": "Page not found"}[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_400_is_a_styled_page_in_the_fans_language(django_assert_max_num_queries, language):
    client = Client(raise_request_exception=False)
    with django_assert_max_num_queries(0):
        response = get(client, "/test-400/", language)
    assert_error_page(response, 400, language, {"zh-hans": "请求无法处理", "en": "Request not understood"}[language])
    assert "a test of the 400 page" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_is_a_styled_page_in_the_fans_language(django_assert_max_num_queries, language):
    client = Client(raise_request_exception=False)
    with django_assert_max_num_queries(0):
        response = get(client, "/test-500/", language)
    assert_error_page(response, 500, language, {"zh-hans": "出错了", "en": "Something went wrong"}[language])
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_500_renders_alone_without_context_or_database(django_assert_num_queries, language):
    """Django's server_error renders 500.html with an empty context: no request, no context processors."""
    with translation.override(language), django_assert_num_queries(0):
        html = loader.get_template("500.html").render()
    assert f'<html lang="{language}">' in html
    assert BRAND[language] in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_without_a_reason_says_so_plainly(client, django_assert_max_num_queries, language):
    client.force_login(fan())
    with django_assert_max_num_queries(9):
        response = get(client, "/forum/b/announcements/new/", language)
    assert_error_page(
        response,
        403,
        language,
        {"zh-hans": "无法执行此操作", "en": "You cannot do this"}[language],
        {"zh-hans": "你的账号没有权限", "en": "Your account does not have permission"}[language],
    )
    assert "403 Forbidden" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_tells_a_banned_fan_until_when_and_why(client, django_assert_max_num_queries, language):
    t = thread()
    banned = fan()
    ban_user(staff(), banned, "广告 <b>spam</b>", datetime.timedelta(days=3))
    until = timezone.localtime(banned.banned_until).strftime("%Y-%m-%d %H:%M")
    client.force_login(banned)

    with django_assert_max_num_queries(10):
        response = get(client, "/forum/b/general/new/", language)
    expected = {
        "zh-hans": f"你的账号已被禁言，解禁时间：{until}。原因：广告 &lt;b&gt;spam&lt;/b&gt;",
        "en": f"Your account is banned from posting until {until}. Reason: 广告 &lt;b&gt;spam&lt;/b&gt;",
    }[language]
    assert_error_page(response, 403, language, expected)

    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "hello"})
    assert_error_page(response, 403, language, expected)
    assert Post.objects.count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_for_a_ban_for_good_has_no_date(client, language):
    banned = fan(banned_until=BANNED_FOR_GOOD)
    client.force_login(banned)
    response = get(client, "/forum/b/general/new/", language)
    expected = {"zh-hans": "你的账号已被禁言。", "en": "Your account is banned from posting."}[language]
    assert_error_page(response, 403, language, expected)
    assert "9999" not in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_403_says_the_edit_window_closed(client, django_assert_max_num_queries, language):
    author = fan()
    post = thread(author).posts.get()
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    client.force_login(author)

    with django_assert_max_num_queries(8):
        response = get(client, f"/forum/p/{post.pk}/edit/", language)
    expected = {
        "zh-hans": "帖子发布后 30 分钟内可以编辑，这条帖子已超过时限（发布时间：2 小时前）。",
        "en": "A post can be edited for 30 minutes after it is posted; this one was posted 2 hours ago, "
        "so editing is closed.",
    }[language]
    assert_error_page(response, 403, language, expected)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_sent_after_its_page_expired_gets_a_page_in_the_fans_language(language):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan())
    client.cookies["django_language"] = language
    response = client.post(f"/forum/t/{thread().pk}/reply/", {"body": "typed on a phone"})
    assert_error_page(response, 403, language, {"zh-hans": "页面已过期", "en": "This page expired"}[language])


@pytest.mark.parametrize("language", LANGUAGES)
def test_too_many_attempts_is_a_page_in_the_fans_language(client, language):
    fan(email="forgetful@example.com")
    client.cookies["django_language"] = language
    responses = [client.post("/accounts/password/reset/", {"email": "forgetful@example.com"}) for _ in range(6)]
    assert [r.status_code for r in responses[:5]] == [302] * 5
    assert_error_page(responses[5], 429, language, {"zh-hans": "尝试次数过多", "en": "Too many attempts"}[language])


# --- under DEBUG (the run command): the same pages, with Django's detail below -------------------


@override_settings(DEBUG=True)
@pytest.mark.parametrize("url", ["/no-such-page/", "/forum/t/999999/"])
def test_with_debug_on_a_missing_page_is_the_sites_404_in_chinese_with_the_detail_below(client, url):
    response = client.get(url)  # no language cookie, no Accept-Language: the site's default

    assert_error_page(response, 404, "zh-hans", "<title>找不到这个页面 · 粉丝城</title>", "<h1>找不到这个页面</h1>")
    html = response.content.decode()
    assert 'name="viewport"' in html and "Page not found at" not in html  # not Django's technical page
    assert "开发者信息" in html and url in html


@override_settings(DEBUG=True)
def test_with_debug_on_a_missing_address_with_a_slash_still_redirects(client):
    assert client.get("/forum").status_code == 301


@override_settings(DEBUG=True)
def test_with_debug_on_an_error_is_the_sites_500_page_with_the_traceback_below():
    client = Client(raise_request_exception=False)

    response = client.get("/test-500/")

    assert_error_page(response, 500, "zh-hans", "<h1>出错了</h1>")
    html = response.content.decode()
    assert "RuntimeError" in html and "a test of the 500 page" in html and "Traceback" in html
    assert "<style" not in html  # none of Django's technical page


@override_settings(DEBUG=True)
def test_with_debug_on_a_bad_request_is_the_sites_400_page(client):
    client = Client(raise_request_exception=False)
    response = client.get("/test-400/")
    assert_error_page(response, 400, "zh-hans", "请求无法处理", "a test of the 400 page")


@override_settings(DEBUG=True, FANCITY_DEBUG_PAGES=True)
def test_fancity_debug_pages_brings_back_djangos_technical_pages():
    client = Client(raise_request_exception=False)
    assert "Page not found" in client.get("/no-such-page/").content.decode()
    assert "<style" in client.get("/test-500/").content.decode()
    assert "Using the URLconf" in client.get("/no-such-page/").content.decode()
