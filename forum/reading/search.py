"""Search that works for Chinese and English, backed by a GIN index on a tsvector.

PostgreSQL's parsers do not split Chinese into words, so the text is tokenised here: a run of CJK
characters becomes its overlapping bigrams (the last character of the run also as a unigram), and
other text becomes lower-cased words. `刷机` is then the bigram 刷机, which `我刷机后无法开机` contains.
A query becomes a phrase of its bigrams (`无法 <-> 法开 <-> 开机`), English words match as prefixes.
See forum/README.md for why this rather than pg_trgm or jieba.
"""

import datetime
import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from fancity.lib import cards, raw, when
from fancity.lib.cards import column, computed, nested
from forum.models import Board, Post, Thread
from forum.permissions import may_see_beta
from forum.reading.cards import NameCard, PersonCard
from forum.visibility import candidate_post_sql, public_post_sql
from forum.writing.markup import plain_text

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(rf"[{CJK}]+|[^\W{CJK}_]+", re.UNICODE)
CJK_RE = re.compile(rf"[{CJK}]")
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
MAX_QUERY_TERMS = 12
CANDIDATES = 200
# Finding and ranking the matches of a common word is the costly part of a search (forum/README.md,
# Speed), so the ranked ids are kept: after RANKING_CACHE_SECONDS one request ranks again while the
# others go on with the ranking they have, kept RANKING_KEEP_SECONDS (every worker ranking a popular
# query at the same moment stalled both cores at 10M posts). A new matching post can take a
# minute to be found. The rows themselves are fetched on every request, so a deleted or hidden post
# drops out at once.
RANKING_CACHE_SECONDS = 60
RANKING_KEEP_SECONDS = 600


def _tokens(text: str):
    """Yield the lexemes of `text` in order."""
    for match in TOKEN_RE.finditer(text.lower()):
        run = match.group()
        if CJK_RE.match(run):
            for i in range(len(run) - 1):
                yield run[i : i + 2]
            yield run[-1]
        elif len(run) <= 60:
            yield run


def vector_literal(title: str, body: str) -> str:
    """A tsvector in PostgreSQL's input syntax; title lexemes get weight A."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, text in (("A", title), ("", body)):
        for token in _tokens(text):
            position = min(position + 1, MAX_POSITION)
            slots = positions.setdefault(token, [])
            if len(slots) < MAX_POSITIONS_PER_LEXEME:
                slots.append(f"{position}{weight}")
    # Lexemes are only letters and digits, so they need no quoting.
    return " ".join(f"{token}:{','.join(slots)}" for token, slots in positions.items())


def post_vector(title: str, html: str) -> str:
    """A post's search document: its title (a first post's) and the text a reader sees in its rendered
    HTML (`markup.plain_text`), never the Markdown source. Raw HTML the sanitiser drops, link targets and
    image addresses are not shown, so they are not found either."""
    return vector_literal(title, plain_text(html))


def query_terms(q: str) -> list[str]:
    """The words and CJK runs of a query, as typed (for highlighting)."""
    return [m.group() for m in TOKEN_RE.finditer(q)][:MAX_QUERY_TERMS]


def tsquery(q: str) -> str:
    parts = []
    for term in query_terms(q.lower()):
        if CJK_RE.match(term):
            if len(term) == 1:
                parts.append(f"{term}:*")
            else:
                parts.append("(" + " <-> ".join(term[i : i + 2] for i in range(len(term) - 1)) + ")")
        elif len(term) <= 60:
            parts.append(f"{term}:*")
    return " & ".join(parts)


@dataclass(frozen=True, kw_only=True)
class HitCard:
    """A search result (forum/_search_hit.html): a thread's best matching post, highlighted; its value
    is the fragment's key (fancity.lib.cards). Its table is `p`, its thread `t`, board `b`, author `u`."""

    id: int = column()
    thread_id: int = column()
    floor: int = column()
    html: str = column()
    created_at: datetime.datetime = column()
    thread_title: str = column("t.title")
    board: NameCard = nested(NameCard, "b")
    author: PersonCard = nested(PersonCard, "u")
    terms: tuple[str, ...] = computed()
    more: int = computed()  # other matching posts in its thread (among the ranked ones)
    more_url: str = computed()  # the search of its thread alone
    words: str = computed()  # its time in words (fancity.lib.when.ago)

    @property
    def pk(self) -> int:
        return self.id

    def get_absolute_url(self) -> str:
        return reverse("forum:post", args=[self.id])

    # Worked out only when the hit's fragment is not cached (forum/reading/fragments.py).
    @property
    def title(self) -> SafeString:
        return highlight(self.thread_title, list(self.terms), 120)

    @property
    def snippet(self) -> SafeString:
        return highlight(plain_text(self.html), list(self.terms))


