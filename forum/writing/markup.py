"""Markdown to safe HTML in time linear in the text (see "Rendering" in forum/README.md).

cmark-gfm (GitHub's C CommonMark parser, through `cmarkgfm`) turns the text into HTML; one pass over
that HTML links @mentions and caps how deeply elements nest; nh3 then keeps only an allow-list of
tags and attributes. Every step is linear in the text, so no post of at most `MAX_BODY` characters
can keep a worker busy: the worst input we know of renders in a few tens of milliseconds.
"""

import re
from html.parser import HTMLParser
from itertools import accumulate

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.urls import reverse
from django.utils.html import escape

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_.+-]{3,150})")

# Without CMARK_OPT_UNSAFE, cmark leaves raw HTML out (it emits a comment, which nh3 drops) and
# empties javascript:/vbscript:/file: links, so only cmark's own well-formed HTML reaches the
# steps below. HARDBREAKS: a new line in the text is a new line on the page, as fans expect.
# STRIKETHROUGH_DOUBLE_TILDE: only ~~this~~ strikes, so "3~5 人" and "10~20 元" stay as written.
CMARK_OPTIONS = Options.CMARK_OPT_HARDBREAKS | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE
EXTENSIONS = ["autolink", "strikethrough"]

# cmark-gfm fills a short table row with empty cells, up to half a million of them: a 20,000-character
# post could become 5 MB of HTML. A post whose tables could hold more cells than this is rendered
# without the table extension (its pipes show as text). Any fully written table that fits in a post
# stays under it: every cell costs at least two characters of text.
MAX_TABLE_CELLS = 20_000
# Deeper elements are dropped (their text is kept): the HTML parser in nh3 slows down with the square
# of the depth (10,000 nested quotes took a second), and no conversation quotes 40 levels deep.
MAX_DEPTH = 40

_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")  # cmark's line endings, no others
# A superset of table delimiter rows (`|---|:-:|`) as they appear in the text, with any quote or list
# markers in front of them. One character class: no backtracking on long lines.
_DELIMITER_ROW_RE = re.compile(r"[ \t>*+.)0-9|:\-]*")
_TOKEN_RE = re.compile(r"<[^>]*>|[^<]+")
_TAG_NAME_RE = re.compile(r"</?([a-zA-Z0-9]+)")
_VOID = {"br", "hr", "img", "input"}
_NO_MENTIONS = {"a", "code", "pre"}
# An opening tag that is not void ("") or a closing tag ("/"): their running sum is the depth.
_OPEN_OR_CLOSE_RE = re.compile(r"<(/?)(?!(?:br|hr|img|input)\b)[a-zA-Z]")
_DEPTH_STEP = {"": 1, "/": -1}
_ALIGNMENTS = {"left", "center", "right"}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.lower().startswith("https://"):
        return None  # images only over https: no http tracking pixels, no data: or javascript:
    if attribute == "align" and value not in _ALIGNMENTS:
        return None
    return value


def mentioned_usernames(text: str) -> list[str]:
    seen = []
    for name in MENTION_RE.findall(text):
        name = name.rstrip(".")
        if name not in seen:
            seen.append(name)
    return seen


def table_cells_bound(text: str) -> int:
    """An upper bound on the number of table cells cmark-gfm would build for `text`, in linear time.

    A table starts at a delimiter row, has at most (pipes in that row + 1) columns, and ends at the
    next blank line at the latest; its header is the line before the delimiter row.
    """
    lines = _LINE_BREAK_RE.split(text)
    total = 0
    rows_to_blank = 0  # lines from this one to the next blank line, counted from the end
    for line in reversed(lines):
        if not line.strip(" \t"):
            rows_to_blank = 0
            continue
        rows_to_blank += 1
        if "-" in line and _DELIMITER_ROW_RE.fullmatch(line):
            total += (line.count("|") + 1) * (rows_to_blank + 1)
    return total


def _needs_rewriting(html: str) -> bool:
    """Whether `html` names someone or nests deeper than MAX_DEPTH (computed at C speed)."""
    if "@" in html:
        return True
    steps = map(_DEPTH_STEP.__getitem__, _OPEN_OR_CLOSE_RE.findall(html))
    return max(accumulate(steps), default=0) > MAX_DEPTH


