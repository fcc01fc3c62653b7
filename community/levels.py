"""What a fan's level lets them do: read by forum/writing/limits.py, forum/writing/posting.py, meetups (proposing) and
messaging (strangers). The lowest level's rules are today's new-fan limits; a fan without a standing
row yet (no credits) is at the lowest level."""

from accounts.models import User
from community.models import Level, Standing

# Used only when staff deleted every level: the rules fans had before levels existed.
DEFAULT = Level(
    name="初级粉丝",
    name_en="Newcomer",
    threshold=0,
    first_day_threads=3,
    first_day_replies=10,
    may_post_links=True,
    may_attach=True,
    may_propose_meetup=True,
    may_message_strangers=False,
)


def level_of(user: User) -> Level:
    """The fan's level (one query), cached on the user object for the request."""
    cached = getattr(user, "_community_level", None)
    if cached is not None:
        return cached
    standing = Standing.objects.filter(user_id=user.pk).select_related("level").first()
    level = standing.level if standing is not None and standing.level is not None else lowest()
    user._community_level = level  # type: ignore[attr-defined]
    return level


def lowest() -> Level:
    return Level.objects.order_by("threshold").first() or DEFAULT


def next_level(level: Level) -> Level | None:
    return Level.objects.filter(threshold__gt=level.threshold).order_by("threshold").first()


def forget(user: User) -> None:
    """Drop the cached level (after a change in the same request)."""
    user.__dict__.pop("_community_level", None)
