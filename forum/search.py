"""Search that works for Chinese and English, backed by a GIN index on a tsvector.

PostgreSQL's parsers do not split Chinese into words, so the text is tokenised here: a run of CJK
characters becomes its overlapping bigrams (the last character of the run also as a unigram), and
other text becomes lower-cased words. `刷机` is then the bigram 刷机, which `我刷机后无法开机` contains.
A query becomes a phrase of its bigrams (`无法 <-> 法开 <-> 开机`), English words match as prefixes.
See forum/README.md for why this rather than pg_trgm or jieba.
"""

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db.models import F
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from forum.boards import may_see_beta
from forum.markup import plain_text

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(rf"[{CJK}]+|[^\W{CJK}_]+", re.UNICODE)
CJK_RE = re.compile(rf"[{CJK}]")
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
MAX_QUERY_TERMS = 12
RESULTS = 30
CANDIDATES = 200
# Finding and ranking the matches of a common word takes ~15 ms of PostgreSQL time, so the ranked
# ids are kept this long: a new matching post can take a minute to be found. The rows themselves
# are fetched on every request, so a deleted or hidden post drops out at once.
RANKING_CACHE_SECONDS = 60


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


def search_posts(user: User, q: str, board=None) -> list | None:
    """Visible posts matching `q`, best first; None when the query has nothing to search for.

    The GIN index finds the matches; only the newest CANDIDATES of them are ranked, so that a word
    found in a hundred thousand posts costs no more than a rare one (PostgreSQL walks the primary
    key backwards for common words and uses the GIN index for rare ones).
    """
    from forum.models import BoardKind, Post, Thread

    raw = tsquery(q)
    if not raw:
        return None
    sees_beta = may_see_beta(user)
    key = (
        "forum:search:"
        + hashlib.blake2b(repr((raw, board and board.pk, sees_beta)).encode(), digest_size=16).hexdigest()
    )
    visible = Post.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True)
    if board is not None:
        visible = visible.filter(thread_id__in=Thread.objects.filter(board=board).values("pk"))
    elif not sees_beta:
        visible = visible.exclude(thread_id__in=Thread.objects.filter(board__kind=BoardKind.BETA).values("pk"))
    ids = cache.get(key)
    if ids is None:
        query = SearchQuery(raw, search_type="raw", config="simple")
        candidates = visible.filter(search=query).order_by("-id").values("pk")[:CANDIDATES]
        ids = list(
            Post.objects.filter(pk__in=candidates)
            .annotate(rank=SearchRank(F("search"), query))
            .order_by("-rank", "-created_at")
            .values_list("pk", flat=True)[:RESULTS]
        )
        cache.set(key, ids, RANKING_CACHE_SECONDS)
    # The same visibility filters again: a post deleted, hidden or moved since the ranking is left out.
    rows = {
        p.pk: p
        for p in visible.filter(pk__in=ids, thread__hidden_at__isnull=True)  # nor a withdrawn thread's
        .select_related("thread", "thread__board", "author")
        .only(
            "pk",
            "floor",
            "html",
            "thread__title",
            "thread__board__slug",
            "thread__board__name",
            "thread__board__name_en",
            "thread__board__kind",
            "author__username",
            "author__display_name",
            "author__deleted_at",
        )
    }
    return [rows[pk] for pk in ids if pk in rows]


def hits(posts, q: str) -> list[Hit]:
    terms = query_terms(q)
    return [Hit(post=p, terms=terms) for p in posts]
