"""Search that works for Chinese and English, backed by a GIN index on a tsvector.

PostgreSQL's parsers do not split Chinese into words, so the text is tokenised here: a run of CJK
characters becomes its overlapping bigrams (the last character of the run also as a unigram), and
other text becomes lower-cased words. `刷机` is then the bigram 刷机, which `我刷机后无法开机` contains.
A query becomes a phrase of its bigrams (`无法 <-> 法开 <-> 开机`), English words match as prefixes.
See forum/README.md for why this rather than pg_trgm or jieba.
"""

import hashlib
import re
import time
from dataclasses import dataclass
from functools import cached_property

from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from fancity.lib import raw
from forum.boards import may_see_beta
from forum.markup import plain_text
from forum.models import Board, BoardKind, Post, Thread

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(rf"[{CJK}]+|[^\W{CJK}_]+", re.UNICODE)
CJK_RE = re.compile(rf"[{CJK}]")
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
MAX_QUERY_TERMS = 12
RESULTS = 30
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


@dataclass
class Hit:
    post: object
    terms: list[str]

    # Computed only when the hit's fragment is not cached (forum/fragments.py).
    @cached_property
    def title(self) -> SafeString:
        return highlight(self.post.thread.title, self.terms, 120)

    @cached_property
    def snippet(self) -> SafeString:
        return highlight(plain_text(self.post.html), self.terms)


def highlight(text: str, terms: list[str], length: int = 160) -> SafeString:
    """An escaped excerpt of `text` around the first match, matches wrapped in <mark>."""
    text = re.sub(r"\s+", " ", text)
    if not terms:
        return escape(text[:length])
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, (first.start() if first else 0) - length // 3)
    excerpt = text[start : start + length]
    out, last = [], 0
    for m in pattern.finditer(excerpt):
        out.append(escape(excerpt[last : m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(excerpt[last:]))
    prefix = "…" if start else ""
    suffix = "…" if start + length < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)


# Written in SQL (fancity.lib.raw): the ORM took more CPU to build the hits' query and its 120 model
# instances than PostgreSQL takes to answer it.
_HIT_PARTS = (
    raw.Columns(Post, "p", ("thread", "floor", "author", "html")),
    raw.Columns(Thread, "t", ("board", "title")),
    raw.Columns(Board, "b", ("slug", "name", "name_en", "kind")),
    raw.Columns(User, "u", ("username", "display_name", "deleted_at")),
)
_POST, _THREAD, _BOARD = Post._meta.db_table, Thread._meta.db_table, Board._meta.db_table
# Which posts a search may show: not deleted or hidden, nor in a withdrawn thread, and in the board
# asked for, or else not in the beta board for those who may not see it. Written twice, for the two
# statements (tests/forum/test_permissions.py and test_search.py check both): the ranking tests the
# matching posts alone, newest first, and stops at CANDIDATES (a join there let the planner walk every
# thread of the forum); the hits test their 30 rows joined to thread `t` and board `b` (a
# subquery of the beta board's threads there grew with the forum).
_RANK_VISIBLE = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND {scope}"
_RANK_SCOPES = {
    "board": f"p.thread_id IN (SELECT id FROM {_THREAD} WHERE board_id = %s)",
    "no beta": f"p.thread_id NOT IN (SELECT t.id FROM {_THREAD} t JOIN {_BOARD} b ON b.id = t.board_id "
    f"WHERE b.kind = '{BoardKind.BETA}')",
    "all": "TRUE",
}
_HIT_VISIBLE = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND t.hidden_at IS NULL AND {scope}"
_HIT_SCOPES = {"board": "t.board_id = %s", "no beta": f"b.kind <> '{BoardKind.BETA}'", "all": "TRUE"}
# The newest CANDIDATES matches from the GIN index, ranked.
_RANKING_SQL = f"""
SELECT id FROM {_POST} WHERE id IN (
  SELECT p.id FROM {_POST} p WHERE p.search @@ to_tsquery('simple', %s) AND {_RANK_VISIBLE}
  ORDER BY p.id DESC LIMIT {CANDIDATES}
) ORDER BY ts_rank(search, to_tsquery('simple', %s)) DESC, created_at DESC LIMIT {RESULTS}
""".strip()
_HITS_SQL = f"""
SELECT {", ".join(part.sql for part in _HIT_PARTS)}
FROM {_POST} p JOIN {_THREAD} t ON t.id = p.thread_id JOIN {_BOARD} b ON b.id = t.board_id
JOIN {User._meta.db_table} u ON u.id = p.author_id
WHERE p.id = ANY(%s) AND {_HIT_VISIBLE}
""".strip()


def _ranking_key(terms: str, board, sees_beta: bool) -> str:
    # "ranked" since the entries hold (when ranked, ids): a deploy must not read the bare id lists
    # that the "forum:search:" keys of the release before held.
    return (
        "forum:search:ranked:"
        + hashlib.blake2b(repr((terms, board and board.pk, sees_beta)).encode(), digest_size=16).hexdigest()
    )


def search_posts(user: User, q: str, board=None) -> list | None:
    """Visible posts matching `q`, best first; None when the query has nothing to search for.

    The GIN index finds the matches; only the newest CANDIDATES of them are ranked, so that a word
    found in a hundred thousand posts costs no more than a rare one (PostgreSQL walks the primary
    key backwards for common words and uses the GIN index for rare ones).
    """
    terms = tsquery(q)
    if not terms:
        return None
    sees_beta = may_see_beta(user)
    key = _ranking_key(terms, board, sees_beta)
    scope = "board" if board is not None else "all" if sees_beta else "no beta"
    scope_params = [board.pk] if board is not None else []
    kept = cache.get(key)  # (when it was ranked, ids)
    if kept is None or (time.time() - kept[0] > RANKING_CACHE_SECONDS and cache.add(f"{key}:ranking", 1, 10)):
        rows = raw.fetch(_RANKING_SQL.format(scope=_RANK_SCOPES[scope]), [terms, *scope_params, terms], prepare=False)
        ids = [pk for (pk,) in rows]
        cache.set(key, (time.time(), ids), RANKING_KEEP_SECONDS)
    else:
        ids = kept[1]
    # The same visibility rule again: a post deleted, hidden or moved since the ranking is left out, and
    # so is one whose thread was withdrawn since.
    posts = {}
    for row in raw.fetch(_HITS_SQL.format(scope=_HIT_SCOPES[scope]), [ids, *scope_params]):
        (post, thread, board_row, author), _ = raw.split(row, _HIT_PARTS)
        raw.cache_related(thread, "board", board_row)
        raw.cache_related(post, "thread", thread)
        raw.cache_related(post, "author", author)
        posts[post.pk] = post
    return [posts[pk] for pk in ids if pk in posts]


def hits(posts, q: str) -> list[Hit]:
    terms = query_terms(q)
    return [Hit(post=p, terms=terms) for p in posts]