def highlight(text: str, terms: list[str], length: int = 160) -> SafeString:
    """An escaped excerpt of `text` around the first match, matches wrapped in <mark>."""
    text = re.sub(r"\s+", " ", text)
    if not terms:
        return escape(text[:length])
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - length // 3)
    excerpt = text[start : start + length]
    out: list[str]
    out, last = [], 0
    for m in pattern.finditer(excerpt):
        out.append(escape(excerpt[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(excerpt[last:]))
    prefix = "…" if start else ""
    suffix = "…" if start + length < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)


# Written in SQL: the ORM took more CPU to build the hits' query and its 120 model instances than
# PostgreSQL takes to answer it. The SELECT list is HitCard's.
_HIT_COLUMNS = cards.columns(HitCard, "p")
_HIT_ID, _HIT_THREAD, _HIT_CREATED_AT = (_HIT_COLUMNS.index(c) for c in ("p.id", "p.thread_id", "p.created_at"))
_POST, _THREAD, _BOARD = Post._meta.db_table, Thread._meta.db_table, Board._meta.db_table
# Which posts a search may show: the public ones (forum.visibility), the beta board's too for those who
# may see it, in the board (or thread) asked for. Each statement tests the rule in its own shape
# (tests/forum/test_visibility.py checks both against the Python predicate): the ranking tests the
# matching posts alone, newest first, and stops at CANDIDATES (a join there let the planner walk every
# thread of the forum), so it takes `candidate_post_sql`, a superset; the hits test their rows joined to
# thread `t` and board `b` (a subquery of the beta board's threads there grew with the forum) with the
# whole rule, so a post the ranking let through in a withdrawn thread is left out there.
# The author and date filters need no second test: a post's author and time do not change.
# The newest CANDIDATES matches from the GIN index, with their thread, rank and time (ranked outside
# the LIMIT, so only those are ranked, and with no second lookup of their rows); grouped and ordered
# in Python (at most CANDIDATES small rows). With an author, thread or date filter the newest
# matches are not taken by walking the primary key backwards (`p.id + 0`): a filter the planner
# believes common but whose rows are all old (a date range a year back) would walk the whole table;
# the index of the filter and the GIN index are intersected instead.
_RANKING_SQL = f"""
SELECT c.id, c.thread_id, ts_rank(c.search, to_tsquery('simple', %s)), c.created_at FROM (
  SELECT p.id, p.thread_id, p.search, p.created_at FROM {_POST} p
  WHERE p.search @@ to_tsquery('simple', %s) AND {{where}} ORDER BY {{order}} DESC LIMIT {CANDIDATES}
) c
""".strip()
_HITS_SQL = f"""
SELECT {cards.select(HitCard, "p")}
FROM {_POST} p JOIN {_THREAD} t ON t.id = p.thread_id JOIN {_BOARD} b ON b.id = t.board_id
JOIN {User._meta.db_table} u ON u.id = p.author_id
WHERE p.id = ANY(%s) AND {{where}}
""".strip()

RELEVANCE, NEWEST = "relevance", "newest"
PER_PAGE = 20
# Every result comes from the newest CANDIDATES matching posts, so there are at most this many pages;
# a search that needs more narrows itself with words or filters (board, author, dates).
MAX_PAGES = CANDIDATES // PER_PAGE


@dataclass(frozen=True)
class Scope:
    """What a search looks at besides its words: the reader's beta visibility, a board or thread (both
    already checked visible), an author, posts from `since` and before `before` (aware datetimes)."""

    sees_beta: bool
    board: int | None = None
    thread: int | None = None
    author: int | None = None
    device: str | None = None  # feedback threads whose reporter's device is this one
    since: datetime.datetime | None = None
    before: datetime.datetime | None = None

    def ranking(self) -> tuple[str, list, str]:
        """The ranking's WHERE, its parameters and its ORDER BY key."""
        # A board given was checked visible, so its threads need no beta test.
        params: list[object] = []
        where = [candidate_post_sql("p", sees_beta=self.sees_beta or self.board is not None)]
        if self.thread is not None:
            where.append("p.thread_id = %s")
            params.append(self.thread)
        elif self.board is not None:
            where.append(f"p.thread_id IN (SELECT id FROM {_THREAD} WHERE board_id = %s)")
            params.append(self.board)
        if self.device is not None:
            where.append(f"p.thread_id IN (SELECT id FROM {_THREAD} WHERE device_model = %s)")
            params.append(self.device)
        for sql, value in (("p.author_id = %s", self.author), ("p.created_at >= %s", self.since)) + (
            ("p.created_at < %s", self.before),
        ):
            if value is not None:
                where.append(sql)
                params.append(value)
        filtered = self.thread is not None or self.author is not None or self.device or self.since or self.before
        return " AND ".join(where), params, "p.id + 0" if filtered else "p.id"

    def hits(self) -> tuple[str, list]:
        """The hits' WHERE (after `p.id = ANY(...)`) and its parameters: visibility checked again."""
        where, params = [public_post_sql("p", "t", "b", sees_beta=self.sees_beta or self.board is not None)], []
        if self.thread is not None:
            where.append("t.id = %s")
            params.append(self.thread)
        elif self.board is not None:
            where.append("t.board_id = %s")
            params.append(self.board)
        return " AND ".join(where), params


def _ranking_key(terms: str, scope: Scope) -> str:
    # "ranked" since the entries hold (when ranked, rows): a deploy must not read the bare id lists
    # that the "forum:search:" keys of an earlier release held; "v2" since the rows hold thread and time.
    return "forum:search:ranked:v2:" + hashlib.blake2b(repr((terms, scope)).encode(), digest_size=16).hexdigest()


def _ranked(terms: str, scope: Scope) -> list[tuple[int, int, float, datetime.datetime]]:
    """(post id, thread id, rank, time) of the newest CANDIDATES matches, kept RANKING_CACHE_SECONDS."""
    key = _ranking_key(terms, scope)
    kept = cache.get(key)  # (when it was ranked, rows)
    if kept is None or (time.time() - kept[0] > RANKING_CACHE_SECONDS and cache.add(f"{key}:ranking", 1, 10)):
        where, params, order = scope.ranking()
        rows = raw.fetch(_RANKING_SQL.format(where=where, order=order), [terms, terms, *params], prepare=False)
        cache.set(key, (time.time(), rows), RANKING_KEEP_SECONDS)
        return rows
    return kept[1]


def _grouped(rows, sort: str, by_thread: bool) -> list[tuple[int, int]]:
    """(post id, matching posts of its thread among `rows`) in the order shown: best rank first (then
    newest) or newest first; with `by_thread`, one per thread, its first post in that order."""
    if sort == NEWEST:
        ordered = sorted(rows, key=lambda r: (r[3], r[0]), reverse=True)
    else:
        ordered = sorted(rows, key=lambda r: (r[2], r[3], r[0]), reverse=True)
    if not by_thread:
        return [(r[0], 1) for r in ordered]
    counts = Counter(r[1] for r in rows)
    first: dict[int, int] = {}
    for post_id, thread_id, *_ in ordered:
        first.setdefault(thread_id, post_id)
    return [(post_id, counts[thread_id]) for thread_id, post_id in first.items()]


@dataclass
class Found:
    hits: list
    page: int
    pages: int  # how many pages of results there are (at most MAX_PAGES)


def search_posts(user: User, q: str, board=None) -> list[HitCard] | None:
    """Visible posts matching `q`, best first, every post (not grouped); None when the query has nothing
    to search for. The pages use `find`."""
    terms = tsquery(q)
    if not terms:
        return None
    scope = Scope(sees_beta=may_see_beta(user), board=board and board.pk)
    grouped = _grouped(_ranked(terms, scope), RELEVANCE, by_thread=False)
    return _hits(dict(grouped), scope, query_terms(q), "")


def _hits(shown: dict[int, int], scope: Scope, terms: list[str], query: str) -> list[HitCard]:
    """The cards of the posts `shown` (id: matching posts of its thread), in that order."""
    # The same visibility rule again: a post deleted, hidden or moved since the ranking is left out, and
    # so is one whose thread was withdrawn since.
    where, params = scope.hits()
    now = when.clock()
    found = {}
    for row in raw.fetch(_HITS_SQL.format(where=where), [list(shown), *params]):
        post_id, thread_id, created_at = row[_HIT_ID], row[_HIT_THREAD], row[_HIT_CREATED_AT]
        more = shown[post_id] - 1
        found[post_id] = cards.build(
            HitCard,
            row,
            terms=tuple(terms),
            more=more,
            more_url=f"?{query}&thread={thread_id}" if more else "",
            words=when.ago(created_at, now),
        )
    return [found[pk] for pk in shown if pk in found]


def find(user: User, q: str, scope: Scope, sort: str = RELEVANCE, page: int = 1, query: str = "") -> Found | None:
    """A page of results for `q` in `scope`: one per thread (its best matching post, or its newest with
    `sort=NEWEST`, and how many of its posts match), or every matching post when the scope is one
    thread. None when `q` has nothing to search for.

    The GIN index finds the matches; only the newest CANDIDATES of them are ranked, so that a word
    found in a hundred thousand posts costs no more than a rare one (PostgreSQL walks the primary
    key backwards for common words and uses the GIN index for rare ones). `query` is the page's query
    string without the page (for the links to a thread's other matching posts).
    """
    terms = tsquery(q)
    if not terms:
        return None
    groups = _grouped(_ranked(terms, scope), sort, by_thread=scope.thread is None)
    pages = max(1, min(MAX_PAGES, -(-len(groups) // PER_PAGE)))
    page = min(page, pages)
    shown = dict(groups[(page - 1) * PER_PAGE : page * PER_PAGE])
    return Found(hits=_hits(shown, scope, query_terms(q), query), page=page, pages=pages)