def _mentions_and_depth(html: str) -> str:
    """Link @mentions in text outside links and code, and drop elements nested deeper than MAX_DEPTH.

    `html` is cmark's output: every element closed in order and every `<` in text or attributes
    escaped, so a tag is exactly `<...>` and one stack follows the nesting.
    """
    if not _needs_rewriting(html):
        return html
    prefix, suffix = (escape(part) for part in reverse("profile", args=["@"]).split("@"))

    def link(match: re.Match) -> str:
        name = match.group(1).rstrip(".")
        return f'<a href="{prefix}{name}{suffix}">@{name}</a>' + "." * (len(match.group(1)) - len(name))

    out = []
    stack: list[tuple[str, bool]] = []  # (tag, kept)
    no_mentions = 0
    for token in _TOKEN_RE.findall(html):
        if token[0] != "<":
            out.append(MENTION_RE.sub(link, token) if not no_mentions and "@" in token else token)
            continue
        name_match = _TAG_NAME_RE.match(token)
        if name_match is None:  # a comment: cmark's "raw HTML omitted"
            continue
        name = name_match.group(1).lower()
        if token[1] == "/":
            if not stack:
                continue
            name, kept = stack.pop()
            no_mentions -= name in _NO_MENTIONS
            if kept:
                out.append(token)
        elif name in _VOID or token.endswith("/>"):
            out.append(token)
        else:
            kept = len(stack) < MAX_DEPTH
            stack.append((name, kept))
            no_mentions += name in _NO_MENTIONS
            if kept:
                out.append(token)
    return "".join(out)


def render(text: str) -> str:
    """The post's HTML: CommonMark with GitHub's tables, ~~strikethrough~~ and bare links; mentions
    linked; then sanitised (raw HTML in the text is left out, links get rel="nofollow ugc")."""
    extensions = EXTENSIONS + ["table"] if table_cells_bound(text) <= MAX_TABLE_CELLS else EXTENSIONS
    html = cmarkgfm.markdown_to_html_with_extensions(text, options=CMARK_OPTIONS, extensions=extensions)
    return nh3.clean(
        _mentions_and_depth(html),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc",
        attribute_filter=_attribute_filter,
    )


class _TextOf(HTMLParser):
    """The text a reader sees in a post's (sanitised) HTML: paragraphs apart, list items and table rows
    on lines of their own, images by their description, entities decoded."""

    PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "blockquote", "pre", "hr", "table", "ul", "ol"})
    LINES = frozenset({"br", "li", "tr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        elif tag in self.LINES:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img" and (alt := dict(attrs).get("alt")):
            self.parts.append(alt)
        self.in_pre += tag == "pre"

    def handle_endtag(self, tag):
        if tag in self.PARAGRAPHS:
            self.parts.append("\n\n")
        self.in_pre -= tag == "pre" and self.in_pre > 0

    def handle_data(self, data):
        self.parts.append(data if self.in_pre else data.replace("\n", " "))


def plain_text(html: str) -> str:
    """A post's rendered HTML as plain text: what quotes, search snippets and feed summaries show
    (never the Markdown source, never tags). Lines are kept; runs of blank lines become one."""
    parser = _TextOf()
    parser.feed(html or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_excerpt(html: str, length: int = 140) -> str:
    """A short one-line excerpt of a post's rendered HTML, as plain text (for quotes and feeds)."""
    text = " ".join(plain_text(html).split())
    return text if len(text) <= length else text[: length - 1] + "…"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!])")


def _escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def quote_markdown(name: str, floor: int, url: str, text: str) -> str:
    """A Markdown quote of `text` (plain text, as `plain_text` gives), signed with the author's name and
    a link to the floor; static/js/quote.js builds the same for a selection."""
    lines = [f"> **{_escape_markdown(name)}** [#{floor}]({url}):"]
    lines += [f"> {_escape_markdown(line)}".rstrip() for line in text.splitlines()]
    return "\n".join(lines) + "\n\n"
