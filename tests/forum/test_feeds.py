"""Atom feeds as a feed reader reads them (feedparser): summaries are plain text, declared as such."""

import feedparser
import pytest

from tests.forum.factories import thread

pytestmark = pytest.mark.django_db


def test_a_summary_is_plain_text_so_a_code_span_stays_characters_and_comparisons_survive(client):
    thread(title="过滤器", body="试试 `<img src=x onerror=alert(1)>` 看看\n\n条件是 a < b && c > d 才行")

    feed = feedparser.parse(client.get("/forum/b/general/feed.atom").content)

    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.title == "过滤器"
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == "试试 <img src=x onerror=alert(1)> 看看 条件是 a < b && c > d 才行"


def test_the_raw_feed_escapes_the_summary_and_has_no_element_in_it(client):
    thread(title="html", body="`<img src=x onerror=alert(1)>` & <b>bold</b>")

    xml = client.get("/forum/b/general/feed.atom").content.decode()

    assert '<summary type="text">' in xml and 'type="html"' not in xml
    assert "<img" not in xml and "&lt;img src=x onerror=alert(1)&gt;" in xml
