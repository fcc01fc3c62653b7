"""Following a fan: their new threads reach the follower's notifications (forum.writing.posting tells them)."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import User
from community.models import Follow
from community.permissions import may_follow
from fancity.lib.rows import insert_once


def follow(user: User, fan: User) -> bool:
    if not may_follow(user, fan):
        raise PermissionDenied
    with transaction.atomic():
        return insert_once(Follow, follower=user.pk, followed=fan.pk)


def unfollow(user: User, fan: User) -> None:
    if not user.is_authenticated:
        raise PermissionDenied
    Follow.objects.filter(follower=user, followed=fan).delete()


def follows(user: User | AnonymousUser, fan: User) -> bool:
    return user.is_authenticated and Follow.objects.filter(follower=user, followed=fan).exists()


def followers_of(fan: User):
    """The fans following `fan`, as a queryset of users (active, not deleted)."""
    return User.objects.fans().filter(pk__in=Follow.objects.filter(followed=fan).values("follower_id"), is_active=True)


def following_of(fan: User):
    return User.objects.fans().filter(pk__in=Follow.objects.filter(follower=fan).values("followed_id"), is_active=True)


def counts(fan: User) -> tuple[int, int]:
    """(followers, following)."""
    return Follow.objects.filter(followed=fan).count(), Follow.objects.filter(follower=fan).count()
