"""What each cached forum fragment shows, as one frozen card per fragment (fancity.lib.cards).

`PostCard` is a post on the thread page (forum/_post.html), `ThreadRow` a row of a board page
(forum/_thread_row.html); a search result is `forum.reading.search.HitCard` (forum/_search_hit.html).
Their fields make the statements' SELECT lists (forum.reading.queries, forum.reading.search), their
values are the fragments' cache keys (forum.reading.fragments), and the templates receive only them. A
field is a column of the table the statement names by the alias given beside the card (`nested(...,
"u")`), an SQL expression of it, or computed by the read. Properties only derive what a template prints
from the fields (a name in the page's language, a URL), so they need no place in the key.

To show one more value under a post: add the field to `PostCard` (or `AuthorCard`, `QuoteCard`) and
print it in forum/_post.html; see forum/README.md, "Cards".
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User, public_name
from accounts.roles import CORE_TESTERS, EVENT_STAFF, MODERATORS, SERVICE_DESK
from community import badges
from fancity.lib.cards import column, computed, nested
from fancity.lib.names import in_page_language
from forum.attachments import Shown
from forum.models import FeedbackKind, FeedbackStatus
from forum.templatetags.forum import role_badge

BADGE_GROUPS = (EVENT_STAFF, SERVICE_DESK, MODERATORS, CORE_TESTERS)
_GROUPS = ", ".join("'" + name.replace("'", "''") + "'" for name in BADGE_GROUPS)
_USER_GROUPS, _GROUP = User.groups.through._meta.db_table, Group._meta.db_table


@dataclass(frozen=True, kw_only=True)
class PersonCard:
    """A fan's name, as shown beside what they wrote."""

    id: int = column()
    username: str = column()
    display_name: str = column()
    deleted_at: datetime.datetime | None = column()

    @property
    def public_name(self) -> str:
        return public_name(self.username, self.display_name, self.deleted_at)

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.username])


@dataclass(frozen=True, kw_only=True)
class NameCard:
    """A city or a board: its name in the page's language."""

    id: int = column()
    name: str = column()
    name_en: str = column()

    @property
    def label(self) -> str:
        return in_page_language(self.name, self.name_en)


@dataclass(frozen=True, kw_only=True)
class AuthorCard(PersonCard):
    """A post's author in its header: name, avatar, role badge (forum.templatetags.forum.role_badge
    reads `is_superuser` and `forum_roles`), city, and what community.badges reads with the row:
    level, the medals they chose to show, main device."""

    avatar: str = column()
    is_superuser: bool = column()
    forum_roles: tuple[str, ...] = column(
        f"ARRAY(SELECT g.name FROM {_USER_GROUPS} ug JOIN {_GROUP} g ON g.id = ug.group_id "
        f"WHERE ug.user_id = {{t}}.id AND g.name IN ({_GROUPS}) ORDER BY g.name)"
    )
    city: NameCard | None = nested(NameCard, "c")
    level: tuple[str, ...] = column(badges.LEVEL_SQL)
    medals: tuple[str, ...] = column(badges.SHOWN_MEDALS_SQL)
    device: str | None = column(badges.MAIN_DEVICE_SQL)

    @property
    def level_label(self) -> str:
        return badges.level_label(self.level)

    @property
    def shown_medals(self) -> list[badges.ShownMedal]:
        return badges.shown_medals(self.medals)

    @property
    def avatar_url(self) -> str:
        return User._meta.get_field("avatar").storage.url(self.avatar) if self.avatar else ""

    @property
    def badge(self) -> str:
        return role_badge(self)


@dataclass(frozen=True, kw_only=True)
class QuoteCard:
    """The post a reply quotes."""

    id: int = column()
    floor: int = column()
    html: str = column()
    deleted_at: datetime.datetime | None = column()
    hidden_at: datetime.datetime | None = column()
    author: PersonCard = nested(PersonCard, "qu")

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.id])


@dataclass(frozen=True, kw_only=True)
class PostCard:
    """A post on the thread page as every viewer sees it, up to its buttons (forum/_post.html). Its
    table is `p`, its author `u` (city `c`), the quoted post `q` and that post's author `qu`."""

    id: int = column()
    floor: int = column()
    by_staff: bool = column()
    html: str = column()
    created_at: datetime.datetime = column()
    edited_at: datetime.datetime | None = column()
    deleted_at: datetime.datetime | None = column()
    hidden_at: datetime.datetime | None = column()
    like_count: int = column()
    author: AuthorCard = nested(AuthorCard, "u")
    quote: QuoteCard | None = nested(QuoteCard, "q")
    by_op: bool = computed()  # the thread author's later floors carry the 楼主 (OP) badge
    created_words: str = computed()  # fancity.lib.when.ago: changes with the clock, so it is in the key
    images: tuple[Shown, ...] = computed()  # forum.attachments.shown_images: a new thumbnail is a new key

    @property
    def pk(self) -> int:
        return self.id

    @property
    def author_id(self) -> int:
        return self.author.id

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.id])


@dataclass(frozen=True, kw_only=True)
class ThreadRow:
    """A row of a board page (forum/_thread_row.html), also on bookmarks and profiles. Its table is
    `t`, its author `a` and its last poster `l`."""

    id: int = column()
    title: str = column()
    is_pinned: bool = column()
    is_locked: bool = column()
    is_featured: bool = column()
    status: str = column()
    feedback_kind: str = column()
    reply_count: int = column()
    view_count: int = column()
    me_too_count: int = column()
    last_post_at: datetime.datetime = column()
    author: PersonCard = nested(PersonCard, "a")
    last_poster: PersonCard | None = nested(PersonCard, "l")
    last_words: str = computed()  # fancity.lib.when.ago
    unread: bool = computed()  # the viewer has floors to read there: the row links to the first of them

    @property
    def pk(self) -> int:
        return self.id

    @property
    def is_feedback(self) -> bool:
        return bool(self.status)

    @property
    def status_label(self) -> str:
        return str(FeedbackStatus(self.status).label) if self.status else ""

    @property
    def feedback_kind_label(self) -> str:
        return str(FeedbackKind(self.feedback_kind).label) if self.feedback_kind else ""

    def get_absolute_url(self) -> str:
        return reverse("forum:thread", args=[self.id])


@dataclass(frozen=True, kw_only=True)
class ActionsCard:
    """What a signed-in viewer sees under a post that is not deleted (forum/_post_actions.html): the
    buttons, the logs they may read, a hidden post's reason and a moderator's restore button. It holds
    the viewer's facts rather than the viewer, so fans in the same position share the fragment; it is
    worked out from the post's card and the viewer (forum.reading.fragments.post_actions), not read from SQL."""

    id: int
    floor: int
    like_count: int
    author_name: str
    hidden: bool
    reason: str | None  # a hidden post's reason, for its author and moderators (None: not shown)
    logs: tuple[Shown, ...]
    liked: bool
    own: bool  # the viewer wrote it
    may_edit: bool
    may_delete: bool
    may_ban: bool  # its author
    may_mark_official: bool
    page: int
    can_reply: bool
    is_moderator: bool

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.id])
