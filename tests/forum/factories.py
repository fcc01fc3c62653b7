"""Forum test helpers: fans old enough to be past the new-fan limits, and threads made through posting."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import EVENT_STAFF, MODERATORS, SERVICE_DESK
from forum.boards import announcements_board
from forum.models import Board, Post
from forum.writing import posting
from tests.factories import UserFactory


def fan(**kwargs):
    kwargs.setdefault("date_joined", timezone.now() - datetime.timedelta(days=30))
    return UserFactory(**kwargs)


def staff(**kwargs):
    """A staff member with the forum's staff powers: moderation, announcements (event staff's) and the
    feedback workflow (the desk's). `is_staff` only opens the admin (tests/forum/test_role_matrix.py)."""
    user = fan(is_staff=True, **kwargs)
    user.groups.add(*Group.objects.filter(name__in=[MODERATORS, EVENT_STAFF, SERVICE_DESK]))
    return user


def member(group_name: str, **kwargs):
    user = fan(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def board(slug: str = "general") -> Board:
    return Board.objects.get(slug=slug)


def rewind(user, seconds: int = 60) -> None:
    """Move a fan's posts into the past, as if they had waited out the 15-second interval."""
    Post.objects.filter(author=user).update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def thread(author=None, slug: str = "general", title: str = "A thread", body: str = "First post", **extra):
    author = author or fan()
    b = announcements_board() if slug == "announcements" else board(slug)
    created = posting.start_thread(author, b, title, body, **extra)
    rewind(author)
    return created


def reply(author, thread, body: str = "A reply", quote=None):
    post = posting.post_reply(author, thread, body, quote=quote)
    rewind(author)
    return post
