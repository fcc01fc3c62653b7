"""Whole-phrase keyword matching for Chinese and English text.

Text and phrases are NFKC-normalised (full-width Ｏｒｄｅｒ becomes Order), case-folded, and runs of
white space become one space. A phrase then matches where it occurs as a substring whose Latin
ends are not glued to other Latin letters or digits: "order" matches "my order!" and "订单order",
not "reorder" or "orders"; a Chinese phrase such as 订单 matches wherever it occurs (Chinese has no
spaces between words, so the exact substring is the whole phrase).
"""

from fancity.lib.text import is_word_char as _is_word_char
from fancity.lib.text import normalise

__all__ = ["contains_phrase", "matching_phrase", "normalise"]


def contains_phrase(text: str, phrase: str) -> bool:
    """`text` must already be normalised; `phrase` is normalised here."""
    phrase = normalise(phrase)
    if not phrase:
        return False
    check_start = _is_word_char(phrase[0])
    check_end = _is_word_char(phrase[-1])
    start = text.find(phrase)
    while start != -1:
        end = start + len(phrase)
        if not (check_start and start > 0 and _is_word_char(text[start - 1])) and not (
            check_end and end < len(text) and _is_word_char(text[end])
        ):
            return True
        start = text.find(phrase, start + 1)
    return False


def matching_phrase(text: str, phrases: list[str]) -> str | None:
    """The first of `phrases` found in `text` (already normalised), or None."""
    for phrase in phrases:
        if contains_phrase(text, phrase):
            return phrase
    return None
