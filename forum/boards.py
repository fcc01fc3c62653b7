"""Boards: the fixed ones, one club board per city, and the index's list of them (who may see which is
forum.permissions.can_see)."""

import datetime
import hashlib
import pickle
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

from accounts.models import City, User
from forum.models import Board, BoardKind
from forum.permissions import may_see_beta, visible_boards

ANNOUNCEMENTS_SLUG = "announcements"
CITY_POSITION = 1000

# (kind, slug, name, name_en, description, description_en, position)
FIXED_BOARDS = [
    (
        BoardKind.ANNOUNCEMENTS,
        ANNOUNCEMENTS_SLUG,
        "官方公告",
        "Announcements",
        "来自官方团队的消息",
        "News from the staff",
        10,
    ),
    (BoardKind.GENERAL, "general", "综合讨论", "General", "什么都可以聊", "Talk about anything", 20),
    (
        BoardKind.FEEDBACK,
        "feedback",
        "问题反馈",
        "Feedback",
        "报告问题、提出建议，官方会回复",
        "Report bugs and suggest ideas; the staff answer",
        30,
    ),
    (BoardKind.BETA, "beta", "内测专区", "Private beta", "仅内测成员可见", "Visible to core testers only", 40),
]


# How late the index's counters and last posts may be: one query per language and kind of reader
# in that time, however many read the index.
INDEX_SECONDS = 15


@dataclass(frozen=True)
class IndexLine:
    """A board as the forum index and search's board filter show it (forum/_board_index.html)."""

    slug: str
    url: str
    label: str
    blurb: str
    is_city: bool
    testers_only: bool
    thread_count: int
    post_count: int
    last_thread_url: str | None  # None without a last thread, or when it was withdrawn
    last_thread_title: str
    last_poster: str | None
    last_post_at: datetime.datetime | None

    @property
    def shows_time(self) -> bool:
        """Whether the index shows this board's last post and its time (in words)."""
        return not self.is_city and self.last_thread_url is not None and self.last_post_at is not None


@dataclass(frozen=True)
class BoardIndex:
    """The boards a kind of reader sees, in order: `digest` names the lines (their full value), so that
    the HTML made of them is memoised on it and on the words of `times`, the moments the index shows
    in words. The lines stay pickled until a worker has to render them (most requests only need the
    digest and the times: a hundred boards take longer to unpickle than their HTML to fetch)."""

    digest: str
    times: tuple[datetime.datetime | None, ...]
    pickled: bytes

    @property
    def lines(self) -> tuple[IndexLine, ...]:
        return pickle.loads(self.pickled)


def board_index(user: User) -> BoardIndex:
    """The boards `user` may see, read from the database at most every INDEX_SECONDS for each language
    and kind of reader (kept in the cache)."""
    key = f"forum:index:{get_language()}:{int(may_see_beta(user))}"
    index = cache.get(key)
    if index is None:
        lines = tuple(
            IndexLine(
                slug=board.slug,
                url=board.get_absolute_url(),
                label=board.label,
                blurb=board.blurb,
                is_city=board.kind == BoardKind.CITY,
                testers_only=board.testers_only,
                thread_count=board.thread_count,
                post_count=board.post_count,
                last_thread_url=last.get_absolute_url() if (last := board.last_thread) and not last.hidden_at else None,
                last_thread_title=last.title if last else "",
                last_poster=board.last_poster.public_name if board.last_poster else None,
                last_post_at=board.last_post_at,
            )
            for board in visible_boards(user).select_related("last_thread", "last_poster")
        )
        index = BoardIndex(
            digest=hashlib.blake2b(repr(lines).encode(), digest_size=16).hexdigest(),
            times=tuple(line.last_post_at if line.shows_time else None for line in lines),
            pickled=pickle.dumps(lines, pickle.HIGHEST_PROTOCOL),
        )
        cache.set(key, index, INDEX_SECONDS)
    return index


def ensure_fixed_boards() -> None:
    for kind, slug, name, name_en, description, description_en, position in FIXED_BOARDS:
        Board.objects.get_or_create(
            slug=slug,
            defaults={
                "kind": kind,
                "name": name,
                "name_en": name_en,
                "description": description,
                "description_en": description_en,
                "position": position,
            },
        )


def ensure_city_boards() -> int:
    """Create the club board of every city that has none (new cities); return how many were made."""
    missing = City.objects.filter(forum_board__isnull=True).order_by("id")
    boards = [
        Board(
            kind=BoardKind.CITY,
            city=city,
            slug=f"city-{city.slug}",
            name=f"{city.name}同城会",
            name_en=f"{city.name_en} club",
            description=f"{city.province}{city.name}的粉丝聚在这里",
            description_en=f"Fans in {city.name_en}, {city.province_en}",
            position=CITY_POSITION + city.pk,
        )
        for city in missing
    ]
    with transaction.atomic():
        Board.objects.bulk_create(boards, ignore_conflicts=True)
    return len(boards)


def announcements_board() -> Board:
    board = Board.objects.filter(slug=ANNOUNCEMENTS_SLUG).first()
    if board is None:
        ensure_fixed_boards()
        board = Board.objects.get(slug=ANNOUNCEMENTS_SLUG)
    return board


def city_board(city: City) -> Board:
    board = Board.objects.filter(city=city).first()
    if board is None:
        ensure_city_boards()
        board = Board.objects.get(city=city)
    return board
