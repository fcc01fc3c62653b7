"""The community's part of a fan's profile (settings.ACCOUNT_PROFILE_PANELS) and the user card shown
on a tap of a name: level and credits, medals, devices, followers and following, meetups attended."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from accounts.models import User
from community import badges, credits, levels
from community.models import CheckIn, Device, FanDevice, Follow, Level, Medal, MedalAward, label
from community.models import Standing as Standing_
from fancity.lib import raw

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


_T = {
    "standing": Standing_._meta.db_table,
    "level": Level._meta.db_table,
    "follow": Follow._meta.db_table,
    "checkin": CheckIn._meta.db_table,
    "award": MedalAward._meta.db_table,
    "medal": Medal._meta.db_table,
    "fan_device": FanDevice._meta.db_table,
    "device": Device._meta.db_table,
}
_LEVEL_ROW = "ARRAY[l.name, l.name_en, l.threshold::text]"
_PANEL_SQL = f"""
SELECT
  COALESCE((SELECT s.credits FROM {_T["standing"]} s WHERE s.user_id = u.id), 0),
  COALESCE((SELECT {_LEVEL_ROW} FROM {_T["standing"]} s JOIN {_T["level"]} l ON l.id = s.level_id
            WHERE s.user_id = u.id),
           (SELECT {_LEVEL_ROW} FROM {_T["level"]} l ORDER BY l.threshold LIMIT 1)),
  (SELECT {_LEVEL_ROW} FROM {_T["level"]} l WHERE l.threshold > GREATEST(COALESCE(
     (SELECT s.credits FROM {_T["standing"]} s WHERE s.user_id = u.id), 0), 0) ORDER BY l.threshold LIMIT 1),
  (SELECT count(*) FROM {_T["follow"]} f WHERE f.followed_id = u.id),
  (SELECT count(*) FROM {_T["follow"]} f WHERE f.follower_id = u.id),
  COALESCE((SELECT c.streak FROM {_T["checkin"]} c WHERE c.user_id = u.id AND c.day >= %s
            ORDER BY c.day DESC LIMIT 1), 0),
  ARRAY(SELECT concat_ws(chr(31), m.icon, m.name, m.name_en, m.description) FROM {_T["award"]} a
        JOIN {_T["medal"]} m ON m.id = a.medal_id WHERE a.user_id = u.id ORDER BY a.awarded_at, a.id),
  ARRAY(SELECT concat_ws(chr(31), d.name, f.is_main::text) FROM {_T["fan_device"]} f
        JOIN {_T["device"]} d ON d.id = f.device_id WHERE f.user_id = u.id ORDER BY f.is_main DESC, d.position),
  (SELECT EXISTS (SELECT 1 FROM {_T["follow"]} f WHERE f.follower_id = %s AND f.followed_id = u.id))
  {{extra}}
FROM (SELECT %s::bigint AS id) u
"""


@dataclass(frozen=True)
class PanelMedal:
    icon: str
    label: str
    description: str


@dataclass(frozen=True)
class PanelDevice:
    name: str
    is_main: bool


def _level(row: list[str] | None) -> Level | None:
    return Level(name=row[0], name_en=row[1], threshold=int(row[2])) if row else None


def profile_panel(request: HttpRequest, fan: User) -> tuple[str, dict]:
    """Everything the panel shows in one statement; what higher apps add (meetups attended) comes as
    columns of it (settings.COMMUNITY_PROFILE_COLUMNS: SQL with `{user}` for the fan's id)."""
    extra = {name: import_string(path) for name, path in settings.COMMUNITY_PROFILE_COLUMNS.items()}
    columns = "".join(f", ({sql.format(user='u.id')})" for sql in extra.values())
    viewer = request.user.pk if request.user.is_authenticated else 0
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    (row,) = raw.fetch(_PANEL_SQL.replace("{extra}", columns), [yesterday, viewer, fan.pk])
    got, level, following_level, followers, following, streak, medal_rows, device_rows, follows_fan, *more = row
    current = _level(level) or levels.DEFAULT
    medals_shown = []
    for item in medal_rows:
        icon, name, name_en, description = (item.split(badges.SEP) + ["", "", "", ""])[:4]
        medals_shown.append(PanelMedal(icon, label(name, name_en), description))
    devices_shown = [PanelDevice(*(item.split(badges.SEP)[0], item.endswith("true"))) for item in device_rows]
    facts = dict(zip(extra, more, strict=True))
    return "community/profile_panel.html", {
        "standing": Standing(current, got, _level(following_level)),
        "medals": medals_shown,
        "devices": devices_shown,
        "followers": followers,
        "following": following,
        "meetups_attended": facts.get("meetups_attended", 0),
        "streak": streak,
        "follows": follows_fan,
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
