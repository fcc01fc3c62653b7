"""Names kept in two languages (cities, boards): the one a page shows."""

from django.utils.translation import get_language


def in_page_language(chinese: str, english: str, language: str | None = None) -> str:
    """`chinese` on a Chinese page (the site's default), else `english`, or `chinese` when there is no
    English name. `language`: the language to use instead of the active one (a streamed response reads
    it before it streams)."""
    language = language if language is not None else get_language()
    return chinese if (language or "").startswith("zh") or not english else english
