import pytest

from forum.models import Post, Thread
from forum.writing.markup import render
from tests.forum.factories import fan, thread

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">x</p>',
]


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_are_rendered_inert(client, payload):
    author = fan()
    client.force_login(author)
    response = client.post("/forum/b/general/new/", {"title": "xss", "body": payload})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    body = html[html.index('class="post-body"') :]
    body = body[: body.index("</div>")]
    for bad in ("<script", "onerror", "javascript:", "<svg", "onload", "<iframe", "onclick", "style="):
        assert bad not in body.lower()


def test_links_get_nofollow_ugc_and_images_only_over_https():
    html = render("[a](https://example.com) ![x](http://tracker.example/p.gif) ![y](https://img.example/y.png)")
    assert 'rel="nofollow ugc"' in html
    assert "http://tracker.example" not in html
    assert 'src="https://img.example/y.png"' in html


def test_malformed_markdown_renders():
    html = render("**unclosed *mixed `code\n\n> > > [broken](\n\n| a | b\n|--\n<div><p>")
    assert "<div" not in html
    assert "unclosed" in html


@pytest.mark.parametrize(
    "data", [{"title": "", "body": "text"}, {"title": "Title", "body": ""}, {"title": "Title", "body": "   "}]
)
def test_empty_title_or_body_is_a_form_error(client, data):
    client.force_login(fan())
    response = client.post("/forum/b/general/new/", data)
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not Thread.objects.exists()


def test_a_one_megabyte_body_is_refused_with_a_clear_error(client):
    client.force_login(fan())
    response = client.post(
        "/forum/b/general/new/", {"title": "big", "body": "长" * 340_000 + "x" * 20_000}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    assert not Thread.objects.exists()


def test_a_nul_byte_is_refused(client):
    client.force_login(fan())
    response = client.post("/forum/b/general/new/", {"title": "nul", "body": "a\x00b"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400  # a form error that keeps the fan's text (the middleware leaves forms alone)
    assert "Null characters are not allowed" in response.content.decode()
    assert not Thread.objects.filter(title="nul").exists()
    t = thread(body="fine")
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": "x\x00"})
    assert response.status_code == 400
    assert Post.objects.count() == 1


def test_form_errors_speak_the_page_language(client):
    client.force_login(fan())
    response = client.post("/forum/b/general/new/", {"title": "", "body": "x"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "这个字段是必填项" in response.content.decode()


def test_preview_shows_the_rendered_text_without_posting(client):
    client.force_login(fan())
    response = client.post("/forum/b/general/new/", {"title": "t", "body": "**bold**", "preview": "1"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in response.content.decode()
    assert not Thread.objects.exists()
