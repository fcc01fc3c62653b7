import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.models import Post, Thread
from forum.reading import queries
from forum.writing import posting
from tests.forum.factories import fan, reply, thread

pytestmark = pytest.mark.django_db


def _bulk_replies(t: Thread, count: int) -> None:
    """Many replies through post_reply, each as if the fan had waited out the posting interval."""
    replier = fan()
    for n in range(count):
        reply(replier, t, f"reply {n}")


def test_pages_hold_twenty_floors_keyed_on_floor_numbers(client):
    t = thread()
    _bulk_replies(t, 44)
    t.refresh_from_db()
    assert t.page_count == 3
    with CaptureQueriesContext(connection) as ctx:
        posts = queries.thread_posts(t, 3).cards
    assert [p.floor for p in posts] == [41, 42, 43, 44, 45]
    [post_query] = [q["sql"] for q in ctx.captured_queries]  # posts, authors, quotes, attachments in one
    assert re.search(r"floor >= 41 AND floor < 61", post_query) and "OFFSET" not in post_query
    html = client.get(t.get_absolute_url(), {"page": 2}).content.decode()
    assert 'id="floor-21"' in html and 'id="floor-40"' in html and 'id="floor-41"' not in html
    assert "?page=3" in html  # jump to the last page


def test_permalink_lands_on_the_page_holding_the_post(client):
    t = thread()
    _bulk_replies(t, 25)
    post = Post.objects.get(thread=t, floor=23)
    response = client.get(f"/forum/p/{post.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/forum/t/{t.pk}/?page=2#floor-23"


def test_out_of_range_page_shows_the_last_page(client):
    t = thread()
    assert client.get(t.get_absolute_url(), {"page": 99}).status_code == 200
    assert client.get(t.get_absolute_url(), {"page": "x"}).status_code == 200


def test_soft_delete_keeps_the_floor_and_shows_a_notice(client):
    t = thread()
    author = fan()
    victim = reply(author, t, "oops")
    reply(fan(), t, "after")
    posting.delete_post(author, victim)
    t.refresh_from_db()
    assert (t.post_count, t.reply_count) == (3, 1)
    assert list(t.posts.values_list("floor", flat=True)) == [1, 2, 3]
    html = client.get(t.get_absolute_url()).content.decode()
    assert "oops" not in html and 'id="floor-2"' in html
    assert reply(fan(), t).floor == 4


def test_quote_shows_the_quoted_post_and_mentions_link_to_profiles(client):
    author = fan(username="alice")
    t = thread(author, body="the original words")
    quoting = reply(fan(), t, "I agree @alice", quote=t.posts.get(floor=1))
    html = client.get(t.get_absolute_url()).content.decode()
    assert "the original words" in html[html.index('id="floor-2"') :]
    assert 'href="/u/alice/"' in html
    assert quoting.quote.floor == 1


def test_quote_from_another_thread_is_refused():
    other = thread()
    t = thread()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        posting.post_reply(fan(), t, "x", quote=other.posts.get())


def test_likes_are_one_per_fan_and_counted(client):
    t = thread()
    post = t.posts.get()
    liker = fan()
    client.force_login(liker)
    response = client.post(f"/forum/p/{post.pk}/like/", HTTP_X_REQUESTED_WITH="fetch")
    assert response.json() == {"on": True, "count": 1}
    assert client.post(f"/forum/p/{post.pk}/like/", HTTP_X_REQUESTED_WITH="fetch").json() == {"on": False, "count": 0}
    posting.toggle_like(liker, post)
    posting.toggle_like(fan(), post)
    post.refresh_from_db()
    assert post.like_count == 2


def test_authors_watch_by_default_repliers_do_not_and_either_can_change_it(client):
    from forum.models import Watch

    author = fan()
    t = thread(author)
    replier = fan()
    reply(replier, t)
    assert set(Watch.objects.filter(thread=t).values_list("user", flat=True)) == {author.pk}
    client.force_login(replier)
    client.post(f"/forum/t/{t.pk}/watch/", {"on": "1"})
    assert Watch.objects.filter(thread=t, user=replier).exists()
    client.force_login(author)
    client.post(f"/forum/t/{t.pk}/watch/", {"on": "0"})
    assert not Watch.objects.filter(thread=t, user=author).exists()


def test_unread_threads_are_marked_and_first_unread_jumps_there(client):
    reader = fan()
    t = thread()
    _bulk_replies(t, 24)  # floors 1..25
    client.force_login(reader)
    client.get(t.get_absolute_url())  # reads floors 1..20
    response = client.get(f"/forum/t/{t.pk}/unread/")
    assert response["Location"] == f"/forum/t/{t.pk}/?page=2#floor-21"
    assert 'class="thread-row unread"' in client.get("/forum/b/general/").content.decode()
    client.get(t.get_absolute_url(), {"page": 2})
    assert 'class="thread-row unread"' not in client.get("/forum/b/general/").content.decode()
    reply(fan(), t, "new")
    assert client.get(f"/forum/t/{t.pk}/unread/")["Location"] == f"/forum/t/{t.pk}/?page=2#floor-26"


def test_board_lists_pinned_first_then_newest_activity(client):
    from forum.moderation import moderate
    from tests.forum.factories import staff

    old = thread(title="old one")
    pinned = thread(title="pinned one")
    thread(title="new one")
    reply(fan(), old, "bump")
    moderate.set_pinned(staff(), pinned, True)
    threads, _pages = queries.board_threads(pinned.board, 1)
    assert [t.title for t in threads] == ["pinned one", "old one", "new one"]


def test_views_are_counted(client):
    t = thread()
    from forum.reading.view_counts import flush_view_counts

    client.get(t.get_absolute_url())
    client.get(t.get_absolute_url())
    t.refresh_from_db()
    assert t.view_count == 0  # counted in Redis, not written on the page view
    assert flush_view_counts() == 1
    client.get(t.get_absolute_url())
    assert flush_view_counts() == 1
    assert flush_view_counts() == 0
    t.refresh_from_db()
    assert t.view_count == 3


def test_feeds_are_atom(client):
    from tests.forum.factories import staff

    thread(staff(), slug="announcements", title="Big news")
    thread(title="Hello general")
    response = client.get("/forum/announcements.atom")
    assert response.status_code == 200 and "application/atom+xml" in response["Content-Type"]
    assert "Big news" in response.content.decode()
    assert "Hello general" in client.get("/forum/b/general/feed.atom").content.decode()
