"""Text normalisation shared by keyword matching (servicedesk) and the sensitive-word filter (accounts).

NFKC (full-width Ｏｒｄｅｒ becomes Order, ①  becomes 1), case-folded, runs of white space one space.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "").casefold()).strip()


def is_word_char(ch: str) -> bool:
    """A letter or digit of a script written with spaces between words (Latin, Cyrillic, ...)."""
    if ch.isascii():
        return ch.isalnum()
    if not ch.isalnum():
        return False
    name = unicodedata.name(ch, "")
    return not name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))
