"""What forum/README.md ("Cards") promises a maintainer: one more value under a post is one field on its
card and one line in its template. This test makes exactly those two edits, a field on the author's card
(when the author joined) and a line in forum/_post.html, and the thread page then reads it in its one
posts statement, shows it, and keys the cached fragment on it (the HTML memo's check is on in the tests:
a value shown but missing from the key would fail here)."""

import dataclasses
import datetime
import importlib

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from fancity.lib.cards import column, nested
from forum.reading import cards, queries
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db


@dataclasses.dataclass(frozen=True, kw_only=True)
class AuthorSince(cards.AuthorCard):
    date_joined: datetime.datetime = column()  # the one field


@dataclasses.dataclass(frozen=True, kw_only=True)
class PostWithSince(cards.PostCard):
    author: AuthorSince = nested(AuthorSince, "u")  # the author's card is now the one above


LINE = '<span class="since">{{ post.author.date_joined|date:"Y-m-d" }}</span>'


@pytest.fixture
def one_more_field(monkeypatch, settings, tmp_path):
    """The card edit (PostCard is PostWithSince) and the template edit (one line after the time)."""
    source = (django_settings.BASE_DIR / "templates" / "forum" / "_post.html").read_text()
    anchor = "{{ post.created_words }}</time>"
    assert anchor in source
    (tmp_path / "forum").mkdir()
    (tmp_path / "forum" / "_post.html").write_text(source.replace(anchor, anchor + LINE))
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    monkeypatch.setattr(cards, "PostCard", PostWithSince)
    importlib.reload(queries)  # the statements are built from the card when the module loads
    yield
    monkeypatch.undo()
    importlib.reload(queries)


def test_one_field_on_the_card_and_one_line_in_the_template_show_it_under_every_post(client, one_more_field):
    author = fan()
    author.date_joined = timezone.make_aware(datetime.datetime(2019, 3, 4, 12, 0))
    author.save(update_fields=["date_joined"])
    t = thread(author=author, body="the first post")
    reply(fan(), t, "a reply")
    assert "u.date_joined" in queries._POSTS_SQL

    for _ in range(2):  # the second page view serves the fragments from the memo, checked against a fresh render
        page = client.get(t.get_absolute_url()).content.decode()
        assert page.count('<span class="since">2019-03-04</span>') == 1
        assert page.count('<span class="since">') == 2

    author.date_joined = timezone.make_aware(datetime.datetime(2020, 5, 6, 12, 0))
    author.save(update_fields=["date_joined"])
    page = client.get(t.get_absolute_url()).content.decode()
    assert '<span class="since">2020-05-06</span>' in page  # a new value is a new key: never the old HTML
    assert "2019-03-04" not in page
