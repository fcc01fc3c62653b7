"""Service desk test helpers: fans past the new-fan limits, feedback threads posted through the forum."""

import datetime

from django.utils import timezone

from forum.models import Board, Post
from forum.writing import posting
from servicedesk.models import Priority, Rule
from tests.factories import UserFactory


def fan(**kwargs):
    kwargs.setdefault("date_joined", timezone.now() - datetime.timedelta(days=30))
    return UserFactory(**kwargs)


def staff(**kwargs):
    """A member of the Service desk group: the queue, insights and the fans CSV."""
    from django.contrib.auth.models import Group

    from accounts.roles import SERVICE_DESK

    user = fan(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=SERVICE_DESK))
    return user


def feedback_board() -> Board:
    return Board.objects.get(slug="feedback")


def rewind(user, seconds: int = 60) -> None:
    """Move a user's posts into the past, past the forum's 15-second pause between posts."""
    Post.objects.filter(author=user).update(created_at=timezone.now() - datetime.timedelta(seconds=seconds))


def feedback(author=None, title: str = "A problem", body: str = "Something is wrong", kind: str = "question"):
    author = author or fan()
    thread = posting.start_thread(author, feedback_board(), title, body, feedback_kind=kind)
    rewind(author)
    return thread


def rule(name: str, phrases: str, priority: int = 100, escalate: int = Priority.NONE, reply: str = "", **extra) -> Rule:
    return Rule.objects.create(
        name=name, phrases=phrases, priority=priority, escalate=escalate, reply_template=reply, **extra
    )
