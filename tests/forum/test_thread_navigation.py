"""Finding your way in a long thread: 只看楼主 (paged by key), jumping to a floor, floor labels, and
names and avatars that lead to the profile."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.deletion import delete_account
from accounts.roles import CORE_TESTERS
from forum.models import Post, ReadMark, Thread
from tests.forum.factories import fan, member, thread
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db


def _long_thread(op, other, floors: int, op_every: int = 3) -> Thread:
    """A thread whose floors 2..`floors` are the OP's on every `op_every`-th floor and `other`'s
    elsewhere, written in one INSERT (the reads are under test, not posting)."""
    t = thread(op, title="长帖")
    Post.objects.bulk_create(
        Post(thread=t, floor=n, author=op if n % op_every == 0 else other, body=f"第{n}楼", html=f"<p>第{n}楼</p>")
        for n in range(2, floors + 1)
    )
    Thread.objects.filter(pk=t.pk).update(post_count=floors, reply_count=floors - 1)
    t.refresh_from_db()
    return t


def _floors(response) -> list[int]:
    return [p.floor for p in response.context["posts"]]


def test_only_op_shows_the_op_floors_twenty_at_a_time_by_key(client):
    op, other = fan(), fan()
    t = _long_thread(op, other, floors=130)  # OP: floor 1 and every third floor: 1 + 43 floors
    op_floors = [1, *range(3, 131, 3)]

    first = client.get(t.get_absolute_url(), {"op": "1"})
    assert first.status_code == 200
    assert _floors(first) == op_floors[:20]
    assert first.context["op_pages"].before is None and first.context["op_pages"].after == op_floors[19]
    assert f"?op=1&amp;after={op_floors[19]}" in first.content.decode()

    second = client.get(t.get_absolute_url(), {"op": "1", "after": op_floors[19]})
    assert second.status_code == 200 and _floors(second) == op_floors[20:40]
    third = client.get(t.get_absolute_url(), {"op": "1", "after": op_floors[39]})
    assert _floors(third) == op_floors[40:] and third.context["op_pages"].after is None

    back = client.get(t.get_absolute_url(), {"op": "1", "before": op_floors[40]})
    assert back.status_code == 200 and _floors(back) == op_floors[20:40]
    assert back.context["op_pages"].before == op_floors[20] and back.context["op_pages"].after == op_floors[39]
    assert _floors(client.get(t.get_absolute_url(), {"op": "1", "before": op_floors[20]})) == op_floors[:20]


def test_only_op_reads_by_floor_key_without_offset_and_costs_what_the_full_page_does(client):
    op, other = fan(), fan()
    t = _long_thread(op, other, floors=90)
    client.force_login(fan())
    client.get(t.get_absolute_url())  # a session's first request records the day's activity
    with CaptureQueriesContext(connection) as full:
        assert client.get(t.get_absolute_url(), {"page": "2"}).status_code == 200
    with CaptureQueriesContext(connection) as only_op:
        assert client.get(t.get_absolute_url(), {"op": "1", "after": "30"}).status_code == 200
    # The same queries less the read mark (the OP's floors are not all the floors up to the last one).
    assert len(only_op) == len(full) - 1
    posts_sql = next(q["sql"] for q in only_op.captured_queries if "FROM forum_post WHERE" in q["sql"])
    assert re.search(rf"WHERE thread_id = {t.pk} AND author_id = {t.author_id} AND floor > 30 ", posts_sql)
    assert "OFFSET" not in posts_sql.upper() and re.search(r"LIMIT 21\)", posts_sql)


def test_only_op_leaves_the_read_mark_alone(client):
    reader = fan()
    t = _long_thread(fan(), fan(), floors=60)
    client.force_login(reader)
    assert client.get(t.get_absolute_url(), {"op": "1"}).status_code == 200
    assert not ReadMark.objects.filter(user=reader, thread=t).exists()


@pytest.mark.parametrize(
    "params",
    [
        {"op": "1", "after": "abc"},
        {"op": "1", "after": "-5"},
        {"op": "1", "before": "0"},
        {"op": "1", "after": "99999999999999999999999"},
        {"op": "1", "after": "100000"},
        {"op": "yes"},
        {"op": "1", "after": "１２"},
    ],
)
def test_only_op_with_junk_keys_is_a_page_not_an_error(client, params):
    t = _long_thread(fan(), fan(), floors=30)
    response = client.get(t.get_absolute_url(), params)
    assert response.status_code == 200


def test_only_op_past_the_last_floor_says_there_is_nothing_more(client):
    t = _long_thread(fan(), fan(), floors=30)
    response = client.get(t.get_absolute_url(), {"op": "1", "after": "1000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and _floors(response) == []
    assert "No more floors by the original poster." in response.content.decode()


def test_jump_to_a_floor_goes_to_its_page_and_anchor(client):
    t = _long_thread(fan(), fan(), floors=90)
    response = client.get(t.get_absolute_url(), {"floor": "45"})
    assert response.status_code == 302
    assert response["Location"] == f"{t.get_absolute_url()}?page=3#floor-45"
    assert client.get(t.get_absolute_url(), {"floor": " 1 "})["Location"].endswith("?page=1#floor-1")


def test_jump_past_the_last_floor_goes_to_the_last_one_and_says_so(client):
    t = _long_thread(fan(), fan(), floors=90)
    response = client.get(t.get_absolute_url(), {"floor": "5000"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"].endswith("?page=5#floor-90")
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "This thread has 90 floors; here is the last one." in page.content.decode()


@pytest.mark.parametrize("junk", ["", "abc", "0", "-3", "1.5", "１２", "99999999999999999999999999", "1e3"])
def test_jump_with_junk_says_which_floors_exist(client, junk):
    t = _long_thread(fan(), fan(), floors=12)
    response = client.get(t.get_absolute_url(), {"floor": junk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == t.get_absolute_url()
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Enter a floor number from 1 to 12." in page.content.decode()


def test_jump_to_a_floor_of_a_thread_the_fan_may_not_see_is_404(client):
    t = thread(member(CORE_TESTERS), slug="beta")
    client.force_login(fan())
    assert client.get(t.get_absolute_url(), {"floor": "1"}).status_code == 404
    assert client.get(t.get_absolute_url(), {"op": "1"}).status_code == 404


def test_the_jump_box_and_filter_link_work_without_javascript(client):
    t = _long_thread(fan(), fan(), floors=5)
    html = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<form method="get" action="{t.get_absolute_url()}" class="inline jump-floor">' in html
    assert 'name="floor" type="number"' in html and 'href="?op=1"' in html


@pytest.mark.parametrize(("language", "labels"), [("zh-hans", ["楼主", "2楼", "3楼"]), ("en", ["OP", "#2", "#3"])])
def test_floors_are_labelled_in_the_readers_language(client, language, labels):
    t = _long_thread(fan(), fan(), floors=3)
    html = client.get(t.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for floor, label in enumerate(labels, start=1):
        link = f'<a class="floor" href="/forum/p/{t.posts.get(floor=floor).pk}/"'
        assert link in html and html.split(link, 1)[1].split(">", 1)[1].startswith(f"{label}</a>")


def test_names_and_avatars_on_posts_link_to_the_profile_but_not_for_deleted_accounts(client):
    author = fan(username="xiaoming", display_name="小明")
    author.avatar.name = "avatars/2026/11/xiaoming.png"
    author.save(update_fields=["avatar"])
    gone = fan(username="gone")
    t = thread(author)
    Post.objects.create(thread=t, floor=2, author=gone, body="bye", html="<p>bye</p>")
    Thread.objects.filter(pk=t.pk).update(post_count=2)
    delete_account(gone)

    response = client.get(t.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="author" href="/u/xiaoming/" data-card="/u/xiaoming/card/">小明</a>' in html
    assert 'href="/u/xiaoming/" class="avatar-link"' in html and "avatars/2026/11/xiaoming.png" in html
    assert "/u/gone/" not in html
    assert client.get("/u/xiaoming/").status_code == 200


@pytest.mark.browser
def test_phone_only_op_then_jump_to_a_floor_then_bookmark_then_my_bookmarks(browser, live_server):
    op, other, reader = fan(display_name="楼主本人"), fan(), fan()
    t = _long_thread(op, other, floors=45)
    page = signed_in(browser, live_server, reader)
    try:
        page.goto(f"{live_server.url}{t.get_absolute_url()}")
        page.get_by_role("link", name="只看楼主").click()
        page.wait_for_url(re.compile(r"\?op=1$"))
        shown = page.locator("ol.posts > li.post").evaluate_all("(items) => items.map((li) => li.id)")
        assert shown == [f"floor-{n}" for n in [1, *range(3, 46, 3)]]
        assert page.locator("#floor-1 .floor").inner_text() == "楼主"

        page.get_by_label("跳到楼层").fill("40")
        page.get_by_role("button", name="跳转").click()
        page.wait_for_url(re.compile(r"\?page=2#floor-40$"))
        assert page.locator("#floor-40 .floor").inner_text() == "40楼"
        assert page.locator("#floor-38").count() == 1  # every floor again, not only the OP's

        page.get_by_role("button", name="收藏", exact=True).click()
        page.get_by_role("button", name="已收藏").wait_for()
        page.get_by_role("link", name="我的收藏").click()
        page.wait_for_url(re.compile(r"/forum/bookmarks/$"))
        assert page.get_by_role("link", name="长帖").count() == 1
    finally:
        page.context.close()
