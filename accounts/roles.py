"""Staff groups. Their names are data (created by a migration); code refers to them through here."""

from accounts.models import User

MODERATORS = "Moderators"
EVENT_STAFF = "Event staff"
CORE_TESTERS = "Core testers"


def in_group(user: User, name: str) -> bool:
    """Group names are read once per user object, that is once per request."""
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_group_names"):
        user._group_names = frozenset(user.groups.values_list("name", flat=True))
    return name in user._group_names


def is_moderator(user: User) -> bool:
    return user.is_authenticated and (user.is_staff or in_group(user, MODERATORS))


def is_event_staff(user: User) -> bool:
    return user.is_authenticated and (user.is_staff or in_group(user, EVENT_STAFF))
