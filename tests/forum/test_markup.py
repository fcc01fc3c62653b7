import gc
import time

import pytest
from django.db import connection

from forum.models import Post, Thread
from forum.reading.search import post_vector
from forum.writing import limits
from forum.writing.limits import MAX_BODY
from forum.writing.markup import MAX_DEPTH, MAX_TABLE_CELLS, render, table_cells_bound
from tests.forum.factories import fan, rewind, staff, thread
from tests.forum.markdown_inputs import INPUTS, TYPICAL

# CPU time of this process, so that the other sessions on this 2-core machine do not make it flaky:
# a quadratic renderer takes seconds of CPU on these inputs, a linear one tens of milliseconds.
BUDGET = 0.5


@pytest.fixture(scope="module", autouse=True)
def _warm():
    render(TYPICAL)


@pytest.mark.parametrize("name", INPUTS)
def test_adversarial_input_at_the_maximum_length_renders_quickly_and_stays_small(name):
    text = INPUTS[name](MAX_BODY)
    assert len(text) == MAX_BODY
    # This thread's CPU (the test process also runs live servers' threads), with the garbage collector
    # held off: in the full suite a collection of its whole heap can land in the render and multiply
    # its time.
    gc.collect()
    gc.disable()
    try:
        start = time.thread_time()
        html = render(text)
        spent = time.thread_time() - start
    finally:
        gc.enable()
    assert spent < BUDGET, f"{name}: {spent:.3f} s"
    assert len(html) < 8 * MAX_BODY


def test_a_typical_post_renders_in_a_few_milliseconds():
    start = time.thread_time()
    for _ in range(20):
        render(TYPICAL)
    assert (time.thread_time() - start) / 20 < 0.01


def test_inline_markup_strikethrough_and_line_breaks():
    html = render("**bold** *italic* `a<b` ~~gone~~ 3~5 人\nnext line")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<code>a&lt;b</code>" in html
    assert "<del>gone</del>" in html
    assert "3~5 人<br>" in html  # one tilde is a range, not a strike
    assert "next line" in html


def test_bare_urls_www_and_emails_become_nofollow_links():
    html = render("see https://example.com/a?b=1 or www.example.org, mail fan@example.com")
    assert '<a href="https://example.com/a?b=1" rel="nofollow ugc">https://example.com/a?b=1</a>' in html
    assert '<a href="http://www.example.org" rel="nofollow ugc">www.example.org</a>' in html
    assert '<a href="mailto:fan@example.com" rel="nofollow ugc">fan@example.com</a>' in html


def test_links_get_nofollow_ugc_and_dangerous_links_lose_their_target():
    html = render('[a](https://example.com "t") [j](javascript:alert(1)) [d](data:text/html,x)')
    assert '<a href="https://example.com" title="t" rel="nofollow ugc">a</a>' in html
    assert "javascript" not in html and "data:" not in html


def test_images_only_over_https():
    html = render("![x](http://tracker.example/p.gif) ![y](https://img.example/y.png) ![z](data:image/png;base64,AA)")
    assert 'src="https://img.example/y.png"' in html
    assert "tracker.example" not in html and "data:" not in html


def test_mentions_are_linked_outside_code_and_links():
    html = render(
        "hi @fan_one. and @fan_two\n\n`@in_code` [@in_link](https://a.example) ![@alt](https://i.example/a.png)"
    )
    assert '<a href="/u/fan_one/" rel="nofollow ugc">@fan_one</a>.' in html
    assert '<a href="/u/fan_two/" rel="nofollow ugc">@fan_two</a>' in html
    assert "<code>@in_code</code>" in html
    assert '<a href="https://a.example" rel="nofollow ugc">@in_link</a>' in html
    assert 'alt="@alt"' in html
    assert "mail@example.com" not in render("x@fan_one")  # not a mention: preceded by a letter
    assert 'href="/u/' not in render("x@fan_one")


