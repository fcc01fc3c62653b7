"""What shows beside a fan's name (their level, up to three medals, their main device), as SQL
expressions over the statement's user alias `{t}`: the forum's post card (forum.reading.cards.AuthorCard)
reads them with the author's row, so the thread page runs no query for them; the user card and the
profile read them the same way. Each is one value, so the card stays frozen and is its own cache key.
"""

from dataclasses import dataclass

from community.models import Device, FanDevice, Level, Medal, MedalAward, Standing, label

_LEVEL, _STANDING = Level._meta.db_table, Standing._meta.db_table
_MEDAL, _AWARD = Medal._meta.db_table, MedalAward._meta.db_table
_DEVICE, _FAN_DEVICE = Device._meta.db_table, FanDevice._meta.db_table
SEP = "\x1f"  # between a medal's icon and names inside one array item

# [name, English name] of the fan's level; a fan with no standing row (no credits yet) is at the lowest.
LEVEL_SQL = (
    f"COALESCE((SELECT ARRAY[l.name, l.name_en] FROM {_STANDING} s JOIN {_LEVEL} l ON l.id = s.level_id "
    f"WHERE s.user_id = {{t}}.id), (SELECT ARRAY[l.name, l.name_en] FROM {_LEVEL} l ORDER BY l.threshold LIMIT 1), "
    f"ARRAY[]::varchar[])"
)
# "icon␟name␟English name" of each medal the fan shows under their name, in their order.
SHOWN_MEDALS_SQL = (
    f"ARRAY(SELECT concat_ws(chr(31), m.icon, m.name, m.name_en) "
    f"FROM {_AWARD} a JOIN {_MEDAL} m ON m.id = a.medal_id "
    f"WHERE a.user_id = {{t}}.id AND a.shown_position IS NOT NULL ORDER BY a.shown_position)"
)
MAIN_DEVICE_SQL = (
    f"(SELECT d.name FROM {_FAN_DEVICE} f JOIN {_DEVICE} d ON d.id = f.device_id "
    f"WHERE f.user_id = {{t}}.id AND f.is_main)"
)


@dataclass(frozen=True)
class ShownMedal:
    icon: str
    label: str


def level_label(level: tuple[str, ...]) -> str:
    return label(level[0], level[1]) if level else ""


def shown_medals(items: tuple[str, ...]) -> list[ShownMedal]:
    out = []
    for item in items:
        icon, name, name_en = (item.split(SEP) + ["", "", ""])[:3]
        out.append(ShownMedal(icon, label(name, name_en)))
    return out
