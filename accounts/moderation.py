"""Account-level moderation: a banned fan can read but not write."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import BANNED_FOR_GOOD, User
from accounts.roles import is_moderator


def ban_user(moderator: User, fan: User, reason: str, duration: datetime.timedelta | None = None) -> None:
    """Ban `fan` for `duration`, or for good when it is None."""
    if not is_moderator(moderator):
        raise PermissionDenied
    until = BANNED_FOR_GOOD if duration is None else timezone.now() + duration
    with transaction.atomic():
        User.objects.filter(pk=fan.pk).update(banned_until=until, ban_reason=reason[:200])
    fan.banned_until, fan.ban_reason = until, reason[:200]
