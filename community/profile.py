"""The community's part of a fan's profile (settings.ACCOUNT_PROFILE_PANELS) and the user card shown
on a tap of a name: level and credits, medals, devices, followers and following, meetups attended."""

from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import get_language

from accounts.models import User
from community import checkin, credits, devices, follows, levels, medals
from community.models import FanDevice, Level, MedalAward

CARD_SECONDS = 60


@dataclass(frozen=True)
class Standing:
    level: Level
    credits: int
    next_level: Level | None

    @property
    def to_next(self) -> int:
        return max(0, self.next_level.threshold - self.credits) if self.next_level else 0


def standing_of(fan: User) -> Standing:
    level = levels.level_of(fan)
    return Standing(level, credits.credits_of(fan.pk), levels.next_level(level))


def profile_panel(request: HttpRequest, fan: User) -> tuple[str, dict]:
    followers, following = follows.counts(fan)
    facts = medals.facts_for([fan.pk]).get(fan.pk, {})
    return "community/profile_panel.html", {
        "standing": standing_of(fan),
        "medals": medals.medals_of(fan),
        "devices": devices.devices_of(fan),
        "followers": followers,
        "following": following,
        "meetups_attended": facts.get("meetups_attended", 0),
        "streak": checkin.current_streak(fan),
        "follows": follows.follows(request.user, fan),
        "may_follow": request.user.is_authenticated and request.user.pk != fan.pk,
    }


@dataclass(frozen=True)
class UserCard:
    """What the card on a tap of a name shows: the same for every viewer, so it is cached per fan and
    language (CARD_SECONDS)."""

    username: str
    name: str
    avatar_url: str
    level: str
    medals: tuple[tuple[str, str], ...]  # (icon, name), every medal
    device: str
    city: str


def user_card(fan: User) -> UserCard:
    key = f"community:card:{fan.pk}:{get_language()}"
    card = cache.get(key)
    if card is None:
        main = FanDevice.objects.filter(user=fan, is_main=True).select_related("device").first()
        awards = MedalAward.objects.filter(user=fan).select_related("medal").order_by("shown_position", "awarded_at")
        card = UserCard(
            username=fan.username,
            name=fan.public_name,
            avatar_url=fan.avatar.url if fan.avatar else "",
            level=levels.level_of(fan).label,
            medals=tuple((a.medal.icon, a.medal.label) for a in awards),
            device=main.device.name if main else "",
            city=fan.city.label if fan.city_id and fan.city else "",
        )
        cache.set(key, card, CARD_SECONDS)
    return card
