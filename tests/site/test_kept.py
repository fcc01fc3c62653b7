"""`{% kept %}` (fancity.lib.kept): a block of a page's chrome rendered once per worker for each set of
the values it lists, from the site's one HTML memo (fancity.lib.memo); verified in the tests, each
request's CSRF token filled in."""

import re

import pytest
from django.template import Context, Engine, engines
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from accounts.notifications import notify
from fancity.lib.memo import TOKEN_SLOT, StaleMemo
from forum.writing import posting
from tests.forum.factories import fan, thread

pytestmark = pytest.mark.django_db


def _template(source: str):
    return engines["django"].from_string("{% load kept i18n %}" + source)


def _render(template, **context) -> str:
    return template.render(context, RequestFactory().get("/"))


def _named(name: str, source: str):
    """A template with a name, as a page's template has (the tests' own, in memory)."""
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", {name: source})], libraries={"kept": "fancity.lib.kept"}
    )
    return engine.get_template(name)


def test_a_value_read_but_not_listed_fails_the_test_naming_the_block():
    """The stale case: `b` is read but not listed, so the kept copy would show the first `b` forever.
    With verification on (DEBUG and the tests) the fresh render differs and the block is named."""
    chrome = _named("chrome.html", "{% load kept %}<p>\n{% kept a %}{{ a }}-{{ b }}{% endkept %}</p>")
    assert chrome.render(Context({"a": 1, "b": "first"})) == "<p>\n1-first</p>"
    assert chrome.render(Context({"a": 2, "b": "second"})) == "<p>\n2-second</p>"  # a new key: rendered
    with pytest.raises(StaleMemo, match=r"\{% kept %\} at chrome\.html:2.*'1-first'.*'1-second'"):
        chrome.render(Context({"a": 1, "b": "second"}))


def test_a_block_is_rendered_once_for_each_set_of_its_values():
    """Without verification (production) the block is served from memory: the reason every value it
    reads must be listed, and the reason the tests verify."""
    template = _template("{% kept a %}{{ a }}-{{ b }}{% endkept %}")
    with override_settings(HTML_MEMO_VERIFY=False):
        assert _render(template, a=1, b="first") == "1-first"
        assert _render(template, a=1, b="second") == "1-first"
        assert _render(template, a=2, b="second") == "2-second"


def test_a_form_inside_a_block_carries_each_request_s_own_token():
    """The block is kept with the token's slot; each request's page fills in its own token."""
    template = _template('{% kept %}<form method="post">{% csrf_token %}</form>{% endkept %}')
    with override_settings(HTML_MEMO_VERIFY=False):
        pages = [_render(template) for _ in range(2)]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1) for page in pages]
    assert TOKEN_SLOT not in "".join(pages) and tokens[0] != tokens[1]


def test_a_block_is_kept_per_language():
    template = _template('{% kept %}{% translate "Log in" %}{% endkept %}')
    with translation.override("zh-hans"):
        assert _render(template) == "登录"
    with translation.override("en"):
        assert _render(template) == "Log in"


def test_a_block_takes_plain_values_only():
    with pytest.raises(TypeError, match="plain values"):
        _render(_template("{% kept someone %}{{ someone }}{% endkept %}"), someone=fan())


def test_the_navigation_shows_each_fan_their_own_name_and_counts():
    first, second = fan(display_name="第一位"), fan(display_name="第二位")
    pages = {}
    for who in (first, second, first):
        client = Client()
        client.force_login(who)
        pages[who.pk] = client.get(reverse("forum:index")).content.decode()
    assert "第一位" in pages[first.pk] and "第二位" not in pages[first.pk]
    assert "第二位" in pages[second.pk] and reverse("profile", args=[second.username]) in pages[second.pk]
    notify([first], "reply", "有人回复了你", "/forum/")
    client = Client()
    client.force_login(first)
    assert '<span class="badge"' in client.get(reverse("forum:index")).content.decode()


def test_every_form_around_kept_blocks_carries_this_request_s_csrf_token_and_works():
    t = thread(fan(), title="令牌")
    for _ in range(2):  # the second fan's page comes from the blocks the first one's page kept
        client = Client(enforce_csrf_checks=True)
        client.force_login(fan())
        page = client.get(t.get_absolute_url()).content.decode()
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        # watch, bookmark, reply, log out and the language switch
        assert len(tokens) >= 5 and TOKEN_SLOT not in tokens
        watch = page[page.index(f'action="{reverse("forum:watch", args=[t.pk])}"') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', watch).group(1)
        response = client.post(reverse("forum:watch", args=[t.pk]), {"on": "1", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert "取消关注" in client.get(t.get_absolute_url()).content.decode()


def test_the_thread_head_follows_the_thread():
    author = fan()
    t = thread(author, title="计数")
    client = Client()
    assert "0 条回复" in client.get(t.get_absolute_url()).content.decode()
    posting.post_reply(fan(), t, "一楼回复")
    assert "1 条回复" in client.get(t.get_absolute_url()).content.decode()
