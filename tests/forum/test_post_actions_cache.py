"""The buttons under posts are cached by what they show for the viewer (forum.reading.fragments.post_actions):
each fan still sees their own buttons, and the forms carry the request's own CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from forum.models import Like
from forum.writing import posting
from tests.forum.factories import fan, reply, staff, thread

pytestmark = pytest.mark.django_db


def _actions(page: str, post_pk: int) -> str:
    """The footer of buttons under one post."""
    start = page.index(f'action="{reverse("forum:like", args=[post_pk])}"')
    return page[page.rindex('<footer class="post-actions">', 0, start) : page.index("</footer>", start)]


def test_each_fan_sees_their_own_buttons_from_the_shared_cache():
    author, other, moderator = fan(), fan(), staff()
    t = thread(author, title="按钮")
    post = reply(author, t, "my reply")
    posting.toggle_like(other, post, True)
    pages = {}
    for who in (author, other, moderator, author):  # the author twice: the second from the cache
        client = Client()
        client.force_login(who)
        response = client.get(t.get_absolute_url())
        assert response.status_code == 200
        pages[who.pk] = _actions(response.content.decode(), post.pk)
    mine, theirs, moderators = pages[author.pk], pages[other.pk], pages[moderator.pk]
    assert reverse("forum:edit", args=[post.pk]) in mine and reverse("forum:report", args=[post.pk]) not in mine
    assert reverse("forum:edit", args=[post.pk]) not in theirs and reverse("forum:report", args=[post.pk]) in theirs
    assert 'aria-pressed="true"' in theirs and 'aria-pressed="false"' in mine
    assert reverse("forum:hide", args=[post.pk]) in moderators and reverse("forum:hide", args=[post.pk]) not in theirs


def test_the_cached_buttons_carry_this_requests_csrf_token_and_their_forms_work():
    t = thread(fan(), title="令牌")
    post = reply(fan(), t, "like me")
    first, second = fan(), fan()
    for who in (first, second):  # the second fan's page comes from the first one's cached buttons
        client = Client(enforce_csrf_checks=True)
        client.force_login(who)
        page = client.get(t.get_absolute_url()).content.decode()
        footer = _actions(page, post.pk)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', footer).group(1)
        assert "placeholder" not in token
        response = client.post(reverse("forum:like", args=[post.pk]), {"on": "1", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
    assert Like.objects.filter(post=post).count() == 2
