"""The site's one HTML memo (fancity.lib.memo): bounded by one budget in bytes, keyed on what a piece
shows, a worker's memory with Redis behind it for fragments, and verified in the tests."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from fancity.lib import memo
from forum.reading import fragments
from tests.forum.factories import fan, thread

pytestmark = pytest.mark.django_db


def test_the_worker_store_keeps_the_most_recently_used_pieces_within_its_bytes():
    a, b, c = "A" * 100, "B" * 100, "C" * 100
    each = memo.Store.cost("a", a)
    store = memo.Store(size=2 * each)
    store.remember({"a": a, "b": b})
    assert store.get_many(["a"]) == {"a": a}  # "a" is now the most recent
    store.remember({"c": c})
    assert list(store.items) == ["a", "c"] and store.held == 2 * each
    assert store.get_many(["b", "c"]) == {"c": c}
    store.remember({"big": "B" * 1000})  # larger than the whole budget: not kept, and nothing else either
    assert list(store.items) == [] and store.held == 0


def test_the_one_budget_is_the_setting():
    with override_settings(HTML_MEMO_BYTES=12_345):
        assert memo.worker().size == 12_345
        memo.render_one("test", memo.key("test", ("big",)), lambda: "x" * 20_000)
        assert memo.worker().held == 0  # over the budget: rendered, served, not kept
    assert memo.worker().size == 64 * 2**20


def test_a_stale_copy_from_another_worker_is_caught_naming_the_block():
    """Redis holds what other workers rendered: a copy that differs from a fresh render fails the test."""
    key = memo.key("shared-block", (1,))
    cache.set(key, "<p>old</p>")
    memo.worker().clear()
    with pytest.raises(memo.StaleMemo, match="shared-block.*old.*new"):
        memo.render_many("shared-block", [key], lambda i: "<p>new</p>", shared=True)
    with override_settings(HTML_MEMO_VERIFY=False):  # in production the copy is served
        assert memo.render_many("shared-block", [key], lambda i: "<p>new</p>", shared=True) == ["<p>old</p>"]


def test_a_fragment_whose_inputs_leave_out_a_value_fails_the_test():
    """forum.reading.fragments.render_cached verifies too: inputs that give the slug but not the label are caught."""

    def slug_only(options):
        return (options[0][0],)

    alpha, beta = ((("x", "Alpha"),),), ((("x", "Beta"),),)
    assert "Alpha" in fragments.render_cached("forum/_board_select.html", "options", alpha, slug_only)[0]
    with pytest.raises(memo.StaleMemo, match="forum/_board_select.html"):
        fragments.render_cached("forum/_board_select.html", "options", beta, slug_only)


def test_pieces_are_kept_per_language():
    with translation.override("zh-hans"):
        key_zh = memo.key("block", (1,))
    with translation.override("en"):
        key_en = memo.key("block", (1,))
    assert key_zh != key_en


def test_the_forum_index_follows_its_boards_and_the_clock(client):
    """The board list is memoised on the boards' lines and the words of their times, which are read
    at most every INDEX_SECONDS: a new thread shows once they are read again."""
    author = fan(display_name="索引作者")
    html = client.get("/forum/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "索引标题" not in html
    thread(author, title="索引标题")
    cache.delete_many([f"forum:index:{lang}:{beta}" for lang in ("zh-hans", "en") for beta in (0, 1)])
    html = client.get("/forum/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "索引标题" in html and "索引作者" in html and "刚刚" in html
