import pytest
from django.core.management import call_command

from forum.models import Board, Post, Thread
from forum.reading import search
from tests.forum.factories import fan

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_fills_a_consistent_forum(client):
    call_command("seed", fans=50, threads=30, posts=400, big_thread=60, verbosity=0)
    assert Thread.objects.count() == 30 and Post.objects.count() == 400
    big = Thread.objects.order_by("pk").first()
    assert big.post_count == 60
    assert list(big.posts.order_by("floor").values_list("floor", flat=True)) == list(range(1, 61))
    assert sum(Board.objects.values_list("post_count", flat=True)) == 400
    assert client.get(big.get_absolute_url(), {"page": 3}).status_code == 200
    assert client.get("/forum/").status_code == 200
    assert list(search.search_posts(fan(), "刷机")) or list(search.search_posts(fan(), "手机"))
    assert Post.objects.create(thread=big, floor=61, author=big.author, body="x", html="x").pk
