"""Markdown to safe HTML: Markdown renders, nh3 keeps only an allow-list of tags and attributes."""

import re

import markdown
import nh3
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
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_.+-]{3,150})")


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.lower().startswith("https://"):
        return None  # images only over https: no http tracking pixels, no data: or javascript:
    return value


def mentioned_usernames(text: str) -> list[str]:
    seen = []
    for name in MENTION_RE.findall(text):
        name = name.rstrip(".")
        if name not in seen:
            seen.append(name)
    return seen


def render(text: str) -> str:
    """The post's HTML: Markdown, mentions linked, then sanitised (raw HTML in the source is inert)."""
    html = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists", "nl2br"], output_format="html")
    html = MENTION_RE.sub(
        lambda m: f'<a href="{escape(reverse("profile", args=[m.group(1).rstrip(".")]))}">@{escape(m.group(1))}</a>',
        html,
    )
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc",
        attribute_filter=_attribute_filter,
    )


def plain_excerpt(text: str, length: int = 140) -> str:
    """A short plain-text excerpt of Markdown source (for quotes and feeds)."""
    text = re.sub(r"[`*_>#\[\]()!~|]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= length else text[: length - 1] + "…"