def test_quotes_lists_headings_and_code_blocks():
    html = render("# Title\n\n> quoted\n> > deeper\n\n- a\n  - b\n\n1. one\n2. two\n\n```python\n<b>x</b>\n```\n\n---")
    assert "<h1>Title</h1>" in html
    assert html.count("<blockquote>") == 2
    assert "<ul>\n<li>a\n<ul>\n<li>b</li>" in html
    assert "<ol>\n<li>one</li>" in html
    assert "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>" in html
    assert "<hr>" in html


def test_tables_keep_their_alignment():
    html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 |")
    assert '<th align="left">a</th>' in html
    assert '<th align="center">b</th>' in html
    assert '<td align="center">2</td>' in html
    assert '<td align="right"></td>' in html  # a short row is filled


def test_raw_html_is_left_out():
    html = render('<div onclick="x">block</div>\n\ntext <b>bold</b> <script>alert(1)</script> 1 < 2')
    assert "<div" not in html and "<b>" not in html and "<script" not in html and "onclick" not in html
    assert "text bold alert(1) 1 &lt; 2" in html


def test_a_table_that_could_hold_too_many_cells_is_shown_as_text():
    text = "|a" * 2000 + "\n" + "|-" * 2000 + "\n" + "a\n" * 8000
    assert table_cells_bound(text) > MAX_TABLE_CELLS
    html = render(text)
    assert "<table" not in html
    assert len(html) < 3 * len(text)


def test_any_full_table_that_fits_in_a_post_is_a_table():
    for columns in (1, 2, 10, 100):
        text = "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + ("|" + "b|" * columns + "\n") * MAX_BODY
        text = text[: text.rindex("\n", 0, MAX_BODY)]
        assert table_cells_bound(text) <= MAX_TABLE_CELLS, columns
        assert "<table>" in render(text), columns


def test_tables_in_quotes_and_lists_are_counted():
    for prefix in ("> ", "- ", "> 1. > "):
        text = prefix + "|a" * 200 + "\n" + prefix + "|-" * 200 + "\n" + "a\n" * 500
        assert table_cells_bound(text) > MAX_TABLE_CELLS


def test_nesting_deeper_than_the_limit_keeps_the_text():
    html = render("> " * 1000 + "deep")
    assert html.count("<blockquote>") == MAX_DEPTH
    assert html.count("</blockquote>") == MAX_DEPTH
    assert "deep" in html


# --- through the pages ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[" * 19999, "[a](" * 4999, "> " * 9999])
def test_hostile_preview_and_post_answer_quickly(client, body):
    client.force_login(fan())
    start = time.monotonic()
    response = client.post("/forum/b/general/new/", {"title": "t", "body": body, "preview": "1"})
    assert response.status_code == 200
    assert 'class="card preview"' in response.content.decode()
    assert not Thread.objects.exists()
    response = client.post("/forum/b/general/new/", {"title": "t", "body": body})
    assert response.status_code == 302
    assert time.monotonic() - start < 5  # two full requests on a loaded machine; Python-Markdown took minutes
    assert Thread.objects.count() == 1


@pytest.mark.django_db
def test_a_reply_preview_of_a_hostile_body_renders(client):
    t = thread()
    client.force_login(fan())
    response = client.post(f"/forum/t/{t.pk}/reply/", {"body": INPUTS["link openers [a]("](MAX_BODY), "preview": "1"})
    assert response.status_code == 200
    assert 'class="card preview"' in response.content.decode()
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_body_over_the_maximum_is_refused_not_previewed(client):
    client.force_login(fan())
    response = client.post(
        "/forum/b/general/new/", {"title": "t", "body": "[" * (MAX_BODY + 1), "preview": "1"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert f"A post can have at most {MAX_BODY} characters; this one has {MAX_BODY + 1}." in html
    assert 'class="card preview"' not in html
    response = client.post("/forum/b/general/new/", {"title": "t", "body": "长" * (MAX_BODY + 5)})
    assert response.status_code == 400
    assert f"一篇帖子最多 {MAX_BODY} 个字符，这篇有 {MAX_BODY + 5} 个" in response.content.decode()
    assert not Thread.objects.exists()


@pytest.mark.django_db
def test_line_breaks_count_as_one_character_as_in_the_browser(client):
    author = fan()
    client.force_login(author)
    body = "a\r\n" * (MAX_BODY // 2)  # 30,000 characters as sent, 20,000 as typed
    response = client.post("/forum/b/general/new/", {"title": "t", "body": body})
    assert response.status_code == 302
    assert Post.objects.get(author=author).body == ("a\n" * (MAX_BODY // 2)).strip()


@pytest.mark.django_db
def test_previews_have_a_budget_per_fan_shared_by_every_form(client):
    def minute() -> int:
        return int(time.time()) // limits.PREVIEW_WINDOW

    # The budget is per clock minute, so a run that crosses into the next minute starts a fresh
    # budget half-way: then the whole run is made again by a new fan (the requests take seconds).
    for _attempt in range(2):
        author = fan()
        t = thread(author=author)
        client.force_login(author)
        post = Post.objects.get(thread=t)
        urls = ["/forum/b/general/new/", f"/forum/t/{t.pk}/reply/", f"/forum/p/{post.pk}/edit/"]
        started = minute()
        for n in range(limits.PREVIEWS_PER_WINDOW):
            response = client.post(urls[n % 3], {"title": "t", "body": f"**{n}**", "preview": "1"})
            assert response.status_code == 200, n
            assert f"<strong>{n}</strong>" in response.content.decode()
        response = client.post(urls[0], {"title": "t", "body": "**over**", "preview": "1"}, HTTP_ACCEPT_LANGUAGE="en")
        if minute() == started:
            break
    html = response.content.decode()
    assert response.status_code == 400
    assert f"You may preview {limits.PREVIEWS_PER_WINDOW} times a minute. You can preview again in" in html
    assert "<strong>over</strong>" not in html
    assert "**over**" in html  # the text is kept in the form
    assert Post.objects.filter(author=author).count() == 1
    client.force_login(fan())  # another fan has a budget of their own
    assert client.post(urls[0], {"title": "t", "body": "x", "preview": "1"}).status_code == 200
    rewind(author)
    client.force_login(author)  # posting is not a preview: the budget does not stop it
    assert client.post(urls[1], {"body": "a real reply"}).status_code == 302


@pytest.mark.django_db
def test_staff_previews_are_not_limited(client):
    client.force_login(staff())
    for _ in range(limits.PREVIEWS_PER_WINDOW + 3):
        response = client.post("/forum/b/general/new/", {"title": "t", "body": "x", "preview": "1"})
        assert response.status_code == 200


@pytest.mark.django_db
def test_anonymous_visitors_cannot_preview(client):
    t = thread()
    for url in ("/forum/b/general/new/", f"/forum/t/{t.pk}/reply/"):
        response = client.post(url, {"title": "t", "body": "**x**", "preview": "1"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "<strong>" not in response.content.decode()


@pytest.mark.django_db
def test_rerender_posts_renders_stored_posts_again_once():
    from io import StringIO

    from django.core.management import call_command

    t = thread(body="see https://example.com and ~~old~~")
    old_html = "<p>see https://example.com and ~~old~~</p>"  # as Python-Markdown did
    Post.objects.filter(thread=t).update(html=old_html, search=post_vector("", "<p>stale</p>"))
    out = StringIO()
    call_command("rerender_posts", stdout=out)
    assert out.getvalue().strip() == "1 posts re-rendered"
    html = Post.objects.get(thread=t).html
    assert '<a href="https://example.com" rel="nofollow ugc">' in html and "<del>old</del>" in html
    with connection.cursor() as cursor:  # the search document is built again from the new HTML
        cursor.execute(
            "SELECT search = %s::tsvector FROM forum_post WHERE thread_id = %s", [post_vector(t.title, html), t.pk]
        )
        assert cursor.fetchone() == (True,)
    call_command("rerender_posts", stdout=out)
    assert out.getvalue().strip().endswith("0 posts re-rendered")
